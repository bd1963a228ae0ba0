"""Issue 10 item 10: run-on text (no punctuation, no line breaks) splits into bounded sentences and
passages with exact offsets, in windows that change nothing; a file over the size limit is refused
with one sentence."""

import random

import pytest

import citeqa.documents.chunking as chunking
from citeqa.documents.chunking import MAX_SENTENCE_CHARS, split_document, split_sentences
from citeqa.documents.registry import MAX_DOCUMENT_BYTES, read_document
from citeqa.errors import DocumentError

from conftest import SEED_DOC


def run_on(n_words: int) -> str:
    rng = random.Random(3)
    return " ".join(rng.choice(["harbour", "river", "stone", "winter", "market"]) for _ in range(n_words))


def test_run_on_text_is_bounded_and_exact(tmp_path, monkeypatch):
    monkeypatch.setattr(chunking, "WINDOW_CHARS", 5000)  # many windows in a small text
    (tmp_path / "runon.txt").write_text(run_on(40_000) + " " + "x" * 3000)  # and a 3000-character "word"
    doc = read_document(tmp_path / "runon.txt")
    passages = split_document(doc, 1000)
    assert max(len(p.text) for p in passages) <= MAX_SENTENCE_CHARS + 1000
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert all(0 < e - s <= MAX_SENTENCE_CHARS for s, e in p.sentences)
    inside = bytearray(len(doc.text))
    for p in passages:
        for s, e in p.sentences:
            inside[s:e] = b"\x01" * (e - s)
    assert all(ch.isspace() for ch, hit in zip(doc.text, inside) if not hit)  # no word left out


@pytest.mark.parametrize("text", [run_on(20_000), SEED_DOC.read_text() * 20])
def test_windows_change_no_sentence(text, monkeypatch):
    whole = split_sentences(text)
    monkeypatch.setattr(chunking, "WINDOW_CHARS", 3000)
    assert split_sentences(text) == whole


def test_file_over_the_limit_is_refused_in_one_sentence(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:
        f.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(DocumentError, match=r"huge.txt is \d+ MB; citeqa indexes files up to 32 MB \(split it"):
        read_document(big)
