"""The citation panel (no Gradio import): the cited passage shown in its document, the span marked and
scrolled into view, with its file name, title, lines (or page, or section) and character span.

The document is the text as read, kept in the index (so a citation still shows after its file changed
or went); an index made before texts were kept falls back to the file. A PDF citation also shows the
rendered page with the cited sentence's boxes lit (pdfview.py), with page navigation and zoom; HTML and
Word citations show their headings and the section path.

Everything that came from a document or a user is passed through `html.escape` before it becomes
HTML, so a document holding `<script>` or `<img onerror=...>` is shown as text and never runs.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

CITE_PREFIX = "cite-"


# -- citation ids ------------------------------------------------------------------------------------
def cite_id(turn: int, n: int) -> str:
    """The fragment a clickable [n] carries: which answer of the conversation, which citation."""
    return f"{CITE_PREFIX}{int(turn)}-{int(n)}"


def parse_cite_page(value: str) -> int | None:
    """The page a page-navigation link asks for: `cite-3-1|p7` -> 7."""
    m = re.fullmatch(r"#?cite-\d{1,6}-\d{1,4}\|p(\d{1,6})", str(value or "").strip())
    return int(m.group(1)) if m else None


def parse_cite_id(value: str) -> tuple[int, int] | None:
    """`cite-3-1` or `cite-3-1|nonce` -> (3, 1); anything else -> None."""
    m = re.fullmatch(r"#?cite-(\d{1,6})-(\d{1,4})(?:\|[\w.:-]{0,40})?", str(value or "").strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def find_citation(conversation: dict | None, turn: int, n: int) -> dict | None:
    results = (conversation or {}).get("results") or []
    if not 0 <= turn < len(results) or not results[turn]:
        return None
    for c in results[turn].get("citations") or []:
        if int(c.get("n", -1)) == n:
            return c
    return None


# -- the document panel ------------------------------------------------------------------------------
def line_span(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}–{b}"


def read_document_text(path: str | Path) -> str | None:
    """The document as the indexer read it: UTF-8 bytes decoded without newline translation."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def locate_span(text: str | None, citation: dict) -> tuple[int, int] | None:
    """[start, end) of the cited quote in `text`: the recorded offsets when they still hold the quote,
    else the quote's first occurrence (the file changed since it was indexed), else None."""
    if text is None:
        return None
    start, end, quote = int(citation.get("start", 0)), int(citation.get("end", 0)), str(citation.get("quote", ""))
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if quote:
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote)
    return None


def document_html(text: str, span: tuple[int, int] | None, cited_lines: tuple[int, int] | None = None,
                  first_line: int = 1, headings: set[int] | None = None, hit_id: str = "cq-hit") -> str:
    """The whole document as numbered lines, every character escaped, the span wrapped in <mark>.
    A span across lines is marked piece by piece; the first piece has id `hit_id` (scroll target).
    `first_line` numbers a slice of a longer text; `headings` are line numbers shown as headings."""
    out: list[str] = []
    pos = 0
    first = True
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=first_line):
        line_start, line_end = pos, pos + len(raw)
        pos = line_end + 1
        shown = raw[:-1] if raw.endswith("\r") else raw
        shown_end = line_start + len(shown)
        body: str
        if span and span[0] < max(shown_end, line_start + 1) and span[1] > line_start:
            a = max(span[0], line_start) - line_start
            b = min(span[1], shown_end) - line_start
            hit_attr = f' id="{hit_id}"' if first else ""
            first = False
            body = (
                html.escape(shown[:a])
                + f'<mark class="cq-hit"{hit_attr}>{html.escape(shown[a:b]) or "&#8203;"}</mark>'
                + html.escape(shown[b:])
            )
        else:
            body = html.escape(shown)
        cls = "cq-line"
        if cited_lines and cited_lines[0] <= number <= cited_lines[1]:
            cls += " cq-cited"
        if headings and number in headings:
            cls += " cq-h"
        out.append(f'<div class="{cls}"><span class="cq-ln">{number}</span><span class="cq-tx">{body or "&nbsp;"}</span></div>')
    return "".join(out)


def panel_placeholder(message: str = "") -> str:
    message = message or "Click a citation such as [1] in an answer to see the passage in its document."
    return f'<div class="cq-panel cq-empty"><p>{html.escape(message)}</p></div>'


def _where(citation: dict, shown_page: int | None) -> str:
    ls, le = int(citation.get("line_start", 0)), int(citation.get("line_end", 0))
    if citation.get("page"):
        return f"page {int(citation['page'])}" + (f" (showing page {shown_page})" if shown_page and shown_page != int(citation["page"]) else "")
    if citation.get("section"):
        return f"§ {html.escape(str(citation['section']))}"
    return line_span(ls, le)


def _headings(text: str, layout: dict | None) -> set[int]:
    """Line numbers of heading blocks (HTML, DOCX): every block is one line of the text as read."""
    out = set()
    for b in (layout or {}).get("blocks", []):
        if b.get("kind") == "h":
            out.add(text.count("\n", 0, int(b["start"])) + 1)
    return out


def _page_text(text: str, layout: dict | None, page: int) -> tuple[int, int]:
    """[start, end) of a PDF page in the text as read."""
    pages = (layout or {}).get("pages") or []
    if not 1 <= page <= len(pages):
        return 0, len(text)
    start = int(pages[page - 1][2])
    end = int(pages[page][2]) if page < len(pages) else len(text)
    return start, end


