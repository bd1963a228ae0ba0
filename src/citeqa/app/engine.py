"""The Engine: the one Assistant every session uses, and the operations that change it (settings,
corpus folder, uploads, remove, re-index). Swaps happen under a lock; a question already being answered
finishes on the Assistant it started with."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import time
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from citeqa.errors import CiteqaError, InputError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # one uploaded document; the server also refuses larger requests
MAX_NAME_CHARS = 120
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def sanitize_upload_name(name: str, allowed_suffixes: set[str] | list[str]) -> str:
    """A safe file name for an upload: the last path component only (no folders, no `..`), letters,
    digits, `.`, `_`, `-` and spaces, no leading dot, a supported suffix. Raises ValueError."""
    base = PureWindowsPath(PurePosixPath(str(name)).name).name  # strips "a/b/../c" and "C:\\x\\y"
    base = unicodedata.normalize("NFKC", base)
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    base = re.sub(r"_+", "_", base)
    if not base or base in {".", ".."}:
        raise ValueError(f"{name!r} is not a usable file name.")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        raise ValueError(f"{name!r} has no file type; supported: {', '.join(sorted(allowed_suffixes))}.")
    suffix = "." + suffix.lower()
    if suffix not in allowed_suffixes:
        raise ValueError(f"{PurePosixPath(str(name)).name!r}: {suffix} is not a supported format (supported: {', '.join(sorted(allowed_suffixes))}).")
    stem = stem[: MAX_NAME_CHARS - len(suffix)].strip(" .") or "document"
    return stem + suffix


def inside(folder: Path, path: Path) -> bool:
    folder, path = folder.resolve(), path.resolve()
    return path == folder or folder in path.parents


def corpus_collection(base: str, corpus: Path, default_corpus: Path) -> str:
    """The index collection for a corpus folder: the configured one for the configured corpus, and one
    of its own for any other folder, so switching corpus never mixes documents."""
    if corpus.resolve() == default_corpus.resolve():
        return base
    slug = re.sub(r"[^A-Za-z0-9]+", "-", corpus.resolve().name).strip("-").lower()[:20] or "corpus"
    digest = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:8]
    return f"{base[:30]}-{slug}-{digest}"


class Engine:
    """The Assistant every session uses, and the operations that change it (settings, corpus, uploads).
    Swaps happen under a lock; a question already being answered finishes on the Assistant it started with."""

    def __init__(self, assistant):
        self._assistant = assistant
        self.lock = threading.RLock()
        self.configured = assistant.settings
        self.default_corpus = Path(assistant.settings.corpus_path)

    @property
    def assistant(self):
        return self._assistant

    def documents(self) -> list[dict]:
        return self._assistant.documents()

    def effective(self) -> dict:
        s = self._assistant.settings
        d = s.public_dict()
        d["documents"] = len(self.documents())
        d["corpus_path"] = str(Path(s.corpus_path).resolve())
        return d

    def apply(self, answerer: str, k: int, corpus: str, progress=None) -> str:
        from citeqa.evaluation.running import assistant_for

        with self.lock:
            current = self._assistant
            overrides: dict[str, Any] = {"answerer": answerer, "k": int(k)}
            corpus_path = Path(str(corpus or "").strip() or self.default_corpus).expanduser()
            if not corpus_path.is_dir():
                raise InputError(f"The corpus folder {corpus_path} does not exist (give a folder of .txt/.md files).")
            changed_corpus = corpus_path.resolve() != Path(current.settings.corpus_path).resolve()
            if changed_corpus:
                overrides["corpus_path"] = corpus_path
                overrides["collection"] = corpus_collection(self.configured.collection, corpus_path, self.default_corpus)
            new = assistant_for(current, overrides)
            new.answerer  # noqa: B018  (a backend that is not installed or configured fails here, not mid-chat)
            note = ""
            if changed_corpus:
                if progress:
                    progress(None, desc=f"Indexing {corpus_path} …")
                report = new.ingest(progress=False)
                note = f" Indexed {corpus_path}: {report.summary()}."
            self._assistant = new
        s = new.settings
        return f"Applied: answerer {s.answerer}, k = {s.k}, corpus {s.corpus_path}.{note}"

    # -- sources ------------------------------------------------------------------------------------
    def upload(self, files: list[str], progress=None) -> str:
        from citeqa.documents.registry import READERS

        with self.lock:
            assistant = self._assistant
            corpus = Path(assistant.settings.corpus_path)
            corpus.mkdir(parents=True, exist_ok=True)
            messages, saved = [], []
            for f in files or []:
                original = Path(str(f)).name
                try:
                    size = os.path.getsize(f)
                    if size > MAX_UPLOAD_BYTES:
                        raise ValueError(f"{original!r} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
                    name = sanitize_upload_name(original, set(READERS))
                    dest = corpus / name
                    if not inside(corpus, dest):  # cannot happen after sanitising; kept as a guard
                        raise ValueError(f"{original!r} is not a usable file name.")
                    existed = dest.exists()
                    shutil.copyfile(f, dest)
                    saved.append((dest, existed))
                except (ValueError, OSError) as e:
                    messages.append(f"✗ {e}")
            for i, (dest, existed) in enumerate(saved):
                if progress:
                    progress((i, len(saved)), desc=f"Indexing {dest.name}")
                try:
                    report = assistant.ingest([dest], progress=False)
                except CiteqaError as e:
                    report = None
                    messages.append(f"✗ {dest.name}: {e}")
                if report is not None and report.failed:
                    messages.extend(f"✗ {err}" for _p, err in report.failed)
                    if not existed:
                        dest.unlink(missing_ok=True)
                elif report is not None:
                    verb = "updated" if report.changed else ("unchanged" if report.unchanged else "added")
                    messages.append(f"✓ {dest.name} {verb} ({report.passages_total} passages in the index)")
            if progress:
                progress((len(saved), len(saved)), desc="Done")
        return "\n".join(messages) or "Nothing uploaded."

    def remove(self, source: str) -> str:
        with self.lock:
            assistant = self._assistant
            record = next((d for d in assistant.documents() if d["source"] == source), None)
            if record is None:
                raise InputError(f"{source} is not in the index.")
            assistant.store.remove_document(source)
            corpus = Path(assistant.settings.corpus_path)
            path = Path(record["path"])
            moved = ""
            if path.exists() and inside(corpus, path):
                # Out of the corpus folder (so re-indexing does not bring it back), but not deleted.
                bin_ = Path(assistant.settings.index_path) / "removed"
                bin_.mkdir(parents=True, exist_ok=True)
                target = bin_ / f"{time.strftime('%Y%m%d-%H%M%S')}-{path.name}"
                shutil.move(str(path), target)
                moved = f"; the file was moved to {target}"
            assistant.store.refresh_keyword_index()
        return f"Removed {source} from the index{moved}."

    def reindex(self, progress=None) -> str:
        with self.lock:
            if progress:
                progress(None, desc="Re-indexing the corpus folder …")
            report = self._assistant.ingest(progress=False)
        lines = [f"Re-indexed {self._assistant.settings.corpus_path}: {report.summary()}."]
        lines += [f"✗ {err}" for _p, err in report.failed]
        return "\n".join(lines)
