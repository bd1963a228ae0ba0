"""PDFs that cannot be read, each one clear sentence naming the file; content decides the reader."""

import pytest
from makedocs import image_only_pdf, mixed_pdf, two_column_pdf

from citeqa.documents.registry import read_document
from citeqa.errors import DocumentError

ONE = [([["A single short line about otters."]], [])]


def test_encrypted_pdf(tmp_path):
    path = tmp_path / "locked.pdf"
    two_column_pdf(path, ONE, password="secret")
    with pytest.raises(DocumentError, match=r"locked\.pdf is an encrypted PDF \(it needs a password\)"):
        read_document(path)


def test_scanned_pdf_has_no_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    image_only_pdf(path, pages=2)
    with pytest.raises(DocumentError, match=r"scan\.pdf: no text layer: scanned pages are not read \(2 pages\)"):
        read_document(path)


def test_partly_scanned_pdf_is_read_with_a_note(tmp_path):
    path = tmp_path / "mixed.pdf"
    mixed_pdf(path)
    doc = read_document(path)
    assert "green ledger" in doc.text
    assert doc.notes == (f"{path}: no text layer: scanned pages are not read (page 2).",)


def test_truncated_pdf(tmp_path):
    good = tmp_path / "good.pdf"
    two_column_pdf(good, ONE)
    path = tmp_path / "cut.pdf"
    path.write_bytes(good.read_bytes()[:400])
    with pytest.raises(DocumentError, match=r"cut\.pdf is not a readable PDF"):
        read_document(path)
    (tmp_path / "fake.pdf").write_text("just text, not a PDF")
    with pytest.raises(DocumentError, match=r"fake\.pdf is not a readable PDF \(it does not start with %PDF-"):
        read_document(tmp_path / "fake.pdf")


def test_routed_by_content_not_suffix(tmp_path):
    pdf = tmp_path / "report.txt"
    two_column_pdf(pdf, ONE)
    doc = read_document(pdf)
    assert doc.format == "pdf" and doc.text == "A single short line about otters." and "BT" not in doc.text
    html = tmp_path / "page.txt"
    html.write_text("<!DOCTYPE html><html><body><p>Otters <b>hold</b> hands.</p></body></html>")
    assert read_document(html).text == "Otters hold hands."
    png = tmp_path / "image.md"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(DocumentError, match=r"image\.md is a PNG image, not a document citeqa reads"):
        read_document(png)
    blob = tmp_path / "blob.txt"
    blob.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DocumentError, match=r"blob\.txt is a binary file"):
        read_document(blob)
