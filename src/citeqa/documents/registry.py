"""Converters: a file on disk -> SourceDocument. One reader per suffix, registered in READERS.

.txt and .md today; html/pdf/docx plug in here (a reader returns the text that offsets refer to).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Callable

from citeqa.errors import DocumentError
from citeqa.schema import SourceDocument

MAX_TITLE_CHARS = 200


def _decode(path: Path, data: bytes) -> str:
    try:
        # bytes.decode keeps \r\n as is, so offsets match the file character for character.
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(
            f"{path} is not UTF-8 text (byte {e.start} is 0x{data[e.start]:02x}); convert it to UTF-8 to index it."
        ) from None


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= MAX_TITLE_CHARS else None
    return None


def read_text(path: Path, data: bytes) -> tuple[str, str | None]:
    text = _decode(path, data)
    return text, _first_line_title(text)


def read_markdown(path: Path, data: bytes) -> tuple[str, str | None]:
    text = _decode(path, data)
    m = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.M)
    return text, (m.group(1) if m else _first_line_title(text))


READERS: dict[str, Callable[[Path, bytes], tuple[str, str | None]]] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def read_document(path: Path) -> SourceDocument:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"{path}: {path.suffix or 'files without a suffix'} is not a supported format (supported: {', '.join(sorted(READERS))}).")
    try:
        data = path.read_bytes()
        stat = path.stat()
    except OSError as e:
        raise DocumentError(f"{path} cannot be read: {e.strerror or e}.") from None
    text, title = reader(path, data)
    if not text.strip():
        raise DocumentError(f"{path} is empty.")
    return SourceDocument(
        source=display_path(path),
        path=str(path.resolve()),
        title=title or path.stem,
        text=text,
        content_hash=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime=stat.st_mtime,
    )


def find_documents(root: Path) -> list[Path]:
    """Supported files under root (or root itself), sorted, hidden folders skipped."""
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and supported(p) and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
