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
    """A few questions about the current corpus: questions of regression sets that cite an indexed
    document first, then one per document title."""
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
