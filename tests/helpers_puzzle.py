"""Test code shared by the grid-puzzle task tests (tests/tasks/test_{aquarium,binairo,...,tapa}.py).

Each helper holds one check that used to be copy-pasted across the task test files; the task files call it with
their own task, instances and parameters and keep their task-specific assertions. The game tests
(tests/helpers_games.py) use some of these too.

- fixtures: :func:`fixture_records` / :func:`fixture_record` read /work/shared/fixtures/reference_sample;
  :func:`imported_fixtures` imports them.
- generator: :func:`assert_same_seed_same_instance`, :func:`assert_medians_grow`.
- verifier: :func:`assert_round_trip_without_witness`, :func:`assert_mutations_rejected`,
  :func:`assert_garbage_rejected` (with :func:`grid_garbage` / :func:`small_garbage` / :func:`latin_garbage`),
  :func:`arbitrary_text_test` and :func:`arbitrary_matrix_test` (hypothesis tests to assign in a module),
  :func:`verifier_tests` (the mutator, garbage and arbitrary-text tests to assign in a module).
- step mode: :func:`play_through`, :func:`assert_play_presentation`, :func:`assert_mask_follows_givens`,
  :func:`assert_step_env_reward`, :func:`write_on_first_given`, :func:`assert_latin_step_play`,
  :func:`mark_step_start`, :func:`assert_expert_shading_plays`.
- presentation: :func:`assert_render_sizes`, :func:`assert_prompts_clean`, :func:`assert_trace_verifies`.
- mutators: :func:`latin_grid_mutations` (tests/mutators/{futoshiki,skyscrapers}.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, extract_answer
from mmhelix_env.envs.spaces import CHARSET

FIXTURES = Path("/work/shared/fixtures/reference_sample")
LEVELS = (1, 2, 3, 4, 5)


# ------------------------------------------------------------------------------------------------- fixtures
def fixture_records(level: int, key: str) -> list[dict]:
    """All reference records of ``key`` (the benchmark folder name) at difficulty ``level``."""
    return json.loads((FIXTURES / f"d{level}" / key / "annotations.json").read_text())


def fixture_record(level: int, key: str, index: int = 0) -> dict:
    """One reference record of ``key`` at difficulty ``level``."""
    return fixture_records(level, key)[index]


def imported_fixtures(task, name: str, level: int, key: str, n: int | None = None):
    """Yields (record, instance) for each reference record of ``key`` at ``level`` (there is at least one), after
    checking the imported instance: task ``name``, that level, source "reference" and (when given) size ``n``."""
    records = fixture_records(level, key)
    assert records
    for rec in records:
        inst = task.from_record(rec)
        assert inst.task == name and inst.level == level and inst.source == "reference"
        if n is not None:
            assert inst.state["n"] == n
        yield rec, inst


# ------------------------------------------------------------------------------------------------ generator
def assert_same_seed_same_instance(task, levels: Iterable[int], seed: int, *, fingerprints: bool = False,
                                   default_prompt: bool = True, witness: bool = False) -> None:
    """Same (level, seed): same state, image and text prompt (and the default prompt, when ``default_prompt``).
    With ``fingerprints`` the fingerprints agree too and seed + 1 gives another puzzle; with ``witness`` the
    witnesses agree."""
    for level in levels:
        a, b = task.instance(level, seed), task.instance(level, seed)
        assert a.state == b.state
        if fingerprints:
            assert a.fingerprint == b.fingerprint
        if witness:
            assert a._witness == b._witness
        assert task.render(a).tobytes() == task.render(b).tobytes()
        assert task.prompt(a, "text") == task.prompt(b, "text")
        if default_prompt:
            assert task.prompt(a) == task.prompt(b)
        if fingerprints:
            assert task.instance(level, seed + 1).fingerprint != a.fingerprint


def assert_medians_grow(task, instances, keys: Sequence[str], count: int | None = None) -> None:
    """For each stats key, the median over the first ``count`` instances of a level grows strictly with level."""
    for key in keys:
        med = {lv: np.median([task.stats(i)[key] for i in instances[lv][:count]]) for lv in LEVELS}
        assert all(med[lv] < med[lv + 1] for lv in LEVELS[:-1]), (key, med)


# ------------------------------------------------------------------------------------------------- verifier
def assert_round_trip_without_witness(task, instances, per_level: int = 5,
                                      expected: Callable[[Instance], str] | None = None,
                                      strict: bool = True) -> None:
    """An instance rebuilt from its dict (no witness) solves again: its expert answer is ``expected(inst)``
    (when given) and verifies. ``strict`` also checks the witness is gone and the score is exactly 1."""
    for level in LEVELS:
        for inst in instances[level][:per_level]:
            fresh = Instance.from_dict(inst.to_dict())
            if strict:
                assert fresh._witness is None
            answer = task.expert_answer(fresh)
            if expected is not None:
                assert answer == expected(inst)
            v = task.verify(fresh, answer)
            assert v.correct, v.reason
            if strict:
                assert v.score == 1.0, v.reason


def assert_mutations_rejected(task, mutators, instances, per_level: int = 4) -> None:
    """The task's mutators (tests/mutators/) give at least five distinct wrong answers, each rejected with a reason."""
    for level in LEVELS:
        for inst in instances[level][:per_level]:
            answer = task.expert_answer(inst)
            muts = mutators.mutations(task, inst, answer)
            assert len(set(muts)) >= 5
            for m in muts:
                v = task.verify(inst, m)
                assert not v.correct and v.reason


