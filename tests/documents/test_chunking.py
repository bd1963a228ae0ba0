from citeqa.documents.chunking import split_document, split_sentences
from citeqa.documents.registry import read_document
from citeqa.schema import LineIndex

from conftest import SEED_DOC


def test_seed_sentences_are_whole_lines():
    doc = read_document(SEED_DOC)
    sentences = split_sentences(doc.text)
    lines = [line for line in doc.text.split("\n") if line.strip()]
    # The seed holds one sentence per line (a title and a subtitle first).
    assert [doc.text[s:e] for s, e, _ in sentences] == lines


def test_sentences_never_cut_and_offsets_exact():
    text = "# Title\n\nMr. Smith went to Washington. He said: \"Hello!\" Then he left.\r\nThe U.S. team won 3.5 points.\n"
    sentences = split_sentences(text)
    got = [text[s:e] for s, e, _ in sentences]
    assert got == ["# Title", "Mr. Smith went to Washington.", 'He said: "Hello!"', "Then he left.", "The U.S. team won 3.5 points."]
    assert [sec for *_, sec in sentences] == [True, True, False, False, False]


def test_hard_wrapped_prose_is_joined_titles_are_not():
    text = (
        "A Short Title\n"
        "This paragraph is wrapped at a fixed width the way many text files\n"
        "are, so the sentence goes on across the line break and must stay\n"
        "whole. Another sentence follows.\n"
    )
    got = [text[s:e] for s, e, _ in split_sentences(text)]
    assert got[0] == "A Short Title"
    assert got[1].startswith("This paragraph") and got[1].endswith("must stay\nwhole.")
    assert got[2] == "Another sentence follows."


def test_markdown_list_items_are_separate():
    text = "Steps:\n- install it\n- run it\n1. first\n2. second"
    got = [text[s:e] for s, e, _ in split_sentences(text)]
    assert got == ["Steps:", "- install it", "- run it", "1. first", "2. second"]


def test_passages_cover_every_sentence_with_exact_provenance():
    doc = read_document(SEED_DOC)
    passages = split_document(doc, target_chars=400)
    lines = LineIndex(doc.text)
    covered = set()
    for p in passages:
        assert p.text == doc.text[p.start : p.end]
        assert (p.line_start, p.line_end) == lines.span_lines(p.start, p.end)
        assert p.sentences[0][0] == p.start and p.sentences[-1][1] == p.end
        covered.update(p.sentences)
        assert p.doc_hash == doc.content_hash and p.source == doc.source and p.title == doc.title
    assert covered == {(s, e) for s, e, _ in split_sentences(doc.text)}
    assert len({p.id for p in passages}) == len(passages)


def test_consecutive_passages_overlap_by_one_sentence():
    text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(40))
    doc_passages = split_document(_doc(text), target_chars=200)
    assert len(doc_passages) > 3
    for a, b in zip(doc_passages, doc_passages[1:]):
        assert a.sentences[-1] == b.sentences[0]


def test_very_long_run_without_sentence_end_is_cut_at_whitespace():
    text = "word " * 1000
    sentences = split_sentences(text)
    assert len(sentences) > 1
    for s, e, _ in sentences:
        assert e - s <= 1200 and not text[s].isspace() and not text[e - 1].isspace()


def _doc(text):
    import hashlib

    from citeqa.schema import SourceDocument

    return SourceDocument("t.txt", "/t.txt", "t", text, hashlib.sha256(text.encode()).hexdigest(), len(text), 0.0)


def test_line_index():
    idx = LineIndex("ab\ncd\n\nef")
    assert idx.line_of(0) == 1 and idx.line_of(2) == 1 and idx.line_of(3) == 2 and idx.line_of(7) == 4
    assert idx.span_lines(3, 6) == (2, 2) and idx.span_lines(3, 7) == (2, 3)
