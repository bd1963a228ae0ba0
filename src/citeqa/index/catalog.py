"""Collections: named bodies of documents, each in its own slice of the index and its own folder.

A collection has an id, which never changes: its Chroma collection and its folder `<index>/<id>/`
(passage table, keyword index, and `files/`, the managed folder uploads are saved into), so two
collections never share a vector, a passage or a file. Its name is what people call it, and can be
renamed. Folders configured on the server (corpus_path, corpus_folders) are collections too; the one
of corpus_path is the default, the index citeqa always had (id = the `collection` setting), so an
index made before collections opens as that one collection, unchanged.

The catalog is `<index>/collections.json`, read by every process that opens the index (the app and
`citeqa`), written whole under a lock file. `logins`: the --auth logins a collection is given to
(None: everyone); operators see every collection. Who may see what is decided by the caller's side
(citeqa.app.scopes), which asks `Collection.visible_to` for every event.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from citeqa.errors import InputError
from citeqa.index import server_state
from citeqa.settings import Settings

CATALOG_FILE = "collections.json"
CATALOG_RECORD = "catalog"  # its record in a Chroma server (server_state.META_COLLECTION)
FILES_FOLDER = "files"  # <index>/<id>/files: a collection's managed folder (uploads)
MAX_NAME_CHARS = 60
_NAME_PUNCTUATION = set(" ._-()&'+,")


@dataclass(frozen=True)
class Collection:
    """One body of documents: where its index and files are, and who may see it."""

    id: str  # the Chroma collection and the folder <index>/<id>/; never changes
    name: str  # what people call it (unique, case-insensitive); renamed freely
    folders: tuple[str, ...] = ()  # folders ingested for it besides its managed folder (absolute)
    logins: tuple[str, ...] | None = None  # the --auth logins it is given to; None: everyone
    created: float = 0.0
    default: bool = False  # the index of corpus_path: opened when no collection is named

    def files_folder(self, index_path: Path | str) -> Path:
        return Path(index_path) / self.id / FILES_FOLDER

    def roots(self, index_path: Path | str) -> list[Path]:
        """What an ingest of the whole collection reads: its folders and its managed folder, those that exist."""
        folders = [Path(f) for f in self.folders if Path(f).is_dir()]
        files = self.files_folder(index_path)
        return folders + ([files] if files.is_dir() else [])

    def visible_to(self, login: str | None, operator: bool) -> bool:
        return operator or self.logins is None or (login is not None and login in self.logins)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "folders": list(self.folders),
                "logins": None if self.logins is None else list(self.logins), "created": self.created}


def check_name(name) -> str:
    """A usable collection name (whitespace collapsed), or an InputError saying what is wrong."""
    if not isinstance(name, str) or not " ".join(name.split()):
        raise InputError("Give the collection a name.")
    name = unicodedata.normalize("NFKC", " ".join(name.split()))
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"A collection name has at most {MAX_NAME_CHARS} characters; {name[:20]!r}… has {len(name)}.")
    bad = sorted({ch for ch in name if ch not in _NAME_PUNCTUATION and unicodedata.category(ch)[0] not in "LNM"})
    if bad:
        raise InputError(f"A collection name holds letters, digits, spaces and {''.join(sorted(_NAME_PUNCTUATION - {' '}))} "
                         f"only; {name!r} has {' '.join(repr(ch) for ch in bad)}.")
    if name.startswith("."):
        raise InputError("A collection name cannot start with a dot.")
    return name


def check_logins(logins) -> tuple[str, ...] | None:
    """Logins as given ("alice, bob" or a list); empty or None: everyone."""
    if logins is None:
        return None
    items = logins.replace(",", " ").split() if isinstance(logins, str) else list(logins)
    if not all(isinstance(x, str) for x in items):
        raise InputError("Logins must be names, separated by commas.")
    out = tuple(dict.fromkeys(x.strip() for x in items if x.strip()))
    return out or None


def new_id(name: str) -> str:
    """A Chroma collection name (3-63 characters of [A-Za-z0-9._-]) that says which collection it is."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:30] or "collection"
    return f"c-{slug}-{secrets.token_hex(3)}"