def assert_garbage_rejected(task, inst, texts: Iterable[str], seconds: float | None = 0.05) -> None:
    """Each text is rejected with a reason (in under ``seconds`` each, unless None)."""
    for text in texts:
        t0 = time.perf_counter()
        v = task.verify(inst, text)
        assert not v.correct and v.reason, text[:30]
        if seconds is not None:
            assert time.perf_counter() - t0 < seconds


def grid_garbage(*extra: str) -> list[str]:
    """Junk answers every grid verifier rejects quickly (empty, blank, huge, deeply nested, control characters,
    random bytes, a runaway \\boxed), plus ``extra``."""
    noise = bytes(np.random.default_rng(2).integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1")
    return ["", " ", "x" * 200_000, "[" * 10_000 + "]" * 10_000, "\x00\x01", noise,
            "\\boxed{" + "{" * 5000 + "}" * 5000 + "}", *extra]


def small_garbage(*extra: str) -> list[str]:
    """Junk answers (empty, huge, random bytes) for the smaller verifiers' garbage tests, plus ``extra``."""
    noise = bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1")
    return ["", "x" * 100_000, noise, *extra]


def arbitrary_text_test(task, level: int = 1, *, max_examples: int = 150, max_size: int = 300,
                        check: str = "score"):
    """A hypothesis test: ``task.verify`` on instance (level, 0) never raises on arbitrary text. ``check`` says what
    each verdict must show: "score" (a bool verdict, score in [0, 1]), "reason" (a bool verdict with a reason) or
    "wrong" (never correct, score in [0, 1)). Assign it to a ``test_...`` name in the task's test module."""

    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(max_size=max_size))
    def test(text):
        v = task.verify(task.instance(level, 0), text)
        if check == "score":
            assert isinstance(v.correct, bool) and 0 <= v.score <= 1
        elif check == "reason":
            assert isinstance(v.correct, bool) and v.reason
        else:
            assert not v.correct and 0 <= v.score < 1

    return test


def arbitrary_matrix_test(task, level: int, values: tuple[int, int], row_len: tuple[int, int],
                          n_rows: tuple[int, int], on_correct: Callable | None = None, max_examples: int = 80):
    """A hypothesis test: ``task.verify`` on instance (level, 1) of arbitrary integer matrices (as JSON) gives a bool
    verdict with a reason; ``on_correct(rows)`` checks a matrix that was accepted."""

    @settings(max_examples=max_examples, deadline=None)
    @given(st.lists(st.lists(st.integers(*values), min_size=row_len[0], max_size=row_len[1]),
                    min_size=n_rows[0], max_size=n_rows[1]))
    def test(rows):
        v = task.verify(task.instance(level, 1), json.dumps(rows))
        assert isinstance(v.correct, bool) and v.reason
        if on_correct is not None and v.correct:
            on_correct(rows)

    return test


# ------------------------------------------------------------------------------------------------ step mode
def play_through(task, inst, play, actions) -> object:
    """Apply ``actions`` one by one: unsolved before each, each legal, solved after the last; the final play state."""
    for a in actions:
        assert not task.play_solved(inst, play)
        res = task.play_apply(inst, play, a)
        assert res.legal
        play = res.state
    assert task.play_solved(inst, play)
    return play


