"""``verify-records``: re-score every record's stored answer with this suite's verifier, per task."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .records import LoadResult, load_records
from .suites import _tasks


@dataclass(frozen=True)
class RecordOutcome:
    """One record: imported or not, and whether our verifier accepts its stored answer."""

    record_id: str
    task: str | None
    level: int | None
    agrees: bool
    reason: str
    source: str = ""


@dataclass
class VerifyReport:
    outcomes: list[RecordOutcome] = field(default_factory=list)

    @property
    def disagreements(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if not o.agrees]

    def per_task(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            row = table.setdefault(o.task or "?", {"records": 0, "agree": 0, "disagree": 0})
            row["records"] += 1
            row["agree" if o.agrees else "disagree"] += 1
        order = {name: i for i, name in enumerate(_tasks())}
        return dict(sorted(table.items(), key=lambda kv: order.get(kv[0], len(order))))

    def to_dict(self) -> dict:
        return {"records": len(self.outcomes), "agree": len(self.outcomes) - len(self.disagreements),
                "per_task": self.per_task(),
                "disagreements": [o.__dict__ for o in self.disagreements]}

    def format(self) -> str:
        lines = [f"{'task':<30} {'records':>7} {'agree':>6} {'disagree':>8}"]
        for task, row in self.per_task().items():
            lines.append(f"{task:<30} {row['records']:>7} {row['agree']:>6} {row['disagree']:>8}")
        total = len(self.outcomes)
        lines.append(f"{'total':<30} {total:>7} {total - len(self.disagreements):>6} {len(self.disagreements):>8}")
        if self.disagreements:
            lines.append("\ndisagreements:")
            for o in self.disagreements:
                level = f" level {o.level}" if o.level else ""
                lines.append(f"- {o.task or '?'}{level} [{o.record_id}]: {o.reason}")
        return "\n".join(lines)


def verify_loaded(result: LoadResult) -> VerifyReport:
    """Outcomes for every imported item (stored answer verified) and every record that failed to import."""
    tasks = _tasks()
    report = VerifyReport()
    for item in result.items:
        answer = item.meta.get("answer", "")
        if not answer:
            report.outcomes.append(RecordOutcome(item.id, item.task, item.level, False, "the record has no stored "
                                                 "answer", item.source))
            continue
        verdict = tasks[item.task].verify(item.instance, answer)
        reason = verdict.reason if not verdict.correct else "stored answer verified"
        report.outcomes.append(RecordOutcome(item.id, item.task, item.level, verdict.correct,
                                             reason if verdict.correct else f"stored answer rejected: {reason}",
                                             item.source))
    for problem in result.problems:
        rid = problem.record_id or Path(problem.source).name
        report.outcomes.append(RecordOutcome(rid, problem.task, problem.level, False,
                                             f"not imported: {problem.reason}", problem.source))
    return report


def verify_records(path: str | Path) -> VerifyReport:
    """Import the records under ``path`` and check each stored answer with our verifier."""
    return verify_loaded(load_records(path))
