"""The Regression tab's runs: the bundled question sets and a pass/fail table of one set's run."""

from __future__ import annotations

from pathlib import Path

from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.questions import short
from citeqa.evaluation.running import assistant_for_set, run_question

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def question_set_files() -> list[Path]:
    seen, out = set(), []
    for folder in (Path.cwd() / "tests" / "regression", PROJECT_ROOT / "tests" / "regression"):
        for p in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                out.append(p)
    return out


def run_regression(assistant, path: str | Path, progress=None, uploaded: bool = False, collections=None,
                   chosen: str | None = None) -> tuple[str, list[list]]:
    """Run a set and tabulate it: against the collection it names (`collections(name)` gives its Assistant,
    and refuses one the caller may not see), its own corpus, or `assistant` (the collection `chosen`). An
    `uploaded` set may not declare a corpus: a visitor must not make the server read (or probe) a folder of
    their choosing."""
    qset = load_question_set(path, allow_corpus=not uploaded)
    runner = assistant_for_set(assistant, qset, collections)
    rows, passed, failed, known = [], 0, 0, 0
    total = len(qset.questions)
    for i, q in enumerate(qset.questions):
        if progress:
            progress((i, total), desc=f"{q.id}")
        result, check = run_question(runner, q)
        if check.passed:
            status = "pass" if not q.xfail else "pass (marked xfail)"
            passed += 1
        elif q.xfail:
            status = "known failure"
            known += 1
        else:
            status = "FAIL"
            failed += 1
        reasons = "; ".join(check.reasons) if check.reasons else ""
        if q.xfail and not check.passed:
            reasons = f"known limitation: {q.xfail} — {reasons}"
        rows.append([q.id, status, q.question, short(result.get("answer", "")), reasons])
    order = {"FAIL": 0, "known failure": 1}
    rows.sort(key=lambda r: order.get(r[1], 2))  # failures first (stable: set order within each group)
    if qset.collection:
        against = f"the collection it names, `{qset.collection}`"
    elif qset.corpus:
        against = f"its own corpus `{qset.corpus.name}/`"
    else:
        against = f"the collection `{chosen}`" if chosen else "the live index"
    summary = (f"**{qset.name}** ({Path(path).name}, run against {against}): {passed} passed, {failed} failed"
               + (f", {known} known failures (xfail)" if known else "") + f" of {total}.")
    return summary, rows