def assert_play_presentation(task, inst, play, phrase: str | None = None) -> None:
    """A play state renders at 512x512 and both its step prompts keep to CHARSET (and contain ``phrase``)."""
    assert task.render(inst, play).size == (512, 512)
    for modality in ("image", "text"):
        text = task.play_prompt(inst, play, modality)
        assert set(text) <= CHARSET
        if phrase is not None:
            assert phrase in text


def assert_mask_follows_givens(mask, n: int, is_given: Callable[[int, int], bool], whole: bool = False) -> None:
    """A given cell has no legal value in the mask, any other has one (every value, when ``whole``)."""
    for r in range(n):
        for c in range(n):
            assert mask[r, c].any() != is_given(r, c)
            if whole:
                assert mask[r, c].all() != is_given(r, c)


def write_on_first_given(key: str, n: int, value: int = 2, given: Callable = bool) -> Callable:
    """An action writing ``value`` on the first given cell (row-major) of ``inst.state[key]``, an n x n grid whose
    given cells satisfy ``given``: an illegal move."""

    def action(inst):
        grid = inst.state[key]
        r, c = next((r, c) for r in range(n) for c in range(n) if given(grid[r][c]))
        return (r, c, value)

    return action


def assert_step_env_reward(task, level: int, seed: int, mask_shape: tuple,
                           illegal: Callable[[Instance], object] | None = None, to_action: Callable = np.array):
    """A text StepEnv of ``task`` at ``level`` reset with ``seed``: its first action mask has ``mask_shape``; the
    action ``illegal(inst)`` (when given) is flagged, pays nothing and goes on; then the expert actions are all legal,
    only the last one pays 1 and ends the episode, solved. Returns the reset's info."""
    from mmhelix_env.envs.step_env import StepEnv

    env = StepEnv(task, level, modality="text")
    _, first = env.reset(seed=seed)
    assert first["action_mask"].shape == mask_shape
    inst = env.instance
    if illegal is not None:
        _, reward, term, _, info = env.step(np.array(illegal(inst)))
        assert info["illegal"] and reward == 0 and not term
    actions = task.expert_actions(inst)
    for k, a in enumerate(actions):
        _, reward, term, _, info = env.step(to_action(a))
        assert not info["illegal"] and reward == (1.0 if k == len(actions) - 1 else 0.0)
        assert term == (k == len(actions) - 1)
    assert term and info["solved"]
    return first


# ---------------------------------------------------------------------------------------------- presentation
def assert_render_sizes(task, inst, sizes: Iterable[int] = (512, 320)) -> None:
    """The image is square RGB at each requested size."""
    for size in sizes:
        img = task.render(inst, size=size)
        assert img.size == (size, size) and img.mode == "RGB"


def assert_prompts_clean(task, inst) -> tuple[str, str]:
    """Both prompts keep to CHARSET and never mention \\boxed; returns (image prompt, text prompt)."""
    image_prompt, text_prompt = task.prompt(inst, "image"), task.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and "boxed" not in p
    return image_prompt, text_prompt


def assert_trace_verifies(task, inst, contains: Iterable[str] = (), last_line: bool = True) -> str:
    """The trace keeps to CHARSET, contains each of ``contains``, ends in an "Answer: " line (when ``last_line``)
    and its extracted answer verifies; returns the trace."""
    trace = task.trace(inst)
    if last_line:
        assert trace.splitlines()[-1].startswith("Answer: ")
    assert set(trace) <= CHARSET
    for phrase in contains:
        assert phrase in trace
    assert task.verify(inst, extract_answer(trace)).correct
    return trace


