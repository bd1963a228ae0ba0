import pytest

from citeqa.documents.registry import find_documents, read_document
from citeqa.errors import DocumentError


def test_reads_utf8_with_exact_offsets(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("Title line\r\nCafé – “quoted”.\r\n".encode())
    doc = read_document(p)
    assert doc.text == "Title line\r\nCafé – “quoted”.\r\n"  # newlines untouched: offsets match the file
    assert doc.title == "Title line"
    assert len(doc.content_hash) == 64 and doc.size == p.stat().st_size


def test_markdown_title_from_heading(tmp_path):
    p = tmp_path / "b.md"
    p.write_text("Intro text\n\n# The Real Title\n\nBody.")
    assert read_document(p).title == "The Real Title"


def test_undecodable_text_is_a_clear_error(tmp_path):
    p = tmp_path / "mixed.txt"  # windows-1252 alone is read (test_text_encodings.py); mixed with UTF-8 it is not
    p.write_bytes("café ".encode("utf-8") + "naïve".encode("cp1252"))
    with pytest.raises(DocumentError, match="not valid UTF-8"):
        read_document(p)


def test_empty_and_unsupported(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(DocumentError, match="empty"):
        read_document(tmp_path / "empty.txt")
    (tmp_path / "x.pdfx").write_text("x")
    with pytest.raises(DocumentError, match="not a supported format"):
        read_document(tmp_path / "x.pdfx")


def test_find_documents_skips_hidden_and_unsupported(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.txt").write_text("c")
    (tmp_path / "d.bin").write_text("d")
    assert [p.name for p in find_documents(tmp_path)] == ["a.txt", "b.md"]
