"""The chat's pure pieces: the document panel (escaping, the marked span), citation links, upload
names, the conversation export."""

import html
import re

import pytest

from citeqa.errors import InputError

from citeqa.app.conversation import chat_turn, new_conversation, record_turn
from citeqa.app.rendering import escape_markdown, format_answer_markdown, link_markers
from citeqa.app.conversation import conversation_markdown
from citeqa.app.engine import sanitize_upload_name
from citeqa.app.panel import citation_panel, cite_id, document_html, find_citation, locate_span, parse_cite_id

SUFFIXES = {".txt", ".md", ".markdown", ".text"}
EVIL = '<img src=x onerror="window.__xss=1"> <script>alert(1)</script>'


def _cite(**kw):
    c = {"n": 1, "source": "docs/a.txt", "title": "A", "start": 6, "end": 11, "line_start": 2, "line_end": 2,
         "quote": "Hanoi", "score": 0.5, "supported": True, "passage_id": "p"}
    c.update(kw)
    return c


def test_document_html_escapes_everything_and_marks_the_span():
    text = f"Title {EVIL}\nCity: Hanoi & more\r\nlast"
    start = text.index("Hanoi")
    out = document_html(text, (start, start + 5), (2, 2))
    assert "<img" not in out and "<script" not in out
    assert html.escape(EVIL) in out
    assert '<mark class="cq-hit" id="cq-hit">Hanoi</mark> &amp; more' in out
    assert out.count('<div class="cq-line') == 3 and "cq-cited" in out
    assert "\r" not in out
    # A span across lines is marked on each line, the first piece is the scroll target.
    multi = document_html("ab\ncd\nef", (1, 7), None)
    assert multi.count("<mark") == 3 and multi.count('id="cq-hit"') == 1


def test_panel_reads_the_file_and_marks_unsupported_and_moved_quotes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(f"{EVIL}\nCity Hanoi.\n".encode())
    text = path.read_bytes().decode()
    start = text.index("Hanoi")
    record = {"source": "docs/a.txt", "path": str(path), "title": EVIL}
    c = _cite(start=start, end=start + 5, title=EVIL)
    panel = citation_panel(c, record, text=path.read_bytes().decode())
    assert "<img" not in panel and "<script" not in panel and html.escape(EVIL) in panel
    assert ">Hanoi</mark>" in panel and "docs/a.txt" in panel and "line 2" in panel
    assert "Not supported" not in panel
    assert "Not supported" in citation_panel(_cite(start=start, end=start + 5, supported=False), record, text=text)
    # The file changed: the quote is found at its new place, or the panel says it is gone.
    assert locate_span("New first line.\n" + text, c) == (start + 16, start + 21)
    assert "found at a new place" in citation_panel(c, record, text="New first line.\n" + text)
    assert "no longer in it" in citation_panel(c, record, text="Nothing here.")
    gone = citation_panel(c, record, text=None)
    assert "can no longer be read" in gone and ">Hanoi</mark>" in gone  # the quote as indexed
    assert "outside the corpus" in citation_panel(c, record, text=None, unreadable="The file is outside the corpus folder.")


def test_cite_ids_round_trip_and_reject_junk():
    assert parse_cite_id(cite_id(3, 12)) == (3, 12)
    assert parse_cite_id("#cite-0-1|1712345") == (0, 1)
    for bad in ("", None, "cite-x-1", "javascript:alert(1)", "cite-1-1<script>"):
        assert parse_cite_id(bad) is None
    conv = {"results": [{"citations": [_cite()]}]}
    assert find_citation(conv, 0, 1)["quote"] == "Hanoi"
    assert find_citation(conv, 0, 2) is None and find_citation(conv, 5, 1) is None and find_citation(None, 0, 1) is None


def test_answer_markers_become_links_only_for_real_citations():
    result = {"answer": "It was Hanoi. [1] See also [7].", "refused": False,
              "citations": [_cite(), _cite(n=2, supported=False)]}
    md = format_answer_markdown(result, turn=4)
    assert "[\\[1\\]](#cite-4-1)" in md and "\\[7\\]" in md and "#cite-4-7" not in md
    assert "**[\\[2\\]](#cite-4-2)** [docs\\/a\\.txt, line 2](#cite-4-2) — ⚠ **not supported:**" in md
    assert link_markers(escape_markdown("x [2] y"), [_cite(n=2, supported=False)], 0) == "x [\\[2\\] ⚠](#cite-0-2) y"


