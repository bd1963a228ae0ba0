"""Data classes that carry provenance from the file to the citation.

Offsets are character offsets into the document text exactly as read (UTF-8, newlines untouched),
half-open [start, end). Lines are 1-based and inclusive.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


def source_key(source: str) -> str:
    """The first part of each passage id of a document: a search scoped to documents filters by it."""
    return hashlib.sha1(source.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class SourceDocument:
    source: str  # display path (relative to the working folder when inside it)
    path: str  # absolute path
    title: str
    text: str
    content_hash: str  # sha256 of the bytes read
    size: int
    mtime: float
    format: str = "text"  # text, markdown, pdf, html, docx
    layout: "Layout | None" = None  # where each part of `text` came from (None for text and Markdown)
    notes: tuple[str, ...] = ()  # what was read only in part (pages with no text layer), one sentence each


@dataclass
class DocumentText:
    """What a reader returns: the text as read, a title, and where the text came from."""

    text: str
    title: str | None
    format: str
    layout: "Layout | None" = None
    notes: tuple[str, ...] = ()


@dataclass
class Block:
    """One block of the text as read: a paragraph, heading, list item or table row (HTML, DOCX), or a
    paragraph (PDF). Blocks are separated by a blank line, so each is one line of the text as read."""

    start: int
    end: int
    index: int  # 0-based, in reading order
    kind: str = "p"  # p, h (heading), li, tr (table row)
    section: str = ""  # heading path, "Results › Table 2"
    page: int = 0  # PDF: 1-based page of the block's first character


@dataclass
class Layout:
    """Provenance of the text as read. PDF: `runs` rows (start, end, page, line, x0, y0, x1, y1), one per
    word on one line, in PDF points (origin bottom left, as in the PDF), and `pages` (width, height,
    start offset) per page. HTML/DOCX: `blocks` with their heading path."""

    blocks: list[Block] = field(default_factory=list)
    runs: Any = None  # numpy float64 array (n, 8)
    pages: list[tuple[float, float, int]] = field(default_factory=list)

    def __post_init__(self):
        self._block_starts = [b.start for b in self.blocks]
        self._page_starts = [p[2] for p in self.pages]

    def block_at(self, offset: int) -> Block | None:
        i = bisect.bisect_right(self._block_starts, offset) - 1
        return self.blocks[i] if i >= 0 else None

    def page_at(self, offset: int) -> int:
        return max(1, bisect.bisect_right(self._page_starts, offset)) if self._page_starts else 0

    def span(self, start: int, end: int) -> dict:
        """Provenance of text[start:end): page and boxes (PDF), section and block (HTML, DOCX)."""
        out: dict = {}
        if self.pages:
            out["page"] = self.page_at(start)
            out["boxes"] = self.boxes(start, end)
        elif self.blocks:
            b = self.block_at(start)
            if b is not None:
                out["section"] = b.section
                out["block"] = b.index
        return out

    def boxes(self, start: int, end: int) -> list[list[float]]:
        """One rectangle per line the span covers: [page, x0, y0, x1, y1] in PDF points."""
        if self.runs is None or not len(self.runs):
            return []
        r = self.runs  # in text order: starts and ends both ascend
        lo = int(np.searchsorted(r[:, 1], start, side="right"))
        hi = int(np.searchsorted(r[:, 0], end, side="left"))
        hit = r[lo:hi]
        merged: dict[tuple[int, int], list[float]] = {}
        for row in hit:
            key = (int(row[2]), int(row[3]))
            box = merged.setdefault(key, [row[4], row[5], row[6], row[7]])
            box[0], box[1] = min(box[0], row[4]), min(box[1], row[5])
            box[2], box[3] = max(box[2], row[6]), max(box[3], row[7])
        return [[page] + [round(float(v), 1) for v in box] for (page, _line), box in merged.items()]

    def to_json(self) -> dict:
        return {"blocks": [asdict(b) for b in self.blocks], "pages": [list(p) for p in self.pages]}

    @classmethod
    def from_json(cls, d: dict) -> "Layout":
        return cls(blocks=[Block(**b) for b in d.get("blocks", [])], pages=[tuple(p) for p in d.get("pages", [])])


class LineIndex:
    """Maps character offsets to 1-based line numbers."""

    def __init__(self, text: str):
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._newlines, offset - 1) + 1 if offset > 0 else 1

    def span_lines(self, start: int, end: int) -> tuple[int, int]:
        return self.line_of(start), self.line_of(max(start, end - 1))


@dataclass
class Passage:
    id: str
    source: str
    title: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str
    doc_hash: str
    # Absolute [start, end) of each sentence inside this passage, so citations can point at one sentence.
    sentences: list[tuple[int, int]] = field(default_factory=list)
    score: float = 0.0
    # One unit vector per sentence (computed at ingest), so scoring a question embeds nothing.
    vectors: Any = field(default=None, repr=False, compare=False)
    format: str = "text"
    # Per sentence, where it is in the original (PDF: page, boxes; HTML/DOCX: section, block); empty
    # for text and Markdown, whose lines and offsets are the file's own.
    provenance: list[dict] = field(default_factory=list)

    def sentence_text(self, start: int, end: int) -> str:
        return self.text[start - self.start : end - self.start]

    def sentences_holding(self, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences [start, end) (absolute offsets) touches; the whole passage when it has none."""
        return [(s, e) for s, e in self.sentences if s < end and start < e] or [(self.start, self.end)]

    def span_provenance(self, start: int, end: int) -> dict:
        """Provenance of a span made of whole sentences of this passage: the first sentence's page,
        section and block, and the boxes of every sentence in it."""
        out: dict = {}
        for (s, e), prov in zip(self.sentences, self.provenance):
            if s < end and e > start:
                if not out:
                    out = {k: v for k, v in prov.items() if k != "boxes"}
                    if "boxes" in prov:
                        out["boxes"] = []
                if "boxes" in prov:
                    out["boxes"] = out["boxes"] + [b for b in prov["boxes"] if b not in out["boxes"]]
        return out

    def metadata(self) -> dict:
        """Flat metadata (Chroma and LangChain Documents take scalars; `sentences` and `provenance` are
        JSON strings, kept out of Chroma)."""
        extra: dict = {}
        if self.format != "text":
            extra["format"] = self.format
        if self.provenance:
            first = self.provenance[0]
            for key in ("page", "section", "block"):
                if key in first:
                    extra[key] = first[key]
            extra["provenance"] = json.dumps(self.provenance)
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "doc_hash": self.doc_hash,
            "sentences": json.dumps(self.sentences),
            **extra,
        }

    @classmethod
    def from_metadata(cls, text: str, meta: dict, score: float = 0.0) -> "Passage":
        return cls(
            id=meta["id"],
            source=meta["source"],
            title=meta["title"],
            start=int(meta["start"]),
            end=int(meta["end"]),
            line_start=int(meta["line_start"]),
            line_end=int(meta["line_end"]),
            text=text,
            doc_hash=meta["doc_hash"],
            sentences=[tuple(s) for s in json.loads(meta["sentences"])],
            score=float(meta.get("score", score)),
            format=meta.get("format", "text"),
            provenance=json.loads(meta["provenance"]) if meta.get("provenance") else [],
        )

    def to_dict(self) -> dict:
        extra = {}
        if self.provenance:
            extra = {k: v for k, v in self.span_provenance(self.start, self.end).items() if k != "boxes"}
        return extra | {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "quote": self.text,
            "score": round(self.score, 4),
        }


