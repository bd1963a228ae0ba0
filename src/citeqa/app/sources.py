"""The Sources tab's table and the example questions that follow the indexed corpus."""

from __future__ import annotations

import datetime as _dt

from citeqa.evaluation.questions import source_matches

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
        title = str(d.get("title", ""))
        for note in d.get("notes") or []:  # e.g. pages with no text layer: scanned pages are not read
            title += f"  ⚠ {note.split(': ', 1)[-1]}"
        rows.append([d["source"], title, int(d.get("passages", 0)), human_size(int(d.get("size", 0))),
                     when, str(d.get("hash", ""))[:12]])
    return rows


def example_questions(documents: list[dict], question_sets: list, limit: int = 4) -> list[str]:
    """A few questions about the current corpus, newest documents first: for each document, a question
    of a regression set that cites it (when one does), else one about its title; then more set questions
    to fill the row. An upload therefore shows up in the row at once."""
    by_source: dict[str, list[str]] = {}
    for qset in question_sets:
        for q in qset.questions:
            if q.history or q.xfail or not q.expect.answerable:
                continue
            for d in documents:
                if any(source_matches(c.source, d["source"]) for c in q.expect.cites):
                    by_source.setdefault(d["source"], []).append(q.question)
    newest = sorted(documents, key=lambda d: -float(d.get("indexed_at") or 0))
    out: list[str] = []
    for d in newest:
        title = str(d.get("title") or "").strip()
        asked = by_source.get(d["source"], [])
        question = asked[0] if asked else (f"What does “{title[:80]}” say?" if title else None)
        if question and question not in out:
            out.append(question)
    for d in newest:
        out += [q for q in by_source.get(d["source"], [])[1:] if q not in out]
    return out[:limit]
