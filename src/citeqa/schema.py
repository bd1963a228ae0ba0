"""Data classes that carry provenance from the file to the citation.

Offsets are character offsets into the document text exactly as read (UTF-8, newlines untouched),
half-open [start, end). Lines are 1-based and inclusive.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceDocument:
    source: str  # display path (relative to the working folder when inside it)
    path: str  # absolute path
    title: str
    text: str
    content_hash: str  # sha256 of the bytes read
    size: int
    mtime: float


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

    def sentence_text(self, start: int, end: int) -> str:
        return self.text[start - self.start : end - self.start]

    def metadata(self) -> dict:
        """Flat metadata (Chroma and LangChain Documents take scalars)."""
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
        )

    def to_dict(self) -> dict:
        return {
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

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 4)
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
    # The phrase inside a cited sentence that answers: {"text", "start", "end", "citation", "source"}
    # (document offsets, [start, end); "citation" is the n of the citation it lies in). None when refused
    # or when the answerer gives none (generative answerers).
    short_answer: dict | None = None

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
        }
        if self.error:
            d["error"] = self.error
        return d
