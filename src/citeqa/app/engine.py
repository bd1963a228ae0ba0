"""The Engine: the one Assistant every session uses, and the operations that change it (settings,
corpus folder, uploads, remove, re-index), each an operator's (it takes the caller's Actor and refuses
a visitor). Swaps happen under a lock; a question already being answered finishes on the Assistant it
started with. Upload names are sanitised here too, and what the page may show of the settings."""

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

from citeqa.app.panel import read_document_text
from citeqa.errors import CiteqaError, InputError

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


def folder_label(folder: Path) -> str:
    """How a corpus folder is named on the page: relative to the working folder, else its own name
    (never an absolute server path)."""
    resolved = folder.resolve()
    try:
        rel = resolved.relative_to(Path.cwd().resolve()).as_posix()
        return rel if rel != "." else resolved.name or "corpus"
    except ValueError:
        return resolved.name or "corpus"


def corpus_choices(folders: list[Path]) -> dict[str, Path]:
    """label -> resolved folder, in the order given, each folder once, labels unique."""
    out: dict[str, Path] = {}
    for folder in folders:
        resolved = Path(folder).expanduser().resolve()
        if resolved in out.values():
            continue
        label, n = folder_label(resolved), 2
        base = label
        while label in out:
            label, n = f"{base} ({n})", n + 1
        out[label] = resolved
    return out


