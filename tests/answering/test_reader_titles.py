"""A titled reader (reader.json "title") reads each passage after its document's title, which names what a
paragraph often does not ("Inishbeg" is in the page's title, not in the keeper's paragraph). The title is
read, never answered with: spans are characters into the passage, and a passage with no words has none."""

from citeqa.answering.reader import Reader, lead, load_reader

KEEPERS = "The light was automated in 1987, and the last keeper, Mary Coughlan, left the island that spring."
TITLE = "Lighthouse Keepers of Inishbeg"


def _titled() -> Reader:
    shipped = load_reader()
    return Reader(shipped.session, shipped.words, shipped.tokenizer, shipped.threshold, titled=True)


def test_spans_are_characters_of_the_passage_not_of_its_title():
    span = _titled().read("Who was the last keeper of the Inishbeg lighthouse?", [KEEPERS], [TITLE])[0]
    assert 0 <= span.start < span.end <= len(KEEPERS)
    assert KEEPERS[span.start : span.end] == "Mary Coughlan"


def test_a_question_the_title_alone_answers_is_not_answered_from_the_title():
    reader = _titled()
    span = reader.read("What are the lighthouse keepers of which island?", ["", "The light was automated."], [TITLE, TITLE])
    assert span[0] is None  # nothing but the title to read
    assert span[1] is not None and "Inishbeg" not in "The light was automated."[span[1].start : span[1].end]


def test_an_untitled_reader_ignores_titles():
    shipped = load_reader()
    question = "Who was the last keeper?"
    if shipped.titled:
        shipped = Reader(shipped.session, shipped.words, shipped.tokenizer, shipped.threshold, titled=False)
    assert shipped.read(question, [KEEPERS], [TITLE]) == shipped.read(question, [KEEPERS])


def test_lead_is_a_sentence_of_the_title():
    assert lead("Super_Bowl_50") == "Super Bowl 50. "
    assert lead("  The Lunar Garden Project. ") == "The Lunar Garden Project. "
    assert lead("") == "" and lead(None) == ""
