"""Splitter: document text -> sentences -> passages, each with exact character spans and line ranges.

Sentences are never cut (except a pathological run of text with no sentence end longer than
MAX_SENTENCE_CHARS, which is cut at whitespace so it can still be embedded). Passages pack whole
sentences up to a target length, with one sentence of overlap so an answer that straddles a
boundary is still inside one passage.
"""

from __future__ import annotations

import re

import blingfire

from citeqa.schema import LineIndex, Passage, SourceDocument, source_key

MAX_SENTENCE_CHARS = 1200
WINDOW_CHARS = 50_000  # text handed to blingfire at once (bounds its memory on a huge paragraph)
WRAP_WIDTH = 120  # lines longer than this are not hard-wrapped prose
_TERMINAL = re.compile(r"[.!?:;…][\"'”’)\]]*\s*$")
_BLOCK_START = re.compile(r"^\s*(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||```)")
_HEADING = re.compile(r"^\ufeff?\s*#{1,6}\s")
_SPACE = " \t\r\n\f\v\ufeff"  # a BOM is never part of a sentence (it stays in the text: offsets are exact)


def _blocks(text: str) -> list[list[tuple[int, int]]]:
    """Runs of non-blank lines as [(start, end)] per line, end before the line's newline. A line of
    only spaces, tabs, `\r` or a BOM is blank, so `\r\n\r\n` separates paragraphs as `\n\n` does."""
    blocks, current, pos = [], [], 0
    for line in text.split("\n"):
        if line.strip(_SPACE):
            current.append((pos, pos + len(line)))
        elif current:
            blocks.append(current)
            current = []
        pos += len(line) + 1
    if current:
        blocks.append(current)
    return blocks


def _segments(text: str) -> list[tuple[int, int, bool]]:
    """Split text into runs that a sentence cannot cross: (start, end, starts_section).

    A blank line always ends a run. A single newline ends one when the line before ends a sentence or
    is a heading, or the next line starts a Markdown block; otherwise it is a soft wrap only when the
    next line goes on in lower case or the block looks hard-wrapped (a title or a subtitle is not).
    """
    segments: list[tuple[int, int, bool]] = []
    for lines in _blocks(text):
        longest = max(e - s for s, e in lines)
        seg_start = lines[0][0]
        section = True  # a blank line before a block starts a new section
        for (s, e), nxt in zip(lines, lines[1:] + [None]):
            line = text[s:e]
            if nxt is None:
                hard = True
            else:
                nline = text[nxt[0] : nxt[1]]
                hard = bool(_TERMINAL.search(line) or _BLOCK_START.match(nline) or _HEADING.match(line))
                if not hard and not nline.lstrip()[:1].islower():
                    # Hard-wrapped prose has lines of similar, modest width; anything else
                    # (a title, a subtitle, one paragraph per line) ends at its newline.
                    wrapped = longest <= WRAP_WIDTH and len(line.strip()) >= 0.6 * longest
                    hard = not wrapped
            if hard:
                if text[seg_start:e].strip():
                    segments.append((seg_start, e, section or bool(_HEADING.match(text[seg_start:e]))))
                section = False
                if nxt is not None:
                    seg_start = nxt[0]
    return segments


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        if cut <= start:
            cut = start + MAX_SENTENCE_CHARS
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out


def _sentence_spans(text: str, start: int, end: int):
    """blingfire's sentence spans of text[start:end], absolute. A long run (a huge paragraph, text with
    no line breaks) goes in windows of WINDOW_CHARS: blingfire's memory grows ~40x its input (a 5 MB
    line took 200 MB). Each window's last sentence may be cut by the window's end, so it is handed to
    the next window, which starts where that sentence starts."""
    while start < end:
        stop = min(end, start + WINDOW_CHARS)
        chunk = text[start:stop].replace("\r", " ").replace("\n", " ")
        _, offsets = blingfire.text_to_sentences_and_offsets(chunk)
        if stop < end and len(offsets) > 1:
            offsets = offsets[:-1]
            next_start = start + offsets[-1][1]
        elif stop < end and offsets and len(pieces := _cut_long(text, start + offsets[0][0], stop)) > 1:
            # One run with no sentence end across the whole window: keep its full-length pieces and go
            # on from the last (possibly short) one, so the cuts fall where they would without windows.
            yield from pieces[:-1]
            start = pieces[-1][0]
            continue
        else:
            next_start = stop  # the last window, or one sentence longer than a window (cut by _cut_long)
        for a, b in offsets:
            yield start + a, start + b
        start = next_start


def split_sentences(text: str) -> list[tuple[int, int, bool]]:
    """Sentences as (start, end, starts_section), trimmed of surrounding whitespace."""
    sentences: list[tuple[int, int, bool]] = []
    for seg_start, seg_end, section in _segments(text):
        first = True
        for a, b in _sentence_spans(text, seg_start, seg_end):
            while a < b and (text[a].isspace() or text[a] == "\ufeff"):
                a += 1
            while b > a and (text[b - 1].isspace() or text[b - 1] == "\ufeff"):
                b -= 1
            if a >= b:
                continue
            for s, e in _cut_long(text, a, b):
                sentences.append((s, e, section and first))
                first = False
    return sentences


def passage_id(source: str, doc_hash: str, index: int) -> str:
    # Deterministic: the same document version always yields the same ids (upserts are idempotent);
    # a new version yields new ids, so new passages can be written before the old ones are removed.
    return f"{source_key(source)}-{doc_hash[:12]}-{index:05d}"


def split_document(doc: SourceDocument, target_chars: int = 1000) -> list[Passage]:
    text = doc.text
    sentences = split_sentences(text)
    lines = LineIndex(text)
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for s, e, section in sentences:
        size = (e - current[0][0]) if current else 0
        if current and (section or size > target_chars):
            groups.append(current)
            # Overlap one sentence within a section, unless that sentence alone is most of a passage.
            last = current[-1]
            current = [] if section or (last[1] - last[0]) > target_chars // 2 or len(current) < 2 else [last]
        current.append((s, e))
    if current:
        groups.append(current)

    passages = []
    layout = doc.layout
    for i, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        # Where each sentence is in the original (page and boxes, or section and block), computed once
        # here so a citation needs no lookup.
        provenance = [layout.span(s, e) for s, e in group] if layout is not None else []
        line_start, line_end = lines.span_lines(start, end)
        passages.append(
            Passage(
                id=passage_id(doc.source, doc.content_hash, i),
                source=doc.source,
                title=doc.title,
                start=start,
                end=end,
                line_start=line_start,
                line_end=line_end,
                text=text[start:end],
                doc_hash=doc.content_hash,
                sentences=group,
                format=doc.format,
                provenance=provenance,
            )
        )
    return passages