class Catalog:
    """The collections of one index folder: the default one (corpus_path's), the stored ones."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.index_path = Path(settings.index_path)
        self.path = self.index_path / CATALOG_FILE
        self._cache: tuple[int, list[Collection], dict] | None = None

    # -- reading ------------------------------------------------------------------------------------
    def _read(self) -> tuple[list[Collection], dict]:
        """(stored collections, the default's {id, folder} as the last writer configured it)."""
        if self.settings.chroma_url:  # kept in the server, read again at most every refresh_s
            if self._cache is None or time.monotonic() - self._cache[0] >= self.settings.refresh_s:
                text = server_state.read_record(self.settings, CATALOG_RECORD)
                self._cache = (time.monotonic(), *self._parse(text, "in the Chroma server"))
            return list(self._cache[1]), self._cache[2]
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return [], {}
        if self._cache is None or self._cache[0] != stamp:
            try:
                text = self.path.read_text(encoding="utf-8")
            except OSError as e:
                raise InputError(f"The collection list {self.path.name} in the index folder cannot be read ({e}).") from None
            self._cache = (stamp, *self._parse(text, f"{self.path.name} in the index folder"))
        return list(self._cache[1]), self._cache[2]

    @staticmethod
    def _parse(text: str | None, where: str) -> tuple[list[Collection], dict]:
        if text is None:
            return [], {}
        try:
            data = json.loads(text)
            return [_from_dict(d) for d in data.get("collections", [])], dict(data.get("default") or {})
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise InputError(f"The collection list {where} cannot be read ({e}); fix or remove it.") from None

    def _stored(self) -> list[Collection]:
        return self._read()[0]

    def _base(self) -> tuple[str, str]:
        """The default collection's (id, folder): these settings' own, unless they are the settings of
        another collection (an Assistant over it), whose default is the one the catalog records."""
        stored, recorded = self._read()
        s = self.settings
        made = {c.id for c in stored} - {recorded.get("id")}
        if recorded.get("id") and s.collection in made:
            return str(recorded["id"]), str(recorded.get("folder") or "")
        return s.collection, str(Path(s.corpus_path).resolve())

    def default(self, stored: list[Collection] | None = None) -> Collection:
        cid, folder = self._base()
        kept = next((c for c in (self._stored() if stored is None else stored) if c.id == cid), None)
        if kept is not None:  # renamed: the name is kept; the folder is always today's corpus_path
            return replace(kept, folders=(folder,), logins=None, default=True)
        name = Path(folder).name
        try:
            name = check_name(name)
        except InputError:
            name = "default"
        return Collection(cid, name, (folder,), None, 0.0, True)

    def list(self) -> list[Collection]:
        """Every collection, the default first, then in the order they were made."""
        stored = self._stored()
        default = self.default(stored)
        return [default] + [c for c in stored if c.id != default.id]

    def find(self, name_or_id: str | None) -> Collection | None:
        """The collection of that name (any case) or id; None when there is none."""
        if not isinstance(name_or_id, str) or not name_or_id.strip():
            return None
        wanted = " ".join(name_or_id.split()).casefold()
        everything = self.list()
        return (next((c for c in everything if c.name.casefold() == wanted), None)
                or next((c for c in everything if c.id == name_or_id), None))

    def get(self, name_or_id: str | None) -> Collection:
        found = self.find(name_or_id)
        if found is None:
            names = ", ".join(c.name for c in self.list())
            raise InputError(f"There is no collection {str(name_or_id)[:80]!r} (there are: {names}).")
        return found

    def settings_for(self, collection: Collection) -> Settings:
        """The settings of an Assistant over `collection`: its index, and its first folder as the corpus."""
        main = collection.folders[0] if collection.folders else collection.files_folder(self.index_path)
        return self.settings.model_copy(update={"collection": collection.id, "corpus_path": Path(main)})

    # -- writing ------------------------------------------------------------------------------------
    @contextmanager
    def _editing(self):
        """The stored list, to change in place; written whole under a lock (a temporary file, then a
        rename; with a Chroma server, its record under a lease kept there)."""
        self.index_path.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._cache = None
            items = self._stored()
            cid, folder = self._base()
            yield items
            text = json.dumps({"format": 1, "default": {"id": cid, "folder": folder},
                               "collections": [c.to_dict() for c in items]}, ensure_ascii=False, indent=1)
            if self.settings.chroma_url:
                server_state.write_record(self.settings, CATALOG_RECORD, text)
            else:
                fd, tmp = tempfile.mkstemp(dir=self.index_path, prefix=".collections-")
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(tmp, self.path)
            self._cache = None

    @contextmanager
    def _locked(self):
        if self.settings.chroma_url:
            with server_state.record_lease(self.settings, CATALOG_RECORD, "the collection list"):
                yield
            return
        with open(self.index_path / "collections.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _taken(self, name: str, items: list[Collection], but: str | None = None) -> bool:
        default = self.default(items)
        everything = [default] + [c for c in items if c.id != default.id]
        return any(c.name.casefold() == name.casefold() and c.id != but for c in everything)

    def create(self, name: str, folders=(), logins=None) -> Collection:
        name = check_name(name)
        kept = tuple(str(Path(f).resolve()) for f in folders)
        for folder in kept:
            if not Path(folder).is_dir():
                raise InputError(f"{folder} is not a folder.")
        with self._editing() as items:
            if self._taken(name, items):
                raise InputError(f"There is already a collection called {name!r}.")
            made = Collection(new_id(name), name, kept, check_logins(logins), time.time())
            items.append(made)
        return made

    def ensure(self, collection_id: str, name: str, folder: Path) -> Collection:
        """A folder configured on the server as a collection of its own (kept under `collection_id`)."""
        found = next((c for c in self._stored() if c.id == collection_id), None)
        if found is not None or collection_id == self.default().id:
            return found or self.default()
        with self._editing() as items:
            base, n = check_name(name), 2
            name = base
            while self._taken(name, items):
                name, n = f"{base} ({n})", n + 1
            made = Collection(collection_id, name, (str(Path(folder).resolve()),), None, time.time())
            items.append(made)
        return made

    def _change(self, name_or_id: str, **changes) -> Collection:
        target = self.get(name_or_id)
        with self._editing() as items:
            if "name" in changes and self._taken(changes["name"], items, but=target.id):
                raise InputError(f"There is already a collection called {changes['name']!r}.")
            current = next((c for c in items if c.id == target.id), None)
            updated = replace(current or target, **changes)
            if current is None:
                items.insert(0, replace(updated, folders=(), default=False))  # the default, renamed: kept by id
            else:
                items[items.index(current)] = updated
        return self.get(target.id)

    def rename(self, name_or_id: str, new_name: str) -> Collection:
        return self._change(name_or_id, name=check_name(new_name))

    def share(self, name_or_id: str, logins) -> Collection:
        """Give a collection to these logins only (None or empty: to everyone)."""
        if self.get(name_or_id).default and check_logins(logins) is not None:
            raise InputError("The default collection is everyone's: create a collection to give to some logins only.")
        return self._change(name_or_id, logins=check_logins(logins))

    def delete(self, name_or_id: str, protected: set[str] | frozenset[str] = frozenset()) -> Collection:
        """Take a collection out of the catalog and drop its index; its managed files go to <index>/removed/.
        The default collection and `protected` ids (folders configured on the server) are refused."""
        target = self.get(name_or_id)
        if target.default or target.id in protected:
            raise InputError(f"{target.name!r} is a folder configured on the server (corpus_path or corpus_folders); "
                             "it cannot be deleted here.")
        with self._editing() as items:
            items[:] = [c for c in items if c.id != target.id]
        drop_index(self.settings, target)
        return target


def drop_index(settings: Settings, collection: Collection) -> None:
    """Delete a collection's vectors and its folder; its managed files are moved to <index>/removed/."""
    from citeqa.index import chroma

    folder = Path(settings.index_path) / collection.id
    files = collection.files_folder(settings.index_path)
    if files.is_dir() and any(files.iterdir()):
        bin_ = Path(settings.index_path) / "removed"
        bin_.mkdir(parents=True, exist_ok=True)
        shutil.move(str(files), bin_ / f"{time.strftime('%Y%m%d-%H%M%S')}-{collection.id}")
    for name in (collection.id, server_state.records_name(collection.id)):
        try:
            chroma.client(settings).delete_collection(name)
        except Exception:  # never made (nothing was ingested), or already gone
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _from_dict(d: dict) -> Collection:
    logins = d.get("logins")
    return Collection(str(d["id"]), str(d["name"]), tuple(str(f) for f in d.get("folders") or ()),
                      None if logins is None else tuple(str(x) for x in logins), float(d.get("created") or 0.0))