def citation_panel(citation: dict, record: dict | None, stored: dict | None = None, text: str | None = None,
                   unreadable: str = "The document file can no longer be read; showing the quote as indexed.",
                   page: int | None = None, cite_ref: str = "", pdf_path: str | None = None) -> str:
    """The side panel for one citation: file name, title, where it is, the document with the span marked.

    The caller decides what may be shown (Engine.cited): `record` is the indexed document of the active
    corpus (None otherwise); `stored` the text as read kept in the index ({hash, format, text, layout});
    `text` the file's text, for an index made before texts were kept; `pdf_path` the PDF to render, only
    when it lies inside the corpus. With neither text, the quote as indexed is shown, and `unreadable`
    says why. `page` is the PDF page to show (default: the cited one)."""
    from citeqa.app.pdfview import page_html, render_page

    source = str(citation.get("source", ""))
    title = str(citation.get("title") or (record or {}).get("title") or source)
    n = int(citation.get("n", 0))
    ls, le = int(citation.get("line_start", 0)), int(citation.get("line_end", 0))
    recorded = (int(citation.get("start", -1)), int(citation.get("end", -1)))
    if stored is not None:
        text = str(stored.get("text") or "")
    span = locate_span(text, citation)
    notes = []
    if not citation.get("supported", True):
        notes.append(
            '<div class="cq-warn" role="alert">⚠ <b>Not supported:</b> this passage does not back the sentence '
            "that cites it; check it before relying on the answer.</div>"
        )
    viewer = ""
    shown_page = None
    fmt = str(citation.get("format") or (stored or {}).get("format") or "text")
    if fmt == "pdf" and text is not None:
        wanted = int(page or citation.get("page") or 1)
        rendered = None
        if pdf_path:
            rendered = render_page(pdf_path, wanted, (stored or {}).get("hash") or (record or {}).get("hash"))
        if rendered is None:
            notes.append('<div class="cq-note">The PDF file changed or is gone since it was indexed; showing the text as read.</div>')
        else:
            shown_page = rendered.number
            viewer = page_html(rendered, citation.get("boxes") or [], source, cite_ref or f"cite-0-{n}")
    if text is None:
        notes.append(f'<div class="cq-warn">{html.escape(unreadable)}</div>')
        body = document_html(str(citation.get("quote", "")), (0, len(str(citation.get("quote", "")))))
    else:
        if span is None:
            notes.append('<div class="cq-warn">The document changed since it was indexed: the quote is no longer in it. Re-index it on the Sources tab.</div>')
        elif span != recorded:
            notes.append('<div class="cq-note">The document changed since it was indexed; the quote was found at a new place.</div>')
        cited_lines = (ls, le) if span and span == recorded else None
        layout = (stored or {}).get("layout")
        if fmt == "pdf":
            # Beside the page image: the text as read of the page shown, with the cited sentence marked.
            a, b = _page_text(text, layout, shown_page or int(citation.get("page") or 1))
            first_line = text.count("\n", 0, a) + 1
            local = (span[0] - a, span[1] - a) if span and a <= span[0] < b else None
            body = document_html(text[a:b], local, cited_lines, first_line, hit_id="cq-hit-text" if viewer else "cq-hit")
        else:
            body = document_html(text, span, cited_lines, headings=_headings(text, layout))
    chars = (int(citation.get("start", 0)), int(citation.get("end", 0)))
    head = _head(n, title, source, _where(citation, shown_page), chars)
    # The highlighted span is the quote; show the quote on its own only when it cannot be highlighted.
    quote = "" if span else f'<blockquote class="cq-quote">{html.escape(str(citation.get("quote", "")))}</blockquote>'
    doc_attrs = 'class="cq-doc cq-asread" id="cq-text" tabindex="-1"' if viewer else 'class="cq-doc" id="cq-doc"'
    # Under the page: the text as read, with a way back up to the page (the page's bar jumps down here).
    label = ('<div class="cq-label">Text as read <button type="button" class="cq-jump" data-jump="top">'
             "↑ Page</button></div>") if viewer else ""
    return (
        f'<div class="cq-panel" data-source="{html.escape(source)}" data-n="{n}" data-format="{html.escape(fmt)}">'
        f'{head}{"".join(notes)}{quote}{viewer}{label}<div {doc_attrs}>{body}</div></div>'
    )


def _head(n: int, title: str, source: str, where: str, chars: tuple[int, int]) -> str:
    """The panel's header: [n], the title, then file, place and characters. `where` is already HTML.
    Each field is a unit that wraps whole (style.py): a narrow panel breaks the line between fields, or
    between the words of a long field, never inside a word ("De/cisions", "char/s")."""
    fields = [f'<span class="cq-field cq-file">{html.escape(source)}</span>',
              f'<span class="cq-field cq-lines">{where}</span>',
              f'<span class="cq-field cq-chars">chars {chars[0]}–{chars[1]}</span>']
    return (
        '<div class="cq-head">'
        f'<div class="cq-badge">[{n}]</div>'
        '<div class="cq-headtext">'
        f'<div class="cq-title">{html.escape(title)}</div>'
        f'<div class="cq-meta">{" · ".join(fields)}</div>'
        "</div></div>"
    )
