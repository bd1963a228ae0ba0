"""The citation panel (no Gradio import): the cited passage shown in its document, the span marked and
scrolled into view, with its file name, title, lines and character span.

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


def document_html(text: str, span: tuple[int, int] | None, cited_lines: tuple[int, int] | None = None) -> str:
    """The whole document as numbered lines, every character escaped, the span wrapped in <mark>.
    A span across lines is marked piece by piece; the first piece has id cq-hit (scroll target)."""
    out: list[str] = []
    pos = 0
    first = True
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=1):
        line_start, line_end = pos, pos + len(raw)
        pos = line_end + 1
        shown = raw[:-1] if raw.endswith("\r") else raw
        shown_end = line_start + len(shown)
        body: str
        if span and span[0] < max(shown_end, line_start + 1) and span[1] > line_start:
            a = max(span[0], line_start) - line_start
            b = min(span[1], shown_end) - line_start
            hit_id = ' id="cq-hit"' if first else ""
            first = False
            body = (
                html.escape(shown[:a])
                + f'<mark class="cq-hit"{hit_id}>{html.escape(shown[a:b]) or "&#8203;"}</mark>'
                + html.escape(shown[b:])
            )
        else:
            body = html.escape(shown)
        cls = "cq-line"
        if cited_lines and cited_lines[0] <= number <= cited_lines[1]:
            cls += " cq-cited"
        out.append(f'<div class="{cls}"><span class="cq-ln">{number}</span><span class="cq-tx">{body or "&nbsp;"}</span></div>')
    return "".join(out)


def panel_placeholder(message: str = "") -> str:
    message = message or "Click a citation such as [1] in an answer to see the passage in its document."
    return f'<div class="cq-panel cq-empty"><p>{html.escape(message)}</p></div>'


def citation_panel(citation: dict, documents: list[dict]) -> str:
    """The side panel for one citation: file name, title, line range, the document with the span marked."""
    source = str(citation.get("source", ""))
    record = next((d for d in documents if d.get("source") == source), None)
    title = str(citation.get("title") or (record or {}).get("title") or source)
    n = int(citation.get("n", 0))
    ls, le = int(citation.get("line_start", 0)), int(citation.get("line_end", 0))
    text = read_document_text(record["path"]) if record and record.get("path") else None
    span = locate_span(text, citation)
    notes = []
    if not citation.get("supported", True):
        notes.append(
            '<div class="cq-warn" role="alert">⚠ <b>Not supported:</b> this passage does not back the sentence '
            "that cites it; check it before relying on the answer.</div>"
        )
    if text is None:
        notes.append('<div class="cq-warn">The document file can no longer be read; showing the quote as indexed.</div>')
        body = document_html(str(citation.get("quote", "")), (0, len(str(citation.get("quote", "")))))
    else:
        if span is None:
            notes.append('<div class="cq-warn">The document changed since it was indexed: the quote is no longer in it. Re-index it on the Sources tab.</div>')
        elif span != (int(citation.get("start", -1)), int(citation.get("end", -1))):
            notes.append('<div class="cq-note">The document changed since it was indexed; the quote was found at a new place.</div>')
        body = document_html(text, span, (ls, le) if span and span == (int(citation.get("start", -1)), int(citation.get("end", -1))) else None)
    head = (
        '<div class="cq-head">'
        f'<div class="cq-badge">[{n}]</div>'
        '<div class="cq-headtext">'
        f'<div class="cq-title">{html.escape(title)}</div>'
        f'<div class="cq-meta"><span class="cq-file">{html.escape(source)}</span> · '
        f'<span class="cq-lines">{line_span(ls, le)}</span> · chars {int(citation.get("start", 0))}–{int(citation.get("end", 0))}</div>'
        "</div></div>"
    )
    # The highlighted span is the quote; show the quote on its own only when it cannot be highlighted.
    quote = "" if span else f'<blockquote class="cq-quote">{html.escape(str(citation.get("quote", "")))}</blockquote>'
    return (
        f'<div class="cq-panel" data-source="{html.escape(source)}" data-n="{n}">{head}{"".join(notes)}{quote}'
        f'<div class="cq-doc" id="cq-doc">{body}</div></div>'
    )
