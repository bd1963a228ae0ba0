"""HTML reader: main content only, headings as a section path, lists and tables kept, the page's
declared encoding honoured, a huge page refused."""

import pytest

from citeqa.documents.registry import read_document
from citeqa.errors import DocumentError

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Harbour survey – City News</title>
<style>p { color: red }</style><script>var tracking = "do not index";</script></head>
<body><header><a href="/">City News</a></header><nav><ul><li><a href="/a">Home</a></li><li>Sport</li></ul></nav>
<div class="cookie-banner">We use cookies to improve this site.</div>
<main><article><h1>Harbour survey</h1><p>The survey counted   boats
in the old harbour.</p>
<h2>Results</h2><p>Fishing boats outnumbered yachts.<br>Yachts were fewer.</p>
<table><caption>Table 2: boats by kind</caption><tr><th>Kind</th><th>Count</th></tr><tr><td>Fishing</td><td>412</td></tr></table>
<ul><li>Counted at dawn</li><li>Counted from the wall</li></ul></article></main>
<aside>Related: other surveys</aside><footer>© City News</footer></body></html>"""


def test_main_content_headings_lists_tables(tmp_path):
    path = tmp_path / "survey.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = read_document(path)
    assert doc.format == "html" and doc.title == "Harbour survey – City News"
    assert doc.text == (
        "Harbour survey\n\nThe survey counted boats in the old harbour.\n\nResults\n\n"
        "Fishing boats outnumbered yachts.\nYachts were fewer.\n\n"
        "Kind | Count\n\nFishing | 412\n\n- Counted at dawn\n\n- Counted from the wall"
    )
    for junk in ("cookies", "Home", "Sport", "tracking", "color", "Related", "©"):
        assert junk not in doc.text
    row = doc.layout.block_at(doc.text.index("Fishing | 412"))
    assert row.section == "Harbour survey › Results › Table 2: boats by kind" and row.kind == "tr"
    assert doc.layout.span(doc.text.index("Fishing boats"), doc.text.index("Fishing boats") + 5) == {
        "section": "Harbour survey › Results", "block": 3}


def test_legacy_encoding_from_meta_charset(tmp_path):
    path = tmp_path / "legacy.htm"
    body = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body><p>Привет, гавань.</p></body></html>'
    path.write_bytes(body.encode("cp1251"))
    assert read_document(path).text == "Привет, гавань."
    latin = tmp_path / "latin.html"
    latin.write_bytes('<html><head><meta charset="iso-8859-1"></head><body><h1>Café “menu”</h1></body></html>'.encode("cp1252"))
    doc = read_document(latin)
    assert doc.text == "Café “menu”" and doc.title == "Café “menu”"


def test_huge_page_is_refused(tmp_path):
    path = tmp_path / "dump.html"
    with open(path, "wb") as f:
        f.write(b"<html><body>")
        chunk = b"<p>" + b"x" * 1020 + b"</p>"
        for _ in range(25 * 1024):  # over the HTML limit, under the 32 MB limit for any file
            f.write(chunk)
    with pytest.raises(DocumentError, match=r"dump\.html is 25 MB of HTML; pages over 20 MB are not read"):
        read_document(path)


def test_page_with_no_text(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><nav>Home</nav><script>x()</script></body></html>")
    with pytest.raises(DocumentError, match=r"empty\.html has no text to read"):
        read_document(path)


def test_xhtml_with_xml_declaration(tmp_path):
    path = tmp_path / "page.xhtml.html"
    path.write_text('<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">'
                    "<body><h1>Tides</h1><p>High tide comes twice a day.</p></body></html>")
    doc = read_document(path)
    assert doc.text == "Tides\n\nHigh tide comes twice a day." and doc.title == "Tides"
