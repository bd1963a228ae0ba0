"""Issue 10 item 12: a CRLF file splits like its LF twin (`\r\n\r\n` is a blank line: headings stay apart
from their body), and a BOM is never in a title or a quote, while offsets stay exact: the BOM stays in
the text (it is the file's first character, as the citation panel reads it) and every quote is
text[start:end]."""

from citeqa.documents.chunking import split_document
from citeqa.documents.registry import read_document

LF = (
    "# Ferries\n\nThe harbour ferry leaves every hour. It carries cars and bicycles.\n\n"
    "## Winter timetable\n\nIn winter the last ferry leaves at eight. Tickets are sold on board.\n"
)


def test_crlf_paragraphs_split_like_lf(tmp_path):
    (tmp_path / "lf.md").write_bytes(LF.encode())
    (tmp_path / "crlf.md").write_bytes(LF.replace("\n", "\r\n").encode())
    lf, crlf = (split_document(read_document(tmp_path / n), 1000) for n in ("lf.md", "crlf.md"))
    assert [p.text for p in crlf] == [p.text.replace("\n", "\r\n") for p in lf]
    assert len(crlf) == len(lf) >= 2
    headings = [p.text for p in crlf if p.text.startswith("#")]
    assert headings and all("\r\n" not in h for h in headings)  # no heading merged with its body
    assert [p.line_start for p in crlf] == [p.line_start for p in lf]


def test_bom_kept_in_text_out_of_title_and_quotes(tmp_path):
    for name, body in (("bom.txt", "Harbour notes\n\nThe ferry leaves every hour.\n"), ("bom.md", LF)):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + body.encode())
        doc = read_document(tmp_path / name)
        assert doc.text.startswith("\ufeff")  # offsets count the file's characters
        assert "\ufeff" not in doc.title and doc.title in ("Harbour notes", "Ferries")
        for p in split_document(doc, 1000):
            assert doc.text[p.start : p.end] == p.text and "\ufeff" not in p.text
            for s, e in p.sentences:
                assert doc.text[s:e] == p.sentence_text(s, e) and not p.sentence_text(s, e).startswith("\ufeff")
