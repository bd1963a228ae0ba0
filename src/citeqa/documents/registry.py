"""The reader registry: a file on disk -> SourceDocument. One reader per format, one module each
(text.py, markdown.py), registered by suffix in READERS. A reader takes (path, bytes) and returns the
text that every offset refers to, and a title when the document has one.
"""

from __future__ import annotations

import hashlib
import os
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


# A document is read whole (its text, sentences and passages are in memory at once, ~30x the file
# size at peak); bigger files are refused with a message rather than taking the machine's memory.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024


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
        stat = path.stat()
        if stat.st_size > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"{path} is {stat.st_size / 2**20:.0f} MB; citeqa indexes files up to {MAX_DOCUMENT_BYTES // 2**20} MB "
                "(split it into smaller files)."
            )
        data = path.read_bytes()
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


def link_problems(root: Path) -> list[tuple[str, str]]:
    """Symbolic links under root that cannot be followed, as (path, message): a loop, a missing target,
    or a folder link back into a folder that contains it. Folder links are not followed; files are."""
    if root.is_file() or not root.is_dir():
        return []
    out = []
    for p in sorted(root.rglob("*")):
        if not p.is_symlink() or any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        try:
            target = p.resolve(strict=True)
        except RuntimeError:
            out.append((str(p), f"{p} is a symbolic link loop; skipped."))
            continue
        except OSError as e:
            if e.errno == 40:  # ELOOP
                out.append((str(p), f"{p} is a symbolic link loop; skipped."))
            elif supported(p):
                out.append((str(p), f"{p} is a broken symbolic link (its target {os.readlink(p)} is missing); skipped."))
            continue
        if target.is_dir() and (target == root.resolve() or target in p.parent.resolve().parents or target == p.parent.resolve()):
            out.append((str(p), f"{p} links to a folder that contains it (a loop); skipped."))
    return out