@pytest.mark.parametrize("name, expected", [
    ("notes.md", "notes.md"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\Windows\\win.txt", "win.txt"),
    ("/abs/path/Report 2025.TXT", "Report 2025.txt"),
    (".hidden.md", "hidden.md"),
    ("a<b>|c*.md", "a_b_c_.md"),
    ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ("a..b.md", "a.b.md"),
    ("Übersicht Straße.md", "Übersicht Straße.md"),
    ("ﬁnal report.txt", "final report.txt"),  # NFKC: the ligature is two letters
    ("東京の報告.txt", "東京の報告.txt"),
    ("हिन्दी.md", "हिन्दी.md"),
    ("evil\u202etxt.md", "evil_txt.md"),  # a right-to-left override is not kept
    ("line\nbreak\x00.md", "line_break_.md"),
    ("é" * 200 + ".txt", "é" * 98 + ".txt"),  # at most 200 bytes of UTF-8
])
def test_upload_names_are_sanitised(name, expected):
    assert sanitize_upload_name(name, SUFFIXES) == expected


def test_names_in_other_scripts_no_longer_collide():
    names = ["отчёт.txt", "報告.txt", "تقرير.txt", "rapport.txt"]
    assert len({sanitize_upload_name(n, SUFFIXES) for n in names}) == len(names)


@pytest.mark.parametrize("name", ["..", "", "noext", "evil.exe", "../.txt", "archive.tar.gz"])
def test_unusable_upload_names_are_refused(name):
    with pytest.raises(ValueError):
        sanitize_upload_name(name, SUFFIXES)


class _Fake:
    def ask(self, question, history=None):
        if not question.strip():
            raise InputError("The question is empty.")
        return {"question": question, "answer": f"About {question} [1]", "refused": False,
                "citations": [_cite(quote=f"{EVIL}\nsecond line")], "passages": []}


def test_export_has_questions_answers_and_citations():
    conv = chat_turn(_Fake(), "First?", None)
    conv = chat_turn(_Fake(), "", conv)  # an error turn is not exported as an answer
    conv = chat_turn(_Fake(), "Second?", conv)
    md = conversation_markdown(conv)
    assert md.startswith("# citeqa conversation")
    assert "## 1. First?" in md and "## 2. Second?" in md
    assert "[1] docs/a.txt, line 2" in md and f"> {html.escape(EVIL, quote=False)}\n> second line" in md
    assert "<img" not in md and "<script" not in md and "## 3." not in md
    assert conversation_markdown(new_conversation()) == ""
    # The turn index in each answer's links points at its result.
    assert "#cite-0-1" in conv["messages"][1]["content"] and "#cite-1-1" in conv["messages"][-1]["content"]
    assert re.search(r"#cite-\d+-\d+", record_turn(None, "q", None, "boom")["messages"][-1]["content"]) is None


def test_short_answer_first_and_each_quote_once():
    """A person asked "In which city...?" sees "Hanoi" first, marked inside the cited sentence, and the
    sentence once: a source whose quote is the answer's own words is listed without repeating it."""
    quote = "Thailand signed the convention in Hanoi, underscoring its commitment."
    result = {"answer": f"{quote} [1]", "refused": False, "citations": [_cite(n=1, quote=quote)],
              "short_answer": {"text": "Hanoi", "start": 34, "end": 39, "citation": 1, "source": "docs/a.txt"}}
    md = format_answer_markdown(result, turn=0)
    first, answer, *rest = md.split("\n\n")
    assert first == "**Hanoi**"
    assert "in **Hanoi**\\," in answer and "[\\[1\\]](#cite-0-1)" in answer
    assert md.count("underscoring its commitment") == 1
    # A generative answer in its own words keeps the quote under its source.
    own_words = {**result, "answer": "It was signed in Hanoi. [1]", "short_answer": None}
    assert format_answer_markdown(own_words, turn=0).count("underscoring its commitment") == 1
    assert "> Thailand signed" in format_answer_markdown(own_words, turn=0)


def test_refusal_and_error_marks_render_without_an_emoji_font():
    refused = format_answer_markdown({"answer": "The documents do not say.", "refused": True, "citations": []})
    error = format_answer_markdown({"answer": "", "refused": True, "citations": [], "error": "down"})
    for text in (refused, error):
        assert not any(0x1F000 <= ord(ch) <= 0x1FAFF or ch == "\ufe0f" for ch in text)