def public_url(url: str | None) -> str | None:
    """A server URL without its login or query (which may carry a token)."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "", parts.path, "", ""))


def public_name(value: str | None) -> str | None:
    """A model given as a local path (a folder or a .gguf file) shown by its name only."""
    if value and ("/" in value or "\\" in value):
        return PurePosixPath(value.replace("\\", "/")).name
    return value


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
    Swaps happen under a lock; a question already being answered finishes on the Assistant it started with.

    Every operation that changes what is indexed or how takes the caller's Actor and refuses a visitor
    (citeqa.app.access); the corpus can only be one of `corpora`, the folders the operator configured
    (corpus_path and corpus_folders), and files are only read, written or moved inside the active one."""

    def __init__(self, assistant, corpus_folders: list[Path] | None = None):
        self._assistant = assistant
        self.lock = threading.RLock()
        self.configured = assistant.settings
        self.default_corpus = Path(assistant.settings.corpus_path)
        folders = [self.default_corpus, *assistant.settings.corpus_folders, *(corpus_folders or [])]
        self.corpora: dict[str, Path] = corpus_choices(folders)

    @property
    def assistant(self):
        return self._assistant

    def documents(self) -> list[dict]:
        """The indexed documents as the page shows them: sources by `shown_source`."""
        return [{**d, "source": self.shown_source(d["source"])} for d in self._assistant.documents()]

    def shown_source(self, source: str) -> str:
        """A document's name for the page: as indexed when it is relative (to the working folder); an
        absolute one (a corpus folder outside the working folder) as `<folder label>/<path in it>`, or
        by its file name, so no absolute server path reaches a visitor."""
        if not PurePosixPath(source).is_absolute():
            return source
        for label, folder in self.corpora.items():
            try:
                return f"{label}/{Path(source).relative_to(folder).as_posix()}"
            except ValueError:
                continue
        return PurePosixPath(source).name

    def public_result(self, result: dict | None) -> dict | None:
        """An answer (`citeqa ask --json` object) with its citations' and passages' sources as shown."""
        if not result:
            return result
        out = dict(result)
        for key in ("citations", "passages"):
            if isinstance(result.get(key), list):
                out[key] = [{**c, "source": self.shown_source(str(c.get("source", "")))} if isinstance(c, dict) else c
                            for c in result[key]]
        return out

    def _indexed(self, shown: str) -> dict | None:
        """The index's record of the document the page calls `shown`."""
        return next((d for d in self._assistant.documents() if self.shown_source(d["source"]) == shown), None)

    # -- what the page shows --------------------------------------------------------------------------
    def active_corpus(self) -> Path:
        return Path(self._assistant.settings.corpus_path).resolve()

    def corpus_label(self) -> str:
        active = self.active_corpus()
        return next((label for label, path in self.corpora.items() if path == active), folder_label(active))

    def effective(self) -> dict:
        """The effective settings as anyone may see them: no absolute server path, no secret (folders by
        their label, models by their name, server URLs without login or query)."""
        s = self._assistant.settings
        d = s.public_dict()
        d["documents"] = len(self.documents())
        d["corpus_path"] = self.corpus_label()
        d["corpus_folders"] = list(self.corpora)
        d["index_path"] = Path(s.index_path).name
        d["embedding_model"] = public_name(d["embedding_model"])
        d["llm_model"] = public_name(d["llm_model"])
        d["chroma_url"], d["llm_base_url"] = public_url(d["chroma_url"]), public_url(d["llm_base_url"])
        return d

    def operator_view(self) -> dict:
        """What an operator sees: the settings as they are on the server (the API key still masked)."""
        d = self._assistant.settings.public_dict()
        d["documents"] = len(self.documents())
        d["corpus_path"] = str(self.active_corpus())
        d["corpus_folders"] = {label: str(path) for label, path in self.corpora.items()}
        return d

    def cited(self, source: str) -> dict:
        """What the citation panel may show of a cited document: {record, stored, text, pdf_path, why}.
        Only an indexed document whose file lies inside the active corpus folder is shown (one indexed
        from elsewhere, or through a symlink that leaves the folder, shows its quote only). Its text as
        read comes from the index, so it still shows after the file changed or went; an index made
        before texts were kept falls back to reading the file."""
        out = {"record": None, "stored": None, "text": None, "pdf_path": None, "why": ""}
        record = self._indexed(source)
        if record is None:
            out["why"] = "The cited document is not in the current corpus; showing the quote as indexed."
            return out
        out["record"] = record = {**record, "source": source}
        path = Path(str(record.get("path") or ""))
        if not record.get("path") or not inside(self.active_corpus(), path):
            out["why"] = "The document's file is outside the corpus folder; showing the quote as indexed."
            return out
        out["stored"] = self._assistant.document_text(source)
        if path.suffix.lower() == ".pdf" or (out["stored"] or {}).get("format") == "pdf":
            out["pdf_path"] = str(path)
        if out["stored"] is None:
            out["text"] = read_document_text(path)
            if out["text"] is None:
                out["why"] = "The document file can no longer be read; showing the quote as indexed."
        return out

    # -- operator powers ------------------------------------------------------------------------------
    def apply(self, answerer: str, k: int, corpus: str | None, progress=None, *, actor) -> str:
        """Switch the answerer, k and the active corpus (`corpus`: one of the labels of `corpora`)."""
        from citeqa.evaluation.running import assistant_for

        actor.require("change the settings")
        label = str(corpus or "").strip() or self.corpus_label()
        if label not in self.corpora:
            raise InputError(f"{label!r} is not one of the corpus folders the operator configured "
                             f"({', '.join(self.corpora)}); add it to corpus_folders in citeqa.toml.")
        corpus_path = self.corpora[label]
        if not corpus_path.is_dir():
            raise InputError(f"The corpus folder {label} does not exist on the server.")
        with self.lock:
            current = self._assistant
            overrides: dict[str, Any] = {"answerer": answerer, "k": int(k)}
            changed_corpus = corpus_path != Path(current.settings.corpus_path).resolve()
            if changed_corpus:
                overrides["corpus_path"] = corpus_path
                overrides["collection"] = corpus_collection(self.configured.collection, corpus_path, self.default_corpus)
            new = assistant_for(current, overrides)
            new.answerer  # noqa: B018  (a backend that is not installed or configured fails here, not mid-chat)
            note = ""
            if changed_corpus:
                if progress:
                    progress(None, desc=f"Indexing {label} …")
                report = new.ingest(progress=False)
                note = f" Indexed {label}: {report.summary()}."
            self._assistant = new
        s = new.settings
        return f"Applied: answerer {s.answerer}, k = {s.k}, corpus {label}.{note}"

    def upload(self, files: list[str], progress=None, *, actor) -> str:
        """Copy uploads into the active corpus folder and index them. Nothing is ever overwritten: the
        same content under a taken name is "unchanged", different content is saved under a new name."""
        from citeqa.documents.registry import READERS

        actor.require("add documents")
        with self.lock:
            assistant = self._assistant
            corpus = Path(assistant.settings.corpus_path)
            corpus.mkdir(parents=True, exist_ok=True)
            indexed = {Path(str(d.get("path") or "")).name for d in assistant.documents()
                       if d.get("path") and Path(str(d["path"])).parent == corpus.resolve()}
            messages, saved = [], []
            for f in files or []:
                original = Path(str(f)).name
                try:
                    size = os.path.getsize(f)
                    if size > MAX_UPLOAD_BYTES:
                        raise ValueError(f"{original!r} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
                    name = sanitize_upload_name(original, set(READERS))
                    dest, note = self._save_new(Path(f), corpus, name, indexed)
                    saved.append((dest, note))
                except (ValueError, OSError) as e:
                    messages.append(f"✗ {e}")
            for i, (dest, note) in enumerate(saved):
                if progress:
                    progress((i, len(saved)), desc=f"Indexing {dest.name}")
                try:
                    report = assistant.ingest([dest], progress=False)
                except CiteqaError as e:
                    report = None
                    messages.append(f"✗ {dest.name}: {e}")
                if report is not None and report.failed:
                    messages.extend(f"✗ {err}" for _p, err in report.failed)
                    if note != "unchanged":  # a file this upload created: take it back out
                        dest.unlink(missing_ok=True)
                elif report is not None:
                    if note == "unchanged" and not report.unchanged:
                        note = ""  # the same file was there but not indexed yet: it is new to the index
                    passages = f"({report.passages_total} passages in the index)"
                    if note == "unchanged":
                        messages.append(f"= {dest.name} unchanged: the same content is already in the corpus {passages}")
                    elif note:
                        messages.append(f"✓ saved as {dest.name}: {note} {passages}")
                    else:
                        messages.append(f"✓ {dest.name} added {passages}")
            if progress:
                progress((len(saved), len(saved)), desc="Done")
        return "\n".join(messages) or "Nothing uploaded."

    @staticmethod
    def _save_new(upload: Path, corpus: Path, name: str, indexed: set[str]) -> tuple[Path, str]:
        """Copy `upload` into `corpus` as `name`, or `name (2)`, ... when the name holds other content.
        Returns (where, note): note is "" (new), "unchanged" (same content there) or why it was renamed."""
        digest = file_digest(upload)
        data = upload.read_bytes()
        for n in range(1, 1000):
            dest = corpus / (name if n == 1 else numbered_name(name, n))
            if not inside(corpus, dest):  # cannot happen after sanitising; kept as a guard
                raise ValueError(f"{name!r} is not a usable file name.")
            if dest.exists() or dest.is_symlink():
                if dest.is_file() and not dest.is_symlink() and file_digest(dest) == digest:
                    return dest, "unchanged"
                continue
            try:
                with open(dest, "xb") as out:  # exclusive: never replaces a file that appeared meanwhile
                    out.write(data)
            except FileExistsError:
                continue
            where = "indexed" if name in indexed else "in the corpus folder"
            return dest, "" if n == 1 else f"a different {name} is already {where}"
        raise ValueError(f"{name!r}: too many files of that name in the corpus folder.")

    def remove(self, source: str, *, actor) -> str:
        """Take a document (`source` as the page shows it) out of the index."""
        actor.require("remove documents")
        with self.lock:
            assistant = self._assistant
            record = self._indexed(source)
            if record is None:
                raise InputError(f"{source} is not in the index.")
            assistant.store.remove_document(record["source"])
            corpus = Path(assistant.settings.corpus_path)
            path = Path(record["path"])
            moved = ""
            # Only a file inside the active corpus folder is moved (a symlink out of it resolves outside).
            if path.is_file() and inside(corpus, path):
                # Out of the corpus folder (so re-indexing does not bring it back), but not deleted.
                bin_ = Path(assistant.settings.index_path) / "removed"
                bin_.mkdir(parents=True, exist_ok=True)
                target = bin_ / f"{time.strftime('%Y%m%d-%H%M%S')}-{path.name}"
                shutil.move(str(path), target)
                moved = f"; the file was moved to <index>/removed/{target.name}"
            assistant.store.refresh_keyword_index()
        return f"Removed {source} from the index{moved}."

    def reindex(self, progress=None, *, actor) -> str:
        actor.require("re-index the corpus")
        with self.lock:
            if progress:
                progress(None, desc="Re-indexing the corpus folder …")
            report = self._assistant.ingest(progress=False)
        lines = [f"Re-indexed {self.corpus_label()}: {report.summary()}."]
        lines += [f"✗ {err}" for _p, err in report.failed]
        return "\n".join(lines)
