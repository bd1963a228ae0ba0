"""`reader_data.swaps` makes unanswerable questions by rule: a name or number the paragraph holds is
swapped for one of the same shape from another paragraph of its article that this paragraph lacks."""

import random

from citeqa.training.reader_data import Example, _anchors, swaps

KEEPERS = ("Its first keeper, Thomas Doyle, served for 22 years from 1861. The light was automated in 1987, "
           "and the last keeper, Mary Coughlan, left the island that spring.")
FERRY = "A ferry from Galway reached the island in 1923. Brendan Walsh ran it until 1950."


def _ask(question: str, answer: str, context: str = KEEPERS) -> Example:
    return Example(question, context, context.index(answer), answer, "answer", "Inishbeg", (answer,))


def test_a_swapped_question_names_what_its_paragraph_lacks():
    rows = [_ask("How long did Thomas Doyle serve?", "22 years"), _ask("Who ran the ferry?", "Brendan Walsh", FERRY)]
    out = swaps(rows, 1.0, random.Random(0))
    assert [e.question for e in out] == ["How long did Brendan Walsh serve?"]
    swapped = out[0]
    assert swapped.kind == "swap" and swapped.answer_start is None and swapped.context == KEEPERS


def test_numbers_swap_for_numbers_of_as_many_digits():
    rows = [_ask("When was the light automated, 126 years after 1861?", "1987"), _ask("Who ran the ferry?", "Brendan Walsh", FERRY)]
    out = swaps(rows, 1.0, random.Random(0))
    assert len(out) == 1 and out[0].question.endswith(("after 1923?", "after 1950?")), out
    assert "126" in out[0].question  # not in the paragraph: nothing to swap it against


def test_the_answer_is_never_what_is_swapped():
    rows = [_ask("Who was the last keeper, Mary Coughlan?", "Mary Coughlan"), _ask("Who ran the ferry?", "Brendan Walsh", FERRY)]
    assert swaps(rows, 1.0, random.Random(0)) == []


def test_sentence_openers_and_initials_are_not_names():
    text = "The light was lit. Later the U.S. navy came. Its keeper Mary Coughlan stayed. Brendan Walsh left."
    names = [p for shape, p in _anchors(text) if shape.startswith("name")]
    assert names == ["Mary Coughlan", "Brendan Walsh"]
    assert [p for _, p in _anchors("Who was Mary Coughlan?")] == ["Mary Coughlan"]
    assert [p for _, p in _anchors("The Coast Guard came when?")] == ["Coast Guard"]
