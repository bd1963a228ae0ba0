"""Which documents a question is asked of (answering/scope.py, naming.py): all, the chosen ones, or the one
it names by title or file name; several named: none read, all listed."""

from citeqa.answering.scope import ALL, CHOSEN, NAMED, resolve

DOCS = {
    "docs/harbour_report.pdf": "Harbour Survey 2030",
    "docs/lighthouse.html": "Lighthouse Keepers of Inishbeg",
    "docs/lunar-garden.md": "The Lunar Garden Project",
    "docs/harbour-minutes.docx": "Harbour Board Minutes",
}


def test_an_ordinary_question_reads_everything():
    scope = resolve("When was the lighthouse built?", None, DOCS)
    assert scope.sources is None and scope.why == ALL and scope.to_dict() == {"sources": "all"}


def test_an_overview_naming_a_document_by_title_words_reads_only_it():
    for topic in ("the harbour survey", "Harbour Survey 2030", "the harbour report", "lunar-garden.md"):
        scope = resolve(f"summarise {topic}", topic, DOCS)
        assert len(scope.sources) == 1 and scope.why == NAMED, topic
    assert resolve("x", "the harbour survey", DOCS).sources == ["docs/harbour_report.pdf"]


def test_a_quoted_or_whole_title_narrows_an_ordinary_question():
    q = 'When will "Harbour Survey 2030" be tendered?'
    assert resolve(q, None, DOCS).sources == ["docs/harbour_report.pdf"]
    assert resolve("Who were the Lighthouse Keepers of Inishbeg?", None, DOCS).sources == ["docs/lighthouse.html"]
    # A word of a title is not a name of the document.
    assert resolve("When was the lighthouse built?", None, DOCS).sources is None


def test_several_documents_named_are_listed_and_none_read():
    scope = resolve("summarise the harbour", "the harbour", DOCS)
    assert scope.sources == [] and {s for s, _ in scope.several} == {"docs/harbour_report.pdf", "docs/harbour-minutes.docx"}


def test_the_document_asks_which_when_several_are_in_scope():
    assert len(resolve("summarise the document", "", DOCS).several) == 4
    one = resolve("summarise the document", "", DOCS, chosen=["docs/lighthouse.html"])
    assert one.sources == ["docs/lighthouse.html"] and not one.several
    assert resolve("summarise the documents", "", DOCS).sources is None


def test_chosen_documents_limit_the_question_and_what_it_can_name():
    scope = resolve("When was the lighthouse built?", None, DOCS, chosen=["docs/lunar-garden.md", "docs/lighthouse.html"])
    assert scope.sources == ["docs/lighthouse.html", "docs/lunar-garden.md"] and scope.why == CHOSEN
    # The harbour report is not chosen: naming it does not reach it.
    assert resolve("summarise the harbour report", "the harbour report", DOCS, chosen=["docs/lighthouse.html"]).sources == ["docs/lighthouse.html"]
    assert resolve("anything", None, DOCS, chosen=[]).sources == []
