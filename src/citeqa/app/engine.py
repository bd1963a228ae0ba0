"""The Engine: the one Assistant every session uses, and the operations that change it (settings,
corpus folder, uploads, remove, re-index), each an operator's (it takes the caller's Actor and refuses
a visitor). Swaps happen under a lock; a question already being answered finishes on the Assistant it
started with. Upload names are sanitised here too, and what the page may show of the settings."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
from pathlib import Path, PurePosixPath
from typing import Any

from citeqa.app.panel import read_document_text
from citeqa.app.uploads import (  # noqa: F401  (MAX_UPLOAD_BYTES and the name rules are imported from here too)
    MAX_UPLOAD_BYTES, file_digest, inside, numbered_name, sanitize_upload_name, upload_into,
)
from citeqa.errors import InputError
from citeqa.index.catalog import FILES_FOLDER, Catalog, Collection

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
    (corpus_path and corpus_folders), and files are only read, written or moved inside a collection's
    folders (its configured folder, its managed folder under the index). Each configured folder is a
    collection of its own (index/catalog.py); operators make more (collection_powers.py)."""

    def __init__(self, assistant, corpus_folders: list[Path] | None = None):
        self._assistant = assistant
        self.lock = threading.RLock()
        self._cache_lock = threading.Lock()  # not self.lock: an upload holds that one for minutes
        self._by_id: dict[str, tuple[Any, Any]] = {}  # collection id -> (base Assistant, its Assistant)
        self.configured = assistant.settings
        self.default_corpus = Path(assistant.settings.corpus_path)
        folders = [self.default_corpus, *assistant.settings.corpus_folders, *(corpus_folders or [])]
        self.corpora: dict[str, Path] = corpus_choices(folders)
        self.catalog = Catalog(assistant.settings)
        self.configured_ids = {assistant.settings.collection}
        for label, folder in self.corpora.items():  # each configured folder is a collection of its own
            cid = corpus_collection(self.configured.collection, folder, self.default_corpus)
            self.configured_ids.add(cid)
            self.catalog.ensure(cid, label, folder)

    @property
    def assistant(self):
        return self._assistant

    # -- collections ----------------------------------------------------------------------------------
    def active_collection(self) -> Collection:
        """The collection of the active corpus folder: what a new chat asks."""
        return self.catalog.find(self._assistant.settings.collection) or self.catalog.default()

    def assistant_for(self, collection: Collection | None):
        """The Assistant over `collection` (None: the active one), with the running answerer and k."""
        from citeqa.evaluation.running import collection_assistant

        current = self._assistant
        if collection is None or collection.id == current.settings.collection:
            return current
        with self._cache_lock:
            base, cached = self._by_id.get(collection.id, (None, None))
            if base is not current:  # the settings changed since: build it again on today's
                cached = collection_assistant(current, collection)
                self._by_id[collection.id] = (current, cached)
            return cached

    def forget_collection(self, collection_id: str) -> None:
        with self._cache_lock:
            self._by_id.pop(collection_id, None)

    def roots(self, collection: Collection | None) -> list[Path]:
        """The folders whose files belong to a collection: its folders and its managed folder."""
        collection = collection or self.active_collection()
        return [Path(f) for f in collection.folders] + [collection.files_folder(self.configured.index_path)]

    def documents(self, collection: Collection | None = None) -> list[dict]:
        """The indexed documents of a collection (default: the active one) as the page shows them."""
        collection = collection or self.active_collection()
        return [{**d, "source": self.shown_source(d["source"], collection)}
                for d in self.assistant_for(collection).documents()]

    def shown_source(self, source: str, collection: Collection | None = None) -> str:
        """A document's name for the page: a file uploaded into a collection as `uploads/<file>`; one
        indexed under a relative name as it is; an absolute one (a folder outside the working folder) as
        `<folder label>/<path in it>`, or by its file name, so no absolute server path reaches a visitor."""
        path = Path(source) if PurePosixPath(source).is_absolute() else Path.cwd() / source
        collection = collection or self.active_collection()
        if path.parent.resolve() == collection.files_folder(self.configured.index_path).resolve() or self._uploaded_elsewhere(path, collection):
            return f"uploads/{path.name}"
        if not PurePosixPath(source).is_absolute():
            return source
        for label, folder in self.corpora.items():
            try:
                return f"{label}/{Path(source).relative_to(folder).as_posix()}"
            except ValueError:
                continue
        return PurePosixPath(source).name

    def _uploaded_elsewhere(self, path: Path, collection: Collection | None) -> bool:
        """With a Chroma server: a file uploaded into this collection through another app process (its
        managed folder there, `<index>/<collection id>/files/`); its text as read comes from the server."""
        collection = collection or self.active_collection()
        return bool(self.configured.chroma_url) and path.parent.name == FILES_FOLDER and path.parent.parent.name == collection.id

    def public_result(self, result: dict | None, collection: Collection | None = None) -> dict | None:
        """An answer (`citeqa ask --json` object) with its sources as shown, and the collection it asked."""
        if not result:
            return result
        collection = collection or self.active_collection()
        out = dict(result)
        show = lambda s: self.shown_source(str(s), collection)  # noqa: E731
        for key in ("citations", "passages"):
            if isinstance(result.get(key), list):
                out[key] = [{**c, "source": show(c.get("source", ""))} if isinstance(c, dict) else c for c in result[key]]
        scope = dict(result.get("scope") or {"sources": "all"})
        if isinstance(scope.get("sources"), list):
            scope["sources"] = [show(s) for s in scope["sources"]]
        if result.get("refused"):  # "Several documents match ...": the documents named as shown
            for d in self.assistant_for(collection).documents():
                if d["source"] in str(out.get("answer", "")):
                    out["answer"] = out["answer"].replace(d["source"], show(d["source"]))
        out["scope"] = {**scope, "collection": collection.name, "collection_id": collection.id}
        return out

    def _indexed(self, shown: str, collection: Collection | None = None) -> dict | None:
        """The index's record of the document the page calls `shown`, in `collection`."""
        collection = collection or self.active_collection()
        return next((d for d in self.assistant_for(collection).documents()
                     if self.shown_source(d["source"], collection) == shown), None)

    def indexed_sources(self, shown: list[str], collection: Collection) -> list[str]:
        """The documents the page names (as shown) as they are indexed; an unknown name is an InputError."""
        by_shown = {self.shown_source(d["source"], collection): d["source"]
                    for d in self.assistant_for(collection).documents()}
        unknown = [s for s in shown if s not in by_shown]
        if unknown:
            listed = ", ".join(str(s)[:80] for s in unknown[:3]) + (" …" if len(unknown) > 3 else "")
            raise InputError(f"Not in the collection {collection.name}: {listed} (its Sources list names its documents).")
        return list(dict.fromkeys(by_shown[s] for s in shown))

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
        d["chroma_ca_file"] = public_name(d["chroma_ca_file"])  # a server path: its file name only
        d["chroma_url"], d["llm_base_url"] = public_url(d["chroma_url"]), public_url(d["llm_base_url"])
        return d

    def operator_view(self) -> dict:
        """What an operator sees: the settings as they are on the server (the API key still masked)."""
        d = self._assistant.settings.public_dict()
        d["documents"] = len(self.documents())
        d["corpus_path"] = str(self.active_corpus())
        d["corpus_folders"] = {label: str(path) for label, path in self.corpora.items()}
        d["collections"] = {c.name: c.to_dict() for c in self.catalog.list()}
        return d

    def cited(self, source: str, collection: Collection | None = None) -> dict:
        """What the citation panel may show of a cited document: {record, stored, text, pdf_path, why}.
        Only an indexed document of `collection` whose file lies inside one of its folders is shown (one
        indexed from elsewhere, or through a symlink that leaves the folder, shows its quote only). Its
        text as read comes from the index, so it still shows after the file changed or went; an index
        made before texts were kept falls back to reading the file."""
        out = {"record": None, "stored": None, "text": None, "pdf_path": None, "why": ""}
        record = self._indexed(source, collection)
        if record is None:
            out["why"] = "The cited document is not in this collection any more; showing the quote as indexed."
            return out
        indexed = record["source"]
        out["record"] = record = {**record, "source": source}
        path = Path(str(record.get("path") or ""))
        if not record.get("path") or not (any(inside(root, path) for root in self.roots(collection))
                                          or self._uploaded_elsewhere(path, collection)):
            out["why"] = "The document's file is outside the corpus folder; showing the quote as indexed."
            return out
        out["stored"] = self.assistant_for(collection).document_text(indexed)
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
                collection = self.catalog.find(new.settings.collection)
                report = new.ingest(self.existing_roots(collection), progress=False)
                note = f" Indexed {label}: {report.summary()}."
            self._assistant = new
        s = new.settings
        return f"Applied: answerer {s.answerer}, k = {s.k}, corpus {label}.{note}"

    def existing_roots(self, collection: Collection | None) -> list[Path]:
        """The roots an ingest of the collection reads (its first folder even when missing: ingest says so)."""
        collection = collection or self.active_collection()
        found = collection.roots(self.configured.index_path)
        return found or [Path(f) for f in collection.folders[:1]]

    def upload(self, files: list[str], progress=None, *, actor, collection: Collection | None = None) -> str:
        """Copy uploads into the collection's managed folder (under the index folder, never a folder of the
        repository) and index them there. Nothing is ever overwritten (uploads.py)."""
        actor.require("add documents")
        collection = collection or self.active_collection()
        with self.lock:
            return upload_into(self.assistant_for(collection), collection.files_folder(self.configured.index_path),
                               files, progress)

    def remove(self, source: str, *, actor, collection: Collection | None = None) -> str:
        """Take a document (`source` as the page shows it) out of the collection's index."""
        actor.require("remove documents")
        with self.lock:
            assistant = self.assistant_for(collection)
            record = self._indexed(source, collection)
            if record is None:
                raise InputError(f"{source} is not in the index.")
            assistant.store.remove_document(record["source"])
            path = Path(record["path"])
            moved = ""
            # Only a file inside one of the collection's folders is moved (a symlink out of it resolves outside).
            if path.is_file() and any(inside(root, path) for root in self.roots(collection)):
                # Out of the folder (so re-indexing does not bring it back), but not deleted.
                bin_ = Path(assistant.settings.index_path) / "removed"
                bin_.mkdir(parents=True, exist_ok=True)
                target = bin_ / f"{time.strftime('%Y%m%d-%H%M%S')}-{path.name}"
                shutil.move(str(path), target)
                moved = f"; the file was moved to <index>/removed/{target.name}"
            assistant.store.refresh_keyword_index()
        return f"Removed {source} from the index{moved}."

    def reindex(self, progress=None, *, actor, collection: Collection | None = None) -> str:
        actor.require("re-index the corpus")
        collection = collection or self.active_collection()
        with self.lock:
            if progress:
                progress(None, desc=f"Re-indexing {collection.name} …")
            report = self.assistant_for(collection).ingest(self.existing_roots(collection), progress=False)
        lines = [f"Re-indexed {collection.name}: {report.summary()}."]
        lines += [f"✗ {err}" for _p, err in report.failed]
        return "\n".join(lines)

    # -- collections, an operator's ------------------------------------------------------------------
    def create_collection(self, name: str, logins=None, *, actor, known_logins=None) -> Collection:
        actor.require("create collections")
        return self.catalog.create(name, (), self._logins(logins, known_logins))

    def rename_collection(self, collection: Collection, new_name: str, *, actor) -> Collection:
        actor.require("rename collections")
        return self.catalog.rename(collection.id, new_name)

    def share_collection(self, collection: Collection, logins, *, actor, known_logins=None) -> Collection:
        """Give a collection to these logins only (and operators); none: to everyone."""
        actor.require("choose who sees a collection")
        return self.catalog.share(collection.id, self._logins(logins, known_logins))

    def delete_collection(self, collection: Collection, confirm: str, *, actor) -> Collection:
        """Delete a collection's index (its uploaded files go to <index>/removed/); `confirm` must be its name."""
        actor.require("delete collections")
        if " ".join(str(confirm or "").split()).casefold() != collection.name.casefold():
            raise InputError(f"To delete the collection {collection.name!r}, type its name in the Name box first.")
        with self.lock:
            gone = self.catalog.delete(collection.id, protected=self.configured_ids)
            self.forget_collection(gone.id)
        return gone

    @staticmethod
    def _logins(logins, known_logins) -> tuple[str, ...] | None:
        from citeqa.index.catalog import check_logins

        wanted = check_logins(logins)
        if wanted is None:
            return None
        if known_logins is not None and not known_logins:
            raise InputError("Giving a collection to some logins needs logins: start the app with --auth user:pass.")
        unknown = [x for x in wanted if known_logins is not None and x not in known_logins]
        if unknown:
            raise InputError(f"{unknown[0]!r} is not a login of this server (--auth).")
        return wanted
