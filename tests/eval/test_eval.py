"""agents.eval: expert 100 %, random near 0, resume after a kill or an exception equals an uninterrupted run,
backend failures are retried, the tiny model runs on CPU, and the command line writes one folder per agent."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mmhelix_env
from agents.eval import RESULTS_FILE, EvalConfig, ResultStore, build_work, load_suite_items, main, run_eval, spread_pick
from agents.report import read_jsonl
from agents.types import BackendError, Generation

ROOT = Path(__file__).resolve().parents[2]
ROW_FIELDS = {"key", "env_id", "task", "category", "level", "seed", "fingerprint", "suite", "suite_version",
              "modality", "sample", "prompt_sha256", "image_sha256", "response", "answer", "correct", "score",
              "reason", "prompt_tokens", "completion_tokens", "latency_s"}


def without_latency(rows):
    return [{k: v for k, v in r.items() if k != "latency_s"} for r in rows]


def results(folder) -> list[dict]:
    return [json.loads(line) for line in (Path(folder) / RESULTS_FILE).read_text().splitlines()]


def figures(folder) -> dict:
    """The report's figures without the mean latency (timing differs between runs)."""
    data = json.loads((Path(folder) / "report.json").read_text())["figures"]
    for fig in data["modalities"].values():
        fig["usage"].pop("latency_s")
    return data


@pytest.fixture(scope="module")
def mini():
    return load_suite_items("mini")


def test_expert_scores_100_on_mini_in_both_modalities(tmp_path, mini):
    cfg = EvalConfig(agent="expert", suite="mini", modalities=("image", "text"), progress=False, bootstrap=100)
    res = run_eval(cfg, tmp_path, suite_items=mini)
    assert len(res.rows) == 2 * 210 and res.new_items == 420 and not res.failed
    assert all(r["correct"] for r in res.rows), [r for r in res.rows if not r["correct"]][:3]
    for modality in ("image", "text"):
        fig = res.figures["modalities"][modality]
        assert fig["overall"]["accuracy"] == 100.0 and fig["overall"]["tasks"] == 42
        assert set(fig["categories"]) == {"algorithms", "graphs", "puzzles", "games"}
        assert len(fig["levels"]) == 5
    row = res.rows[0]
    assert ROW_FIELDS <= set(row)
    inst = mmhelix_env.make_instance(row["task"], row["level"], row["seed"])
    assert row["fingerprint"] == inst.fingerprint and row["suite"] == "mini"
    env = mmhelix_env.make_env(row["task"], row["level"], modality=row["modality"])
    obs, _ = env.reset(options={"instance": inst})
    assert row["prompt_sha256"] == hashlib.sha256(obs["prompt"].encode()).hexdigest()
    assert (row["image_sha256"] is None) == (row["modality"] == "text")
    assert {r["image_sha256"] is None for r in res.rows if r["modality"] == "text"} == {True}
    # a second run finds everything done and changes nothing
    again = run_eval(cfg, tmp_path, suite_items=mini)
    assert again.new_items == 0 and again.rows == res.rows


def test_expert_scores_100_on_the_full_bench(tmp_path):
    t0 = time.perf_counter()
    cfg = EvalConfig(agent="expert", suite="mmhelix-bench", modalities=("image", "text"), progress=False)
    res = run_eval(cfg, tmp_path)
    wall = time.perf_counter() - t0
    assert len(res.rows) == 2 * 1260
    assert all(r["correct"] for r in res.rows), [r for r in res.rows if not r["correct"]][:3]
    for fig in res.figures["modalities"].values():
        assert fig["overall"]["accuracy"] == 100.0 and fig["overall"]["n"] == 1260
        assert all(t["n"] == 30 for t in fig["tasks"].values())
    print(f"expert on mmhelix-bench, both modalities: {wall:.1f} s")


def test_random_agent_scores_near_zero(tmp_path, mini):
    cfg = EvalConfig(agent="random", suite="mini", modalities=("image", "text"), progress=False, bootstrap=0)
    res = run_eval(cfg, tmp_path, suite_items=mini)
    for fig in res.figures["modalities"].values():
        assert fig["overall"]["accuracy"] < 10.0
        assert fig["categories"]["puzzles"]["accuracy"] < 5.0
    assert sum(r["correct"] for r in res.rows) < 0.1 * len(res.rows)
    assert len({r["response"] for r in res.rows}) > 300  # answers differ, not one constant guess


