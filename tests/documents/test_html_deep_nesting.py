"""A page nested thousands of elements deep is read whole (issue 17, break 7): the deep text and the
shallow paragraph after it are both indexed, with offsets a citation can quote; past what can be read
at all, the file is skipped with the depth named, never emptied silently."""

import pytest

from citeqa.chat import Assistant
from citeqa.documents.chunking import split_document
from citeqa.documents.registry import read_document
from citeqa.errors import DocumentError

AFTER = "The harbour opened to steamships in 1872."


def deep_page(folder, depth: int):
    path = folder / f"deep{depth}.html"
    path.write_text("<html><head><title>Deep</title></head><body>" + "<div>" * depth + "Buried note about the pier."
                    + "</div>" * depth + f"<p>{AFTER}</p></body></html>", encoding="utf-8")
    return path


# 300: past libxml2's default limit (256); 1500: past Python's recursion limit (1000), under libxml2's
# huge_tree limit (2048); 5000: past that too, read by leaving out the tags below the flattening depth.
@pytest.mark.parametrize("depth", [300, 1500, 5000])
def test_deep_page_is_read_with_exact_offsets(tmp_path, depth):
    doc = read_document(deep_page(tmp_path, depth))
    assert doc.text == f"Buried note about the pier.\n\n{AFTER}"
    block = doc.layout.block_at(doc.text.index(AFTER))
    assert doc.text[block.start : block.end] == AFTER and block.kind == "p"
    passages = split_document(doc, 1000)
    assert any(AFTER in p.text for p in passages)
    for p in passages:
        assert p.text == doc.text[p.start : p.end]
    # Only a page that had to be flattened says so, naming its depth.
    assert doc.notes == (() if depth < 2048 else
                         (f"{tmp_path / 'deep5000.html'} nests elements 5,002 deep: tags below depth 1,000 are left out, "
                          "their text read as part of the block around them.",))


def test_deep_page_is_cited_after_ingest(make_settings, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    deep_page(folder, 5000)
    assistant = Assistant(make_settings(corpus_path=folder))
    report = assistant.ingest(progress=False)
    assert report.added == ["docs/deep5000.html"] and not report.failed
    result = assistant.ask("When did the harbour open to steamships?")
    assert result["citations"], result["answer"]
    text = assistant.document_text("docs/deep5000.html")["text"]
    for c in result["citations"]:
        assert c["source"] == "docs/deep5000.html" and c["quote"] == text[c["start"] : c["end"]]
    assert any("1872" in c["quote"] for c in result["citations"])


def test_page_too_deep_even_flattened_is_skipped_naming_its_depth(tmp_path, monkeypatch):
    # Flattening below libxml2's 2,048 always succeeds; set it above to reach the refusal.
    monkeypatch.setattr("citeqa.documents.html_depth.FLATTEN_DEPTH", 3000)
    path = deep_page(tmp_path, 5000)
    with pytest.raises(DocumentError, match=r"deep5000\.html nests elements 5,002 deep, more than the HTML parser "
                                            r"reads \(2,048\).*it is not read"):
        read_document(path)