# ------------------------------------------------------------------------------------------------- mutators
def latin_grid_mutations(inst, answer: str, extra: Callable | None = None) -> list[str]:
    """Wrong answers shared by the Latin-grid mutators (Futoshiki, Skyscrapers): a free cell changed, a given
    changed, an empty cell, a value out of range and wrong shapes. ``extra(grid, givens, emit, changed)`` adds a
    task's own mutations after these."""
    grid = json.loads(answer)
    n = len(grid)
    givens = inst.state["grid"]
    free = [(r, c) for r in range(n) for c in range(n) if not givens[r][c]]
    fixed = [(r, c) for r in range(n) for c in range(n) if givens[r][c]]
    out: list[str] = []

    def emit(g) -> None:
        text = json.dumps(g) if not isinstance(g, str) else g
        if text != answer and text not in out:
            out.append(text)

    def changed(cells_values) -> list[list[int]]:
        g = [list(row) for row in grid]
        for (r, c), v in cells_values:
            g[r][c] = v
        return g

    r, c = free[len(free) // 2]
    emit(changed([((r, c), grid[r][c] % n + 1)]))            # a free cell changed: its row repeats a number
    if fixed:
        r2, c2 = fixed[0]
        emit(changed([((r2, c2), grid[r2][c2] % n + 1)]))    # a given changed
    emit(changed([((r, c), 0)]))                             # an empty cell
    emit(changed([((r, c), n + 1)]))                         # out of range
    emit(grid[:-1])                                          # a row missing: wrong shape
    emit(grid + [grid[0]])                                   # an extra row
    emit([row[:-1] for row in grid])                         # a column missing
    if extra is not None:
        extra(grid, givens, emit, changed)
    return out


def verifier_tests(task, mutators, garbage: Iterable[str], *, per_level: int = 4,
                   at: tuple[int, int] | None = None, text_level: int = 1) -> tuple:
    """The module-level tests ``test_mutators``, ``test_garbage_rejected`` and ``test_arbitrary_text_never_raises``
    shared by the puzzle task modules (assign the returned tuple to those names). The garbage texts are checked
    on the module's ``instances`` fixture (``instances[5][0]``), or on ``task.instance(*at)`` when ``at`` is
    given."""
    garbage = list(garbage)

    def test_mutators(instances):
        assert_mutations_rejected(task, mutators, instances, per_level)

    if at is None:
        def test_garbage_rejected(instances):
            assert_garbage_rejected(task, instances[5][0], garbage)
    else:
        def test_garbage_rejected():
            assert_garbage_rejected(task, task.instance(*at), garbage)

    return test_mutators, test_garbage_rejected, arbitrary_text_test(task, text_level)


def assert_latin_step_play(task, inst, play) -> None:
    """Step mode of a Latin grid with givens (Futoshiki, Skyscrapers): writing on a given is illegal and leaves the
    board as it was; the expert actions fill exactly the free cells and play through to a presentable board."""
    n, grid = inst.state["n"], inst.state["grid"]
    r, c = next((r, c) for r in range(n) for c in range(n) if grid[r][c])
    res = task.play_apply(inst, play, (r, c, 1))
    assert not res.legal and res.state == play
    actions = task.expert_actions(inst)
    assert len(actions) == n * n - sum(1 for row in grid for v in row if v)
    play = play_through(task, inst, play, actions)
    assert_play_presentation(task, inst, play, "(row, column, value)")


def mark_step_start(task, inst, level: int) -> tuple:
    """Step mode of a shade-or-mark grid (Hitori, Kukurasu, Tapa, Campsite): actions (row, column, 0-2), a step
    limit of 4 n², and a mask of that shape on the starting board. Returns (n, play, mask)."""
    n = inst.state["n"]
    assert task.action_shape(inst) == (n, n, 3) == task.level_action_shape(level) and task.step_limit(inst) == 4 * n * n
    play = task.play_init(inst)
    mask = task.play_mask(inst, play)
    assert mask.shape == (n, n, 3)
    return n, play, mask


def assert_expert_shading_plays(task, inst, marked, phrase: str) -> None:
    """The expert actions shade (value 1) one witness cell each and, played on top of the notes in ``marked``,
    solve the puzzle with a presentable board."""
    actions = task.expert_actions(inst)
    assert len(actions) == len(inst._witness) and all(a[2] == 1 for a in actions)
    marked = play_through(task, inst, marked, actions)
    assert_play_presentation(task, inst, marked, phrase)


def latin_garbage(*extra: str) -> list[str]:
    """:func:`grid_garbage` with the Latin-grid answers in foreign digits and an overlong matrix (Calcudoku,
    Futoshiki, Skyscrapers)."""
    return grid_garbage("١ ٢ ٣ ٢ ٣ ١ ٣ ١ ٢", "２ ４", "[[" + "1, " * 6000 + "]]", *extra)


def assert_verify_fast(task, inst: Instance, repeats: int = 50) -> None:
    """The median verify of the expert answer stays under the issue's 1 ms bound."""
    answer = task.expert_answer(inst)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        task.verify(inst, answer)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.001
