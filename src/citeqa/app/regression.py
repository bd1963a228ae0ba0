"""The Regression tab's runs: the bundled question sets, and one set's run question by question (where
it stands after each, for the page to show while it runs) ending in a pass/fail table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from citeqa.app.rendering import escape_markdown
from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.questions import Outcome, short
from citeqa.evaluation.running import ask_each, assistant_for_set

PROJECT_ROOT = Path(__file__).resolve().parents[3]
_ORDER = {"FAIL": 0, "known failure": 1}  # the report lists failures first
RUNNING = "Running "  # how the progress line starts (the page's Stop is live while it shows)


def question_set_files() -> list[Path]:
    seen, out = set(), []
    for folder in (Path.cwd() / "tests" / "regression", PROJECT_ROOT / "tests" / "regression"):
        for p in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                out.append(p)
    return out


@dataclass
class RunState:
    """Where a run stands: updated after each question; `summary` is set once it ended (done or stopped)."""

    name: str
    file: str
    against: str
    total: int
    done: int = 0
    passed: int = 0
    failed: int = 0
    known: int = 0
    last: tuple[str, str] | None = None  # the last question's id and verdict
    rows: list[list] = field(default_factory=list)  # in set order; the report sorts them
    stopped: bool = False
    summary: str = ""

    def add(self, outcome: Outcome) -> None:
        q, check = outcome.question, outcome.check
        if check.passed:
            status = "pass" if not q.xfail else "pass (marked xfail)"
            self.passed += 1
        elif q.xfail:
            status = "known failure"
            self.known += 1
        else:
            status = "FAIL"
            self.failed += 1
        reasons = "; ".join(check.reasons) if check.reasons else ""
        if q.xfail and not check.passed:
            reasons = f"known limitation: {q.xfail} — {reasons}"
        self.rows.append([q.id, status, q.question, short(outcome.result.get("answer", "")), reasons])
        self.done += 1
        self.last = (q.id, status)

    def report(self, stopped: bool = False) -> tuple[str, list[list]]:
        """The summary line and the table, failures first (stable: set order within each group)."""
        counts = f"{self.passed} passed, {self.failed} failed" + (f", {self.known} known failures (xfail)"
                                                                  if self.known else "")
        head = f"**{escape_markdown(self.name)}** ({escape_markdown(self.file)}, run against {self.against})"
        summary = (f"{head}: stopped after {self.done} of {self.total} questions: {counts}." if stopped
                   else f"{head}: {counts} of {self.total}.")
        return summary, sorted(self.rows, key=lambda r: _ORDER.get(r[1], 2))


def progress_markdown(state: RunState) -> str:
    """The line shown while a run goes on: `12/39 · 10 passed · 2 failed`, then the last verdict."""
    line = (f"{RUNNING}**{escape_markdown(state.name)}**: {state.done}/{state.total} · {state.passed} passed · "
            f"{state.failed} failed" + (f" · {state.known} known failures" if state.known else ""))
    if state.last is None:
        return line + " · starting (the first question may wait for the index and the models)…"
    return line + f" · last: {escape_markdown(state.last[0])}, {state.last[1]}"


def regression_steps(assistant, path: str | Path, uploaded: bool = False, collections=None, chosen: str | None = None,
                     stop: Callable[[], bool] | None = None) -> Iterator[RunState]:
    """Run a set, yielding where it stands before the first question and after each, then once more with
    its report (`summary`, sorted `rows`). It runs against the collection it names (`collections(name)`
    gives its Assistant, and refuses one the caller may not see), its own corpus, or `assistant` (the
    collection `chosen`). An `uploaded` set may not declare a corpus: a visitor must not make the server
    read (or probe) a folder of their choosing. `stop()` true ends it before the next question."""
    qset = load_question_set(path, allow_corpus=not uploaded)
    if qset.collection:
        against = f"the collection it names, `{qset.collection}`"
    elif qset.corpus:
        against = f"its own corpus `{qset.corpus.name}/`"
    else:
        against = f"the collection `{chosen}`" if chosen else "the live index"
    state = RunState(qset.name, Path(path).name, against, len(qset.questions))
    yield state  # before the runner: a set's own corpus is indexed first, which takes a while
    runner = assistant_for_set(assistant, qset, collections)
    for outcome in ask_each(runner, qset.questions, stop):
        state.add(outcome)
        yield state
    state.stopped = state.done < state.total
    state.summary, state.rows = state.report(stopped=state.stopped)
    yield state


def run_regression(assistant, path: str | Path, uploaded: bool = False, collections=None,
                   chosen: str | None = None) -> tuple[str, list[list]]:
    """The whole run at once (see `regression_steps`): its summary and table."""
    for state in regression_steps(assistant, path, uploaded, collections, chosen):
        pass
    return state.summary, state.rows
