"""The reader registry: a file on disk -> SourceDocument. One reader per format, one module each
(text.py, markdown.py, pdf.py, html.py, docx.py). A reader takes (path, bytes) and returns a DocumentText:
the text that every offset refers to (the text as read), a title, where each part of the text came
from, and notes (pages not read, the encoding a non-UTF-8 text file was read in).

A file is routed by its content first: a PDF named `.txt` is read as a PDF, a Word file or a web page
under another suffix by its own reader, and a binary file is refused. READERS (by suffix) says which
files a folder scan and the upload box take.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Callable

from citeqa.documents.reasons import typed
from citeqa.errors import DocumentError
from citeqa.schema import DocumentText, SourceDocument


def _pdf(path, data, on_page=None):
    from citeqa.documents.pdf import read_pdf  # pypdfium2 loads only when a PDF is read

    return read_pdf(path, data, on_page)


def _html(path, data, on_page=None):
    from citeqa.documents.html import read_html

    return read_html(path, data)


def _docx(path, data, on_page=None):
    from citeqa.documents.docx import read_docx

    return read_docx(path, data)


def _text(path, data, on_page=None):
    from citeqa.documents.text import read_text

    return read_text(path, data)


def _markdown(path, data, on_page=None):
    from citeqa.documents.markdown import read_markdown

    return read_markdown(path, data)


FORMATS: dict[str, Callable[..., DocumentText]] = {
    "text": _text,
    "markdown": _markdown,
    "pdf": _pdf,
    "html": _html,
    "docx": _docx,
}

READERS: dict[str, Callable[..., DocumentText]] = {
    ".txt": _text,
    ".text": _text,
    ".md": _markdown,
    ".markdown": _markdown,
    ".pdf": _pdf,
    ".html": _html,
    ".htm": _html,
    ".docx": _docx,
}
_SUFFIX_FORMAT = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".pdf": "pdf",
                  ".html": "html", ".htm": "html", ".docx": "docx"}

# Magic bytes of files that are not documents citeqa reads, named in the error.
_BINARY = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.doc/.xls); save it as .docx"), (b"\x7fELF", "a program"),
    (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"MZ", "a Windows program"), (b"{\\rtf", "an RTF file; save it as .docx"),
]
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


def sniff(path: Path, data: bytes) -> str:
    """The format of a file by its content (its suffix only breaks ties between text and Markdown)."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            if path.suffix.lower() == ".docx":
                raise DocumentError(f"{path} is not a readable Word document (the zip package is damaged or truncated).") from None
            raise DocumentError(f"{path} is a damaged zip archive, not a document citeqa reads.") from None
        if "word/document.xml" in names:
            return "docx"
        raise DocumentError(f"{path} is a zip archive, not a document citeqa reads (.docx, .pdf, .html, .txt, .md).")
    for magic, what in _BINARY:
        if head.startswith(magic):
            raise DocumentError(f"{path} is {what}, not a document citeqa reads.")
    suffix_format = _SUFFIX_FORMAT.get(path.suffix.lower())
    if suffix_format == "pdf":
        raise DocumentError(f"{path} is not a readable PDF (it does not start with %PDF-; the file is damaged or not a PDF).")
    if suffix_format == "docx":
        raise DocumentError(f"{path} is not a readable Word document (it is not a .docx zip package; damaged, or an old .doc).")
    if suffix_format == "html" or _HTML_START.match(head[:1024]):
        return "html"
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return suffix_format or "text"  # UTF-16/32 text (its NUL bytes are not binary): decoded by its BOM
    if b"\x00" in sample:
        raise DocumentError(f"{path} is a binary file, not text (it holds NUL bytes).")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if sample and controls / len(sample) > 0.05:
        raise DocumentError(f"{path} is a binary file, not text ({controls} control bytes in its first {len(sample)}).")
    return suffix_format or "text"


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


def read_document(path: Path, on_page: Callable[[int, int], None] | None = None) -> SourceDocument:
    """Read one file. `on_page(done, total)` is called after each page of a PDF (progress)."""
    if path.suffix.lower() not in READERS:
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
    fmt = sniff(path, data)
    try:
        read = FORMATS[fmt](path, data, on_page)
    except DocumentError:
        raise
    except (MemoryError, RecursionError):
        raise DocumentError(f"{path} is too large or too deeply nested to read.") from None
    except Exception as e:  # a reader library choking on a damaged file is one skipped file, not a crash
        raise DocumentError(f"{path} is not a readable {fmt.upper()} file ({typed(e)}).") from None
    if not read.text.strip():
        raise DocumentError(f"{path} is empty." if fmt in ("text", "markdown") else f"{path} has no text to read.")
    return SourceDocument(
        source=display_path(path),
        path=str(path.resolve()),
        title=read.title or path.stem,
        text=read.text,
        content_hash=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime=stat.st_mtime,
        format=read.format,
        layout=read.layout,
        notes=read.notes,
    )


def _leaves(root: Path, p: Path) -> bool:
    """A file reached through a symbolic link whose target lies outside root."""
    try:
        target = p.resolve(strict=True)
    except (OSError, RuntimeError):
        return False  # a loop or a missing target: link_problems reports it
    top = root.resolve()
    return target != top and top not in target.parents


def find_documents(root: Path) -> list[Path]:
    """Supported files under root (or root itself), sorted, hidden folders skipped. A link to a file
    outside root is not followed: indexing a folder reads nothing outside it (link_problems says so)."""
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and supported(p) and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and not _leaves(root, p)
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
        elif target.is_file() and supported(p) and _leaves(root, p):
            out.append((str(p), f"{p} links to a file outside {root} ({target}); skipped: only files inside the "
                                "folder being indexed are read."))
    return out
