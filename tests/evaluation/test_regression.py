"""Every question of every tests/regression/*.yaml set, run through the real pipeline over the seed index.

A question marked `xfail` in its set is a known limitation: a strict xfail, so fixing it shows as XPASS.
"""

from pathlib import Path

import pytest

from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.running import assistant_for, run_question

SETS = sorted((Path(__file__).resolve().parents[2] / "tests" / "regression").glob("*.yaml"))


def _cases():
    params = []
    for path in SETS:
        qset = load_question_set(path)  # a broken set is a collection error naming file and line
        for q in qset.questions:
            marks = [pytest.mark.xfail(reason=q.xfail, strict=True)] if q.xfail else []
            params.append(pytest.param(qset, q, id=q.id, marks=marks))
    return params


CASES = _cases()


def test_question_sets_found():
    assert SETS, "no question sets in tests/regression/"
    assert CASES, "the question sets hold no questions"


@pytest.fixture(scope="session")
def set_assistant(seed_assistant):
    """The seed Assistant, or one with a set's settings overrides over the same index (cached per set)."""
    cache = {}

    def get(qset):
        if qset.path not in cache:
            cache[qset.path] = assistant_for(seed_assistant, qset.settings)
        return cache[qset.path]

    return get


@pytest.mark.parametrize("qset, question", CASES)
def test_question(qset, question, set_assistant):
    result, verdict = run_question(set_assistant(qset), question)
    if not verdict.passed:
        asked = " / ".join([*question.history, question.question])
        cited = ", ".join(f"{c['source']}:{c['line_start']}-{c['line_end']}" for c in result["citations"]) or "nothing"
        pytest.fail(
            f"{qset.path.name}:{question.line} {question.id}: {asked}\n  - "
            + "\n  - ".join(verdict.reasons)
            + f"\n  (cited {cited})",
            pytrace=False,
        )
