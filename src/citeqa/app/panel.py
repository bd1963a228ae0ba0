"""Pure pieces of the chat front end (no Gradio import): the document panel that shows a citation in
its document, the conversation export, the sources table, upload-name sanitising and example questions.

Everything that came from a document or a user is passed through `html.escape` before it becomes
HTML, so a document holding `<script>` or `<img onerror=...>` is shown as text and never runs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # one uploaded document; the server also refuses larger requests
MAX_NAME_CHARS = 120
CITE_PREFIX = "cite-"

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


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
def _line_span(a: int, b: int) -> str:
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
            '<div class="cq-warn" role="alert">⚠️ <b>Not supported:</b> this passage does not back the sentence '
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
        f'<span class="cq-lines">{_line_span(ls, le)}</span> · chars {int(citation.get("start", 0))}–{int(citation.get("end", 0))}</div>'
        "</div></div>"
    )
    # The highlighted span is the quote; show the quote on its own only when it cannot be highlighted.
    quote = "" if span else f'<blockquote class="cq-quote">{html.escape(str(citation.get("quote", "")))}</blockquote>'
    return (
        f'<div class="cq-panel" data-source="{html.escape(source)}" data-n="{n}">{head}{"".join(notes)}{quote}'
        f'<div class="cq-doc" id="cq-doc">{body}</div></div>'
    )


# -- export ------------------------------------------------------------------------------------------
def _inert(text: str) -> str:
    """&, < and > as entities: a Markdown viewer shows the text as written and no HTML tag can form."""
    return html.escape(str(text), quote=False)


def _md_quote(text: str) -> str:
    lines = [_inert(line.rstrip()) for line in str(text).replace("\r\n", "\n").split("\n")]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def conversation_markdown(conversation: dict | None) -> str:
    """The conversation as Markdown: each question, its answer, and its citations (source, lines, quote).
    Text from documents and users has &, < and > written as entities, so the file renders as text."""
    turns = (conversation or {}).get("turns") or []
    if not turns:
        return ""
    parts = ["# citeqa conversation", ""]
    for i, turn in enumerate(turns, start=1):
        parts += [f"## {i}. {_inert(turn.get('question', '').strip())}", ""]
        result = turn.get("result")
        if turn.get("error") or not result:
            parts += [f"*Error:* {_inert(turn.get('error') or 'no answer')}", ""]
            continue
        if result.get("error"):
            parts += [f"*Error:* {_inert(result['error'])}", ""]
            continue
        if result.get("refused"):
            parts += [f"*No answer from the documents.* {_inert(result.get('answer', ''))}", ""]
            continue
        parts += [_inert(str(result.get("answer", "")).strip()), ""]
        for c in result.get("citations") or []:
            flag = " (not supported)" if not c.get("supported", True) else ""
            parts += [f"[{c['n']}] {_inert(c['source'])}, {_line_span(int(c['line_start']), int(c['line_end']))}{flag}", "", _md_quote(c["quote"]), ""]
    return "\n".join(parts).rstrip() + "\n"


# -- sources -----------------------------------------------------------------------------------------
DOCUMENT_HEADERS = ["document", "title", "passages", "size", "last indexed", "content hash"]


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def document_rows(documents: list[dict]) -> list[list]:
    rows = []
    for d in documents:
        when = _dt.datetime.fromtimestamp(float(d.get("indexed_at") or 0)).strftime("%Y-%m-%d %H:%M:%S")
        rows.append([d["source"], d.get("title", ""), int(d.get("passages", 0)), human_size(int(d.get("size", 0))),
                     when, str(d.get("hash", ""))[:12]])
    return rows


def sanitize_upload_name(name: str, allowed_suffixes: set[str] | list[str]) -> str:
    """A safe file name for an upload: the last path component only (no folders, no `..`), letters,
    digits, `.`, `_`, `-` and spaces, no leading dot, a supported suffix. Raises ValueError."""
    base = PureWindowsPath(PurePosixPath(str(name)).name).name  # strips "a/b/../c" and "C:\\x\\y"
    base = unicodedata.normalize("NFKC", base)
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    base = re.sub(r"_+", "_", base)
    if not base or base in {".", ".."}:
        raise ValueError(f"{name!r} is not a usable file name.")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        raise ValueError(f"{name!r} has no file type; supported: {', '.join(sorted(allowed_suffixes))}.")
    suffix = "." + suffix.lower()
    if suffix not in allowed_suffixes:
        raise ValueError(f"{PurePosixPath(str(name)).name!r}: {suffix} is not a supported format (supported: {', '.join(sorted(allowed_suffixes))}).")
    stem = stem[: MAX_NAME_CHARS - len(suffix)].strip(" .") or "document"
    return stem + suffix


def inside(folder: Path, path: Path) -> bool:
    folder, path = folder.resolve(), path.resolve()
    return path == folder or folder in path.parents


def corpus_collection(base: str, corpus: Path, default_corpus: Path) -> str:
    """The index collection for a corpus folder: the configured one for the configured corpus, and one
    of its own for any other folder, so switching corpus never mixes documents."""
    if corpus.resolve() == default_corpus.resolve():
        return base
    slug = re.sub(r"[^A-Za-z0-9]+", "-", corpus.resolve().name).strip("-").lower()[:20] or "corpus"
    digest = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:8]
    return f"{base[:30]}-{slug}-{digest}"


# -- example questions -------------------------------------------------------------------------------
def example_questions(documents: list[dict], question_sets: list, limit: int = 4) -> list[str]:
    """A few questions about the current corpus: questions of regression sets that cite an indexed
    document first, then one per document title."""
    from citeqa.evaluate import source_matches

    sources = [d["source"] for d in documents]
    out: list[str] = []
    for qset in question_sets:
        for q in qset.questions:
            if q.history or q.xfail or not q.expect.answerable:
                continue
            if any(source_matches(c.source, s) for c in q.expect.cites for s in sources):
                out.append(q.question)
            if len(out) >= limit:
                return out
    for d in documents:
        title = str(d.get("title") or "").strip()
        if title and len(out) < limit:
            out.append(f"What does “{title[:80]}” say?")
    return out[:limit]
