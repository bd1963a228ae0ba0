"""Word reader: headings, paragraphs, tables and list items in order with their section path; a damaged
file and a zip bomb are refused with one sentence."""

import zipfile

import pytest
from makedocs import report_docx

from citeqa.documents.registry import read_document
from citeqa.errors import DocumentError


def test_headings_tables_lists(tmp_path):
    path = tmp_path / "survey.docx"
    report_docx(path)
    doc = read_document(path)
    assert doc.format == "docx" and doc.title == "Harbour Survey"  # no core title: the first heading
    assert doc.text == (
        "Harbour Survey\n\nThe survey counted boats in the old harbour every spring.\n\nResults\n\n"
        "Fishing boats outnumbered yachts for the first time since 1990.\n\n"
        "Kind | Count\n\nFishing boats | 412\n\nYachts | 388\n\nMethods\n\n"
        "- Volunteers counted from the harbour wall at dawn."
    )
    at = doc.text.index("Yachts | 388")
    assert doc.layout.span(at, at + 5) == {"section": "Harbour Survey › Results › Table 1", "block": 6}
    titled = tmp_path / "titled.docx"
    report_docx(titled, title="Survey 2024")
    assert read_document(titled).title == "Survey 2024"


def test_truncated_docx(tmp_path):
    good = tmp_path / "good.docx"
    report_docx(good)
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DocumentError, match=r"cut\.docx is not a readable Word document"):
        read_document(cut)


def test_zip_bomb(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        with z.open("word/media/padding.bin", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(300):  # 300 MB of zeros, a few hundred KB packed
                f.write(block)
    assert path.stat().st_size < 2 * 2**20
    with pytest.raises(DocumentError, match=r"bomb\.docx unpacks to over 200 MB .* it is not read \(a zip bomb\?\)"):
        read_document(path)
