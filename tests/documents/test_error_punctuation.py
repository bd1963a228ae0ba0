"""Issue 18 item 9: a library's own message that ends in a full stop, quoted inside citeqa's sentence,
no longer doubles the ending: `(…: Data format error).` not `(…: Data format error.).`"""

import io
import zipfile

from citeqa.documents import registry
from citeqa.documents.reasons import clause, typed
from citeqa.documents.registry import read_document
from citeqa.errors import DocumentError


def _message(path) -> str:
    try:
        read_document(path)
    except DocumentError as e:
        return str(e)
    raise AssertionError(f"{path} was read")


def test_a_broken_pdf_and_docx_end_in_one_full_stop(tmp_path):
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4\n not a PDF body at all\n")
    assert _message(pdf) == (f"{pdf} is not a readable PDF (it is damaged or truncated: Failed to load document "
                             "(PDFium: Data format error)).")
    docx = tmp_path / "broken.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")  # no [Content_Types].xml: python-docx refuses it
    docx.write_bytes(buf.getvalue())
    message = _message(docx)
    assert message.startswith(f"{docx} is not a readable Word document (KeyError: ") and message.endswith("archive\").")


def test_any_reader_error_is_quoted_as_a_clause(tmp_path, monkeypatch):
    def choke(path, data, on_page=None):
        raise ValueError("The parser gave up.  ")

    monkeypatch.setitem(registry.FORMATS, "text", choke)
    p = tmp_path / "x.txt"
    p.write_text("text")
    assert _message(p) == f"{p} is not a readable TEXT file (ValueError: The parser gave up)."


def test_clause():
    assert clause(OSError("Failed (PDFium: Data format error).")) == "Failed (PDFium: Data format error)"
    assert clause("two\n lines. ") == "two lines"
    assert clause(KeyError()) == "KeyError" and typed(KeyError()) == "KeyError"
    assert typed(ValueError("bad.")) == "ValueError: bad"
