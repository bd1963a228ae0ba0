"""Where a citation is, as a person looks it up, named the same way by every front end and report:
`report.pdf p.3` (PDF: the page), `page.html § Results › Table 2` (HTML, Word: the section),
`notes.txt:4-6` (text, Markdown: lines of the file)."""

from __future__ import annotations

from pathlib import PurePosixPath


def citation_place(c: dict, short: bool = False) -> str:
    """`c` is a citation dict (`citeqa ask --json`); `short` cuts the source to its file name (tables)."""
    source = str(c.get("source", "?"))
    if short:
        source = PurePosixPath(source).name or source
    if c.get("page"):
        return f"{source} p.{c['page']}"
    if c.get("section"):
        return f"{source} § {c['section']}"
    if c.get("format") in ("html", "docx"):
        return f"{source} block {int(c.get('block') or 0) + 1}"
    return f"{source}:{lines(c)}"


def lines(c: dict) -> str:
    return f"{c.get('line_start', '?')}-{c.get('line_end', '?')}"