@dataclass
class Citation:
    n: int
    source: str
    title: str
    start: int
    end: int
    line_start: int
    line_end: int
    quote: str
    score: float
    supported: bool = True
    passage_id: str = ""
    format: str = "text"
    page: int | None = None  # PDF: 1-based page of the first cited character
    boxes: list | None = None  # PDF: [page, x0, y0, x1, y1] per cited line, PDF points, origin bottom left
    section: str | None = None  # HTML/DOCX: heading path, "Results › Table 2"
    block: int | None = None  # HTML/DOCX: 0-based block (paragraph, heading, list item, table row)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        # Provenance fields only for the formats that have them; a text citation is as it always was.
        for key in ("page", "boxes", "section", "block"):
            if d[key] is None:
                del d[key]
        if d["format"] == "text":
            del d["format"]
        return d


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    passages: list[Passage]
    answerer: str = "extractive"
    search_query: str = ""
    error: str | None = None
    # The phrase inside a cited sentence that answers: {"text", "start", "end", "citation"}
    # (document offsets, [start, end); "citation" is the n of the citation it lies in). None when refused
    # or when the answerer gives none (generative answerers).
    short_answer: dict | None = None
    # The documents the answer could draw from: {"sources": "all"} or {"sources": [source, ...], "titles": [...],
    # "why": "named in the question"}.
    scope: dict = field(default_factory=lambda: {"sources": "all"})

    def to_dict(self) -> dict:
        d = {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "answerer": self.answerer,
            "search_query": self.search_query,
            "short_answer": self.short_answer,
            "scope": self.scope,
        }
        if self.error:
            d["error"] = self.error
        return d


def scope_text(scope: dict | None) -> str | None:
    """'Harbour Survey 2030 (harbour_report.pdf)' for an answer narrowed to documents; None when it read them all."""
    sources = (scope or {}).get("sources")
    if not isinstance(sources, list):
        return None
    titles = scope.get("titles") or sources
    return ", ".join(f"{t} ({s})" if t and t != s else s for s, t in zip(sources, titles))
