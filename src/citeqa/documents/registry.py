"""The reader registry: a file on disk -> SourceDocument. One reader per format, one module each
(text.py, markdown.py), registered by suffix in READERS. A reader takes (path, bytes) and returns the
text that every offset refers to, and a title when the document has one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from citeqa.documents.markdown import read_markdown
from citeqa.documents.text import read_text
from citeqa.errors import DocumentError
from citeqa.schema import SourceDocument

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
