"""Plain-text reader: UTF-8 bytes -> the text that offsets refer to, and a title (the first line)."""

from __future__ import annotations

from pathlib import Path

from citeqa.errors import DocumentError

MAX_TITLE_CHARS = 200
BOM = "\ufeff"  # kept in the text (offsets count the file's characters, as the citation panel reads it)


def decode_utf8(path: Path, data: bytes) -> str:
    try:
        # bytes.decode keeps \r\n as is, so offsets match the file character for character.
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(
            f"{path} is not UTF-8 text (byte {e.start} is 0x{data[e.start]:02x}); convert it to UTF-8 to index it."
        ) from None


def first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip(BOM).strip().lstrip("#").strip()
        if line:
            return line if len(line) <= MAX_TITLE_CHARS else None
    return None


def read_text(path: Path, data: bytes) -> tuple[str, str | None]:
    text = decode_utf8(path, data)
    return text, first_line_title(text)
