"""Uploads: a safe name for each file, saved into a collection's managed folder (never into a folder of
the repository, never over a file), then indexed into that collection.

Nothing is overwritten: content already in the collection is reported unchanged and not copied; a
name the collection already holds (a file in the folder or an indexed document) gets ` (2)`, ` (3)`, ...
and the status says why."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from citeqa.errors import CiteqaError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # one uploaded document; the server also refuses larger requests
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200  # file systems allow 255 bytes; room for a " (n)" suffix
_NAME_PUNCTUATION = set("._-() ")


def _name_char(ch: str) -> str:
    # Letters (any script), digits, combining marks and a little punctuation; anything else (path
    # separators, control and format characters such as U+202E, shell and markup characters) becomes "_".
    if ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] in "LNM":
        return ch
    return "_"


def sanitize_upload_name(name: str, allowed_suffixes: set[str] | list[str]) -> str:
    """A safe file name for an upload: the last path component only, NFKC-normalised, Unicode letters,
    digits, `.`, `_`, `-`, `(`, `)` and spaces, no leading dot and no `..`, a supported suffix. Raises ValueError."""
    base = PureWindowsPath(PurePosixPath(str(name)).name).name  # strips "a/b/../c" and "C:\\x\\y"
    base = unicodedata.normalize("NFKC", base)
    base = "".join(_name_char(ch) for ch in base)
    base = re.sub(r"\.{2,}", ".", base)
    base = re.sub(r"_+", "_", base).strip(" .")
    if not base or base in {".", ".."}:
        raise ValueError(f"{name!r} is not a usable file name.")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem.strip(" ._"):
        raise ValueError(f"{name!r} has no file type; supported: {', '.join(sorted(allowed_suffixes))}.")
    suffix = "." + suffix.lower()
    if suffix not in allowed_suffixes:
        raise ValueError(f"{PurePosixPath(str(name)).name!r}: {suffix} is not a supported format (supported: {', '.join(sorted(allowed_suffixes))}).")
    stem = stem[: MAX_NAME_CHARS - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = unicodedata.normalize("NFC", stem).strip(" .") or "document"
    return stem + suffix


def numbered_name(name: str, n: int) -> str:
    """`report.txt`, 2 -> `report (2).txt`: the name an upload is saved under when `name` is taken."""
    stem, _, suffix = name.rpartition(".")
    return f"{stem} ({n}).{suffix}"


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def inside(folder: Path, path: Path) -> bool:
    folder, path = folder.resolve(), path.resolve()
    return path == folder or folder in path.parents


def save_new(upload: Path, folder: Path, name: str, taken: set[str], same: dict[str, str]) -> tuple[Path | None, str]:
    """Copy `upload` into `folder` as `name`, or `name (2)`, ... when the collection holds that name.
    `taken`: names of the collection's documents; `same`: content hash -> the document holding it.
    Returns (where, note): (None, its name) when the collection holds the same content already, else note
    "" (new) or why it was renamed."""
    digest = file_digest(upload)
    if digest in same:
        return None, same[digest]
    data = upload.read_bytes()
    for n in range(1, 1000):
        dest = folder / (name if n == 1 else numbered_name(name, n))
        if not inside(folder, dest):  # cannot happen after sanitising; kept as a guard
            raise ValueError(f"{name!r} is not a usable file name.")
        if dest.name in taken or dest.exists() or dest.is_symlink():
            continue
        try:
            with open(dest, "xb") as out:  # exclusive: never replaces a file that appeared meanwhile
                out.write(data)
        except FileExistsError:
            continue
        return dest, "" if n == 1 else f"a different {name} is already in this collection"
    raise ValueError(f"{name!r}: too many files of that name in the collection.")


def upload_into(assistant, folder: Path, files: list[str], progress=None) -> str:
    """Save `files` into `folder` (the collection's managed folder) and index each into `assistant`'s
    collection; one status line per file."""
    from citeqa.documents.registry import READERS

    folder.mkdir(parents=True, exist_ok=True)
    documents = assistant.documents()
    taken = {Path(str(d.get("path") or d["source"])).name for d in documents}
    same = {str(d.get("hash")): Path(str(d.get("path") or d["source"])).name for d in documents}
    messages, saved = [], []
    for f in files or []:
        original = Path(str(f)).name
        try:
            size = os.path.getsize(f)
            if size > MAX_UPLOAD_BYTES:
                raise ValueError(f"{original!r} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
            name = sanitize_upload_name(original, set(READERS))
            dest, note = save_new(Path(f), folder, name, taken, same)
            if dest is None:
                messages.append(f"= {name} unchanged: the same content is already in the collection (as {note})")
                continue
            taken.add(dest.name)
            saved.append((dest, note))
        except (ValueError, OSError) as e:
            messages.append(f"✗ {e}")
    for i, (dest, note) in enumerate(saved):
        if progress:
            progress((i, len(saved)), desc=f"Indexing {dest.name}")
        messages.append(_index_one(assistant, dest, note))
    if progress:
        progress((len(saved), len(saved)), desc="Done")
    return "\n".join(messages) or "Nothing uploaded."


def _index_one(assistant, dest: Path, note: str) -> str:
    try:
        report = assistant.ingest([dest], progress=False)
    except CiteqaError as e:
        dest.unlink(missing_ok=True)
        return f"✗ {dest.name}: {e}"
    if report.failed:  # a file this upload created: take it back out
        dest.unlink(missing_ok=True)
        return "\n".join(f"✗ {err}" for _p, err in report.failed)
    passages = f"({report.passages_total} passages in the collection)"
    return f"✓ saved as {dest.name}: {note} {passages}" if note else f"✓ {dest.name} added {passages}"
