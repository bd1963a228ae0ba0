"""Any question up to the 4,000-character limit is answered or refused, never an error (issue 17, item 4:
the cross-encoder's truncation once raised when the question alone filled its window): a property test
over lengths 1-4,000 (the edges, the old breaking point near 450, and a fixed random sample), each also
as a follow-up after a long question, and one over the limit refused with the limit named."""

import random

import pytest

from citeqa.errors import CiteqaError

WORDS = ("which city hosted the conference on online scams and what did the ministers decide there about "
         "cybercrime treaties signed in Hanoi by member states of ASEAN in the year ").split()
LIMIT = 4000


def _question(n: int, rng: random.Random) -> str:
    text = ""
    while len(text) < n:
        text += rng.choice(WORDS) + " "
    head = text[: n - 1]
    return (head[:-1] + "s" if head.endswith(" ") else head) + "?"


LENGTHS = sorted({1, 2, 3, 449, 450, 451, 512, 1000, 2048, 3999, LIMIT, *random.Random(17).sample(range(1, LIMIT + 1), 20)})


def _answered_or_refused(result: dict) -> None:
    assert result["refused"] or (result["answer"] and result["citations"]), result


@pytest.mark.parametrize("n", LENGTHS)
def test_any_length_up_to_the_limit_is_answered_or_refused(seed_assistant, n):
    rng = random.Random(n)
    question = _question(n, rng)
    assert len(question) == n
    _answered_or_refused(seed_assistant.ask(question))
    _answered_or_refused(seed_assistant.ask("And who signed it?", history=[question]))


def test_over_the_limit_is_refused_with_the_limit_named(seed_assistant):
    with pytest.raises(CiteqaError, match="4,001 characters long; the limit is 4,000"):
        seed_assistant.ask("x" * (LIMIT + 1))
