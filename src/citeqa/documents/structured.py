"""The text as read for documents made of blocks (HTML, DOCX): one block a line, a blank line between
blocks, each block with its heading path."""

from __future__ import annotations

from contextlib import contextmanager

from citeqa.schema import Block, Layout

SECTION_SEP = " › "


class StructuredText:
    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.blocks: list[Block] = []
        self.path: list[tuple[int, str]] = []  # (heading level, heading text)
        self.extra: list[str] = []  # a table name under the current heading
        self.first_heading: str | None = None

    @property
    def section(self) -> str:
        return SECTION_SEP.join([t for _, t in self.path] + self.extra)

    def block(self, text: str, kind: str = "p") -> None:
        text = text.strip()
        if not text:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        self.blocks.append(Block(self.length, self.length + len(text), len(self.blocks), kind, self.section))
        self.parts.append(text)
        self.length += len(text)

    def heading(self, text: str, level: int) -> None:
        text = " ".join(text.split())
        if not text:
            return
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text[:120]))
        if self.first_heading is None:
            self.first_heading = text[:200]
        self.block(text, "h")

    @contextmanager
    def subsection(self, name: str):
        self.extra.append(name)
        try:
            yield
        finally:
            self.extra.pop()

    def text(self) -> str:
        return "".join(self.parts)

    def layout(self) -> Layout:
        return Layout(blocks=self.blocks)
