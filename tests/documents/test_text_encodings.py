"""Issue 18 item 9: a text file that is not UTF-8 is read in the encoding it was written in (a byte-order
mark, else detected: Notepad's windows-1252 first), the encoding is named in the document's notes, and
only a file no encoding reads with confidence is refused, with a sentence that says why."""

import pytest

from citeqa.documents.chunking import split_document
from citeqa.documents.registry import read_document
from citeqa.errors import DocumentError

WESTERN = "Harbour notes\n\nThe café on the quay served a naïve visitor a crème brûlée.\n"


def test_windows_1252_is_read_and_named(tmp_path):
    p = tmp_path / "notepad.txt"
    p.write_bytes(WESTERN.replace("\n", "\r\n").encode("cp1252"))  # what Notepad's "ANSI" writes
    doc = read_document(p)
    assert doc.text == WESTERN.replace("\n", "\r\n") and doc.title == "Harbour notes"
    assert doc.notes == (f"{p}: read as windows-1252 (not UTF-8; detected from its bytes).",)
    for passage in split_document(doc, 1000):  # offsets count the decoded characters, not the bytes
        assert doc.text[passage.start : passage.end] == passage.text


def test_a_short_cp1252_file_with_curly_quotes_is_still_1252(tmp_path):
    # Short Western text reads the same in several code pages, and a Mac one scored less "messy" here.
    p = tmp_path / "quotes.md"
    body = "# Prices\n\nHe said “five €” — it’s fine… really™.\n" * 20
    p.write_bytes(body.encode("cp1252"))
    doc = read_document(p)
    assert doc.text == body and doc.title == "Prices" and "windows-1252" in doc.notes[0]


def test_other_legacy_encodings_are_detected(tmp_path):
    p = tmp_path / "ru.txt"
    body = "Москва — столица России. Это тестовый документ на русском языке.\n"
    p.write_bytes(body.encode("cp1251"))
    doc = read_document(p)
    assert doc.text == body and "read as windows-1251" in doc.notes[0]


@pytest.mark.parametrize("bom, codec, name", [(b"\xff\xfe", "utf-16-le", "UTF-16LE"),
                                              (b"\xfe\xff", "utf-16-be", "UTF-16BE")])
def test_utf16_by_its_byte_order_mark(tmp_path, bom, codec, name):
    p = tmp_path / "wide.txt"
    p.write_bytes(bom + WESTERN.encode(codec))
    doc = read_document(p)
    # The mark stays as the text's first character, as a UTF-8 BOM does; never in the title.
    assert doc.text == "\ufeff" + WESTERN and doc.title == "Harbour notes"
    assert doc.notes == (f"{p}: read as {name} (its byte-order mark says so).",)


def test_utf8_files_carry_no_note(tmp_path):
    p = tmp_path / "plain.txt"
    p.write_bytes(WESTERN.encode("utf-8"))
    assert read_document(p).notes == ()


def test_what_cannot_be_read_with_confidence_is_refused(tmp_path):
    truncated = tmp_path / "cut.txt"
    truncated.write_bytes(b"\xff\xfe" + "Harbour".encode("utf-16-le")[:-1])
    with pytest.raises(DocumentError, match=r"cut\.txt starts with a UTF-16LE byte-order mark but is not valid "
                                            r"UTF-16LE \(byte 14: damaged or truncated\); save it as UTF-8"):
        read_document(truncated)
    mixed = tmp_path / "mixed.txt"  # UTF-8 with a cp1252 byte pasted in: 1252 would turn é into Ã©
    mixed.write_bytes("The café is open. ".encode() + "Naïve.".encode("cp1252"))
    with pytest.raises(DocumentError, match=r"mixed\.txt is not valid UTF-8: it is UTF-8 text with invalid bytes "
                                            r"in it \(the first at byte 21, 0xef\): damaged, or two encodings mixed"):
        read_document(mixed)
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(128, 256)) * 3)
    with pytest.raises(DocumentError, match=r"noise\.txt is not UTF-8, and its encoding cannot be told with "
                                            r"confidence \(byte 0 is 0x80\); save it as UTF-8 to index it\."):
        read_document(noise)