def _cli(out, *extra):
    return [sys.executable, "-m", "agents.eval", "--agent", "random", "--suite", "mini", "--limit", "120",
            "--modality", "both", "--batch-size", "2", "--bootstrap", "200", "--no-progress", "--out", str(out), *extra]


def test_resume_after_a_kill_equals_an_uninterrupted_run(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = subprocess.Popen(_cli(killed), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    target = killed / RESULTS_FILE
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if target.exists() and target.read_bytes().count(b"\n") >= 25:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    partial = read_jsonl(target)  # the kill may have torn the last line
    assert 25 <= len(partial) < 240
    with open(target, "ab") as fh:  # a write torn by the kill
        fh.write(b'{"key": "abc|image|0|0", "env_id": "MMHel')
    done = subprocess.run(_cli(killed), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{240 - len(partial)} new" in done.stderr
    assert main(_cli(whole)[3:]) == 0  # the uninterrupted run, in process
    assert without_latency(results(killed)) == without_latency(results(whole))
    assert len(results(whole)) == 240
    assert figures(killed) == figures(whole)
    sessions = json.loads((killed / "run.json").read_text())["sessions"]
    assert [s["new_items"] for s in sessions] == [240 - len(partial)]  # the killed session never got to log itself


class Stop(Exception):
    pass


def test_resume_after_an_exception_equals_an_uninterrupted_run(tmp_path, mini):
    suite, items = mini
    subset = (suite, [items[i] for i in spread_pick(len(items), 30)])
    cfg = EvalConfig(agent="random", suite="mini", limit=30, modalities=("image", "text"), progress=False,
                     bootstrap=100, batch_size=4)
    seen = []

    def explode(row):
        seen.append(row)
        if len(seen) == 13:
            raise Stop

    with pytest.raises(Stop):
        run_eval(cfg, tmp_path / "a", suite_items=subset, on_result=explode)
    assert len(results(tmp_path / "a")) == 13
    resumed = run_eval(cfg, tmp_path / "a", suite_items=subset)
    whole = run_eval(cfg, tmp_path / "b", suite_items=subset)
    assert resumed.new_items == 60 - 13
    assert without_latency(resumed.rows) == without_latency(whole.rows)
    assert without_latency(results(tmp_path / "a")) == without_latency(results(tmp_path / "b"))
    assert figures(tmp_path / "a") == figures(tmp_path / "b")
    assert resumed.figures["modalities"]["image"]["overall"] == whole.figures["modalities"]["image"]["overall"]


class LookupBackend:
    """Answers text prompts it knows with the expert answer and everything else wrongly; can fail on request."""

    preferred_image_format = "url"

    def __init__(self, answers: dict[str, str], fail_prompts=(), raise_calls=0):
        self.answers, self.fail_prompts, self.raise_calls = answers, set(fail_prompts), raise_calls
        self.calls = 0

    def generate(self, batch, params):
        self.calls += 1
        if self.calls <= self.raise_calls:
            raise BackendError("server unavailable")
        out = []
        for messages in batch:
            prompt = next(p["text"] for p in messages[-1]["content"] if p.get("type") == "text")
            if prompt in self.fail_prompts:
                out.append(Generation("", finish_reason="error", error="HTTP 500"))
            else:
                text = f"Thinking... \\boxed{{{self.answers.get(prompt, 'no idea')}}}"
                out.append(Generation(text, prompt_tokens=len(prompt) // 4, completion_tokens=7, latency_s=0.01))
        return out


def test_model_backend_results_tokens_and_failed_items(tmp_path, mini):
    from agents.agent import LLMAgent
    from agents.types import SamplingParams

    suite, items = mini
    subset = (suite, [items[i] for i in spread_pick(len(items), 12)])
    prompts = []
    for item in subset[1]:
        env = mmhelix_env.make_env(item.task, item.level, modality="text")
        obs, _ = env.reset(options={"instance": item.instance})
        prompts.append((obs["prompt"], mmhelix_env.expert_answer(item.instance)))
    known = dict(prompts[:9])  # 9 of 12 answered right
    failing = [prompts[10][0]]
    cfg = EvalConfig(agent="hf", model="fake", suite="mini", limit=12, modalities=("text",), progress=False,
                     bootstrap=0, batch_size=5)
    backend = LookupBackend(known, fail_prompts=failing, raise_calls=1)  # first batch (5 items) fails outright
    res = run_eval(cfg, tmp_path, suite_items=subset, agent=LLMAgent(backend, SamplingParams(max_new_tokens=32)))
    assert len(res.failed) == 5 + 1 and len(res.rows) == 12 - 6
    errors = [json.loads(x) for x in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert {e["error"] for e in errors} == {"server unavailable", "HTTP 500"}
    assert all(r["completion_tokens"] == 7 and r["prompt_tokens"] > 0 for r in res.rows)
    # the rerun retries exactly the failed items
    backend = LookupBackend(known)
    res = run_eval(cfg, tmp_path, suite_items=subset, agent=LLMAgent(backend, SamplingParams(max_new_tokens=32)))
    assert res.new_items == 6 and len(res.rows) == 12 and not res.failed
    by_prompt = {p: a for p, a in prompts}
    assert sum(r["correct"] for r in res.rows) == 9
    assert [r["prompt_sha256"] for r in res.rows] == [hashlib.sha256(p.encode()).hexdigest() for p, _ in prompts]
    assert all(r["correct"] == (r["answer"] == by_prompt[p]) for r, (p, _) in zip(res.rows, prompts))
    assert res.figures["modalities"]["text"]["usage"]["completion_tokens"] == 7


def test_resume_refuses_other_settings(tmp_path):
    suite_items = load_suite_items("MMHelix/Hanoi-easy", limit=2)
    run_eval(EvalConfig(agent="random", modalities=("text",), progress=False, bootstrap=0), tmp_path,
             suite_items=suite_items)
    with pytest.raises(SystemExit, match="other settings"):
        run_eval(EvalConfig(agent="expert", modalities=("text",), progress=False, bootstrap=0), tmp_path,
                 suite_items=suite_items)
    res = run_eval(EvalConfig(agent="expert", modalities=("text",), progress=False, bootstrap=0, overwrite=True),
                   tmp_path, suite_items=suite_items)
    assert res.new_items == 2 and all(r["correct"] for r in res.rows)


def test_tiny_model_runs_on_cpu(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    torch.set_num_threads(1)
    cfg = EvalConfig(agent="tiny", suite="MMHelix/Maze-easy,MMHelix/Sudoku-very-easy", limit=2,
                     modalities=("image", "text"), progress=False, bootstrap=50, max_new_tokens=16)
    res = run_eval(cfg, tmp_path)
    assert len(res.rows) == 4 and not res.failed
    for r in res.rows:
        assert r["prompt_tokens"] > 50 and 0 < r["completion_tokens"] <= 16
        assert r["finish_reason"] in ("stop", "length") and r["latency_s"] > 0
        assert r["correct"] is False or r["reason"].startswith("correct")
    assert {r["modality"]: r["image_sha256"] is not None for r in res.rows} == {"image": True, "text": False}
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["max_new_tokens"] == 16 and meta["temperature"] == 0.0 and meta["agent"] == "tiny"
    assert (tmp_path / "report.png").exists()
    # --agent hf on the same model saved to disk gives the same answers
    from agents.testing import tiny_vlm

    saved = tiny_vlm(tmp_path / "model").path
    hf = run_eval(EvalConfig(agent="hf", model=saved, suite=cfg.suite, limit=2, modalities=("image", "text"),
                             progress=False, bootstrap=0, max_new_tokens=16), tmp_path / "hf")
    assert [r["response"] for r in hf.rows] == [r["response"] for r in res.rows]
    assert json.loads((tmp_path / "hf" / "run.json").read_text())["model"] == saved


def test_command_line_agents_into_subfolders_and_report_only(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["--agent", "expert,random", "--suite", "MMHelix/Hanoi-easy,MMHelix/Maze-hard", "--limit", "4",
                 "--modality", "text", "--out", str(out), "--no-progress", "--bootstrap", "50"])
    assert code == 0
    for agent in ("expert", "random"):
        assert len(results(out / agent)) == 4
        assert (out / agent / "report.md").exists()
    summary = (out / "report.md").read_text()
    assert "| **expert** |  | – | – | – | – | – | – | 100.0 | – | 100.0 | – |" in summary
    assert "| **random** |" in summary and "| GPT-5 |" in summary
    before = (out / "expert" / "report.md").read_text()
    assert main(["--report-only", "--out", str(out), "--bootstrap", "50"]) == 0
    assert (out / "expert" / "report.md").read_text() == before
    with pytest.raises(SystemExit):
        main(["--agent", "oracle", "--out", str(out)])


def test_work_list_keys_copies_and_limit(mini):
    suite, items = mini
    assert spread_pick(10, 4) == [0, 2, 5, 7] and spread_pick(3, 10) == [0, 1, 2] and spread_pick(5, 0) == []
    work = build_work([items[0], items[1], items[0]], ("image", "text"), samples=2)
    assert len(work) == 12 and [w.position for w in work] == list(range(12))
    keys = [w.key for w in work]
    assert len(set(keys)) == 12
    assert [w.copy for w in work[:3]] == [0, 0, 1]
    assert keys[0] == f"{items[0].fingerprint}|image|0|0" and keys[2] == f"{items[0].fingerprint}|image|0|1"
    assert {w.sample for w in work} == {0, 1}


def test_result_store_cuts_a_torn_line(tmp_path):
    store = ResultStore(tmp_path / "r.jsonl").open()
    store.append({"key": "a"})
    store.close()
    with open(tmp_path / "r.jsonl", "ab") as fh:
        fh.write(b'{"key": "b", "x"')
    store = ResultStore(tmp_path / "r.jsonl").open()
    store.append({"key": "c"})
    store.close()
    assert store.rows() == [{"key": "a"}, {"key": "c"}]


class PairBreaker:
    """Right on every prompt, except that the second time it sees ``victim`` it answers wrongly."""

    preferred_image_format = "url"

    def __init__(self, answers: dict[str, str], victim: str):
        self.answers, self.victim, self.seen = answers, victim, 0

    def generate(self, batch, params):
        out = []
        for messages in batch:
            prompt = next(p["text"] for p in messages[-1]["content"] if p.get("type") == "text")
            answer = self.answers[prompt]
            if prompt == self.victim:
                self.seen += 1
                if self.seen == 2:
                    answer = "Yes" if answer == "No" else "No"
            out.append(Generation(f"\\boxed{{{answer}}}", prompt_tokens=1, completion_tokens=1))
        return out


def test_records_suite_with_graph_isomorphism_pairs(tmp_path):
    """Published rows hold each GraphIsomorphism pair twice (one fingerprint): both copies are run, and a pair
    counts only when both answers are right (benchmark.md §3)."""
    from agents.agent import LLMAgent
    from agents.types import SamplingParams
    from mmhelix_env.bench import export_suite, load_suite

    export_suite(load_suite("MMHelix/GraphIsomorphism-easy,MMHelix/Maze-easy"), "jsonl", tmp_path / "export")
    lines = []
    for line in (tmp_path / "export" / "rows.jsonl").read_text().splitlines():
        lines.append(line)
        record = json.loads(line)
        if record["task"] == "GraphIsomorphism":
            lines.append(json.dumps({**record, "id": "reverse_" + record["id"]}))
    rows_file = tmp_path / "published.jsonl"
    rows_file.write_text("\n".join(lines) + "\n")

    res = run_eval(EvalConfig(agent="expert", suite=str(rows_file), modalities=("text",), progress=False,
                              bootstrap=0), tmp_path / "expert")
    assert len(res.rows) == 18 and all(r["correct"] for r in res.rows)
    gi = [r for r in res.rows if r["task"] == "GraphIsomorphism"]
    assert [r["copy"] for r in gi] == [0, 1] * 6 and len({r["key"] for r in gi}) == 12
    assert res.figures["pair_rule_applied"]

    suite, items = load_suite_items(str(rows_file))
    answers, victim = {}, None
    for item in items:
        env = mmhelix_env.make_env(item.task, item.level, modality="text")
        obs, _ = env.reset(options={"instance": item.instance})
        answers[obs["prompt"]] = mmhelix_env.expert_answer(item.instance)
        victim = victim or (obs["prompt"] if item.task == "GraphIsomorphism" else None)
    agent = LLMAgent(PairBreaker(answers, victim), SamplingParams(max_new_tokens=8))
    res = run_eval(EvalConfig(agent="hf", model="fake", suite=str(rows_file), modalities=("text",), progress=False,
                              bootstrap=0), tmp_path / "broken", suite_items=(suite, items), agent=agent)
    assert sum(r["correct"] for r in res.rows) == 17  # one wrong row ...
    tasks = res.figures["modalities"]["text"]["tasks"]
    assert tasks["GraphIsomorphism"]["accuracy"] == pytest.approx(100 * 10 / 12)  # ... costs its whole pair
    assert tasks["Maze"]["accuracy"] == 100.0


def test_openai_agent_against_a_local_server(tmp_path, mini):
    """--agent openai over real HTTP (agents.serve on loopback, a lookup backend behind it), requests in flight
    concurrently; images travel as data URLs."""
    import threading

    from agents.serve import make_server

    suite, items = mini
    subset = (suite, [items[i] for i in spread_pick(len(items), 16)])
    answers = {}
    for item in subset[1]:
        env = mmhelix_env.make_env(item.task, item.level, modality="text")
        obs, _ = env.reset(options={"instance": item.instance})
        answers[obs["prompt"]] = mmhelix_env.expert_answer(item.instance)
    server = make_server(LookupBackend(answers), "lookup", batch_size=4)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cfg = EvalConfig(agent="openai", model="lookup", base_url=server.base_url, suite="mini", limit=16,
                         modalities=("text", "image"), concurrency=4, progress=False, bootstrap=0)
        res = run_eval(cfg, tmp_path, suite_items=subset)
    finally:
        server.shutdown()
        server.server_close()
    assert len(res.rows) == 32 and not res.failed
    text = [r for r in res.rows if r["modality"] == "text"]
    assert all(r["correct"] for r in text) and all(r["completion_tokens"] == 7 for r in text)
    image = [r for r in res.rows if r["modality"] == "image"]
    assert all(r["response"].endswith("\\boxed{no idea}") and r["image_sha256"] for r in image)
    assert res.meta["base_url"] == server.base_url and res.meta["model"] == "lookup"


def test_odd_server_replies_become_failed_items_not_a_crash(tmp_path):
    """A reply the backend cannot parse (nesting past the recursion limit) lands in errors.jsonl; the run goes on."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Deep(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"[" * 100_000 + b"]" * 100_000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Deep)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        cfg = EvalConfig(agent="openai", model="m", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
                         suite="MMHelix/Maze-easy", limit=2, modalities=("text",), progress=False, bootstrap=0,
                         max_retries=0)
        res = run_eval(cfg, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert len(res.failed) == 2 and not res.rows
    errors = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert len(errors) == 2 and all("nested too deeply" in e["error"] for e in errors)


def test_resume_and_report_only_skip_rows_that_are_not_results(tmp_path, capsys):
    cfg = EvalConfig(agent="expert", suite="MMHelix/Maze-easy", limit=3, modalities=("text",), progress=False,
                     bootstrap=0)
    first = run_eval(cfg, tmp_path)
    path = tmp_path / RESULTS_FILE
    path.write_bytes(path.read_bytes() + b'[1]\n{"a": 1}\n{"fingerprint": 3}\n')
    again = run_eval(cfg, tmp_path)
    assert again.new_items == 0 and without_latency(again.rows) == without_latency(first.rows)
    assert main(["--report-only", "--out", str(tmp_path), "--bootstrap", "0"]) == 0
    err = capsys.readouterr().err
    for line in (4, 5, 6):
        assert f"line {line} skipped" in err
