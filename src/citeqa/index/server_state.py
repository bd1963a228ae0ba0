"""Server mode: the Chroma server holds everything needed to answer and to show a citation, so a process
with an empty index folder and the server's URL serves the whole corpus (issue 19).

In the server, for a collection C:
- C: one record per passage: its vector, its text, the metadata Chroma filters on (source, ...), and
  `citeqa` (the passage's full metadata, JSON), `sv` (its sentence vectors, float16, base64), `seq`
  (its place in the document) and `write` (the write it belongs to);
- C's records collection (`records_name`): `doc:<source>` per document (its record and its write),
  `text:<source>:<i>` the text as read in parts, `meta:<key>` shared settings, `version` (a new value
  at every write) and `lease` (who may write now).
A passage is live when its `write` is its document record's: the passages of a write killed before
its record was committed are never read, and the next write or `citeqa check --repair` deletes them.
The local SQLite table and keyword index are caches of the live passages (store.py pulls them).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import asdict

from citeqa.errors import StoreError
from citeqa.index import chroma
from citeqa.index.lease import Lease
from citeqa.index.tables import pack
from citeqa.settings import Settings

TEXT_PART_CHARS = 1_000_000  # a text as read is stored in parts of this size
PAGE = 2000  # records per get when copying many
SHARED_META = ("embedding_model", "passage_chars")  # meta every process of the collection must agree on
_ONE = [[1.0]]  # records carry no meaning as vectors; Chroma wants one


def records_name(collection: str) -> str:
    """A Chroma collection name (3-63 characters) for C's records."""
    name = f"{collection}-records"
    if len(name) <= 63:
        return name
    return f"{collection[:40]}-{hashlib.sha256(collection.encode()).hexdigest()[:8]}-records"


def pack_vectors(vectors) -> str:
    """The local table's blob (tables.pack), as text for Chroma's metadata."""
    return base64.b64encode(pack(vectors)).decode("ascii")


def unpack_vectors(text: str | None) -> bytes | None:
    """Back to the local table's blob (float16 bytes)."""
    return base64.b64decode(text) if text else None


class ServerState:
    """C's records in the Chroma server: documents, texts, shared meta, the version and the write lease."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.name = records_name(settings.collection)
        self._records = None

    @property
    def records(self):
        if self._records is None:
            self._records = chroma.collection(self.settings, self.name)
        return self._records

    def call(self, what: str, fn, *args, **kwargs):
        try:
            return server_call(self.settings)(what, fn, *args, **kwargs)
        except StoreError:
            self._records = None  # a collection deleted meanwhile (a reset) is fetched again next time
            raise

    def lease(self) -> Lease:
        return Lease(lambda: self.records, "lease", f"the collection {self.settings.collection!r}", self.call)

    # -- version ----------------------------------------------------------------------------------
    def version(self) -> str:
        got = self.call("read the index version", self.records.get, ids=["version"], include=["metadatas"])
        return got["metadatas"][0]["value"] if got["ids"] else "empty"

    def bump(self) -> str:
        value = uuid.uuid4().hex
        self.call("move the index version", self.records.upsert, ids=["version"], embeddings=_ONE,
                  metadatas=[{"kind": "version", "value": value}])
        return value

    # -- documents --------------------------------------------------------------------------------
    def put_document(self, record, write: str) -> None:
        meta = {k: v for k, v in asdict(record).items() if v is not None} | {"kind": "doc", "write": write}
        self.call("store a document record", self.records.upsert, ids=[f"doc:{record.source}"], embeddings=_ONE,
                  metadatas=[meta])

    def documents(self) -> dict[str, dict]:
        """{source: the record's fields and its write}."""
        return {r["source"]: {k: v for k, v in r.items() if k not in ("kind", "id", "document")}
                for r in self._all({"kind": "doc"}, ["metadatas"], "list documents")}

    def delete_document(self, source: str) -> None:
        self.call("remove a document record", self.records.delete, where={"source": source})

    def _all(self, where: dict, include: list[str], what: str, page: int = PAGE) -> list[dict]:
        """Metadatas (with `document` added when asked) of every record matching `where`, paged."""
        out: list[dict] = []
        while True:
            got = self.call(what, self.records.get, where=where, include=include, limit=page, offset=len(out))
            docs = got.get("documents") or [None] * len(got["ids"])
            out += [dict(m or {}, id=i, document=d) for i, m, d in zip(got["ids"], got["metadatas"], docs)]
            if len(got["ids"]) < page:
                return out

    # -- texts as read ------------------------------------------------------------------------------
    def put_text(self, source: str, blob: dict) -> None:
        text = json.dumps(blob, ensure_ascii=False)
        parts = [text[i : i + TEXT_PART_CHARS] for i in range(0, len(text), TEXT_PART_CHARS)] or [""]
        ids = [f"text:{source}:{i}" for i in range(len(parts))]
        metas = [{"kind": "text", "source": source, "i": i, "n": len(parts), "hash": blob.get("hash") or ""}
                 for i in range(len(parts))]
        self.call("store a text as read", self.records.upsert, ids=ids, embeddings=_ONE * len(parts),
                  documents=parts, metadatas=metas)
        self.call("store a text as read", self.records.delete,
                  where={"$and": [{"kind": "text"}, {"source": source}, {"i": {"$gte": len(parts)}}]})

    def texts(self, sources: list[str] | None = None) -> dict[str, dict]:
        """{source: {hash, format, text, layout, notes}} of these documents (None: all)."""
        where = {"kind": "text"} if sources is None else {"$and": [{"kind": "text"}, {"source": {"$in": sources}}]}
        parts: dict[str, dict[int, str]] = {}
        for r in self._all(where, ["metadatas", "documents"], "read texts as read", page=20):
            parts.setdefault(r["source"], {})[int(r["i"])] = r["document"] or ""
        out = {}
        for source, got in parts.items():
            try:
                out[source] = json.loads("".join(got[i] for i in sorted(got)))
            except ValueError:
                continue  # parts of two writes at once: the next pull reads it whole
        return out

    # -- shared meta ------------------------------------------------------------------------------
    def put_meta(self, key: str, value: str) -> None:
        self.call("store a setting", self.records.upsert, ids=[f"meta:{key}"], embeddings=_ONE,
                  metadatas=[{"kind": "meta", "key": key, "value": value}])

    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._all({"kind": "meta"}, ["metadatas"], "read settings")}

    def reset(self) -> None:
        """Forget every document (the embedding model changed); the version and the lease stay."""
        self.call("reset the index", self.records.delete, where={"kind": {"$in": ["doc", "text", "meta"]}})


def passage_payload(passage, seq: int, write: str) -> dict:
    """What a passage's Chroma record carries besides the filter fields, so any process can rebuild it."""
    return {"citeqa": json.dumps(passage.metadata()), "sv": pack_vectors(passage.vectors) if passage.vectors is not None else "",
            "seq": seq, "write": write}


def live_passages(collection, call, writes: dict[str, str], sources: list[str] | None = None) -> list[tuple]:
    """(id, source, seq, text, meta JSON, vectors blob) of the live passages of `writes` ({source: write});
    with `sources`, of those documents only (one get each), else of every document (paged)."""
    rows = []

    def keep(got):
        for pid, text, m in zip(got["ids"], got["documents"], got["metadatas"]):
            if m and m.get("write") and writes.get(m.get("source")) == m.get("write"):
                rows.append((pid, m["source"], int(m.get("seq", 0)), text or "", m.get("citeqa") or "{}", unpack_vectors(m.get("sv"))))

    if sources is not None:
        for s in sources:
            if s in writes:
                keep(call("read passages", collection.get, where={"$and": [{"source": s}, {"write": writes[s]}]},
                          include=["documents", "metadatas"]))
        return rows
    offset = 0
    while True:
        got = call("read passages", collection.get, include=["documents", "metadatas"], limit=PAGE, offset=offset)
        keep(got)
        offset += len(got["ids"])
        if len(got["ids"]) < PAGE:
            return rows


META_COLLECTION = "citeqa-meta"  # records of the whole server: the collection list (catalog.py)


def meta_collection(settings: Settings):
    return chroma.collection(settings, META_COLLECTION, chroma.COSINE)


def server_call(settings: Settings):
    """A `call(what, fn, ...)` that turns a Chroma failure into one sentence."""
    def call(what, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            raise StoreError(f"The Chroma server at {settings.chroma_url} failed to {what} "
                             f"({type(e).__name__}: {str(e).strip().rstrip('.')}).") from None
    return call


def read_record(settings: Settings, key: str) -> str | None:
    """A record of the whole server (its document), or None."""
    got = server_call(settings)(f"read {key}", meta_collection(settings).get, ids=[key], include=["documents"])
    return got["documents"][0] if got["ids"] else None


def write_record(settings: Settings, key: str, text: str) -> None:
    server_call(settings)(f"store {key}", meta_collection(settings).upsert, ids=[key], embeddings=_ONE,
                          documents=[text], metadatas=[{"kind": key}])


def record_lease(settings: Settings, key: str, what: str) -> Lease:
    return Lease(lambda: meta_collection(settings), f"lease:{key}", what, server_call(settings))
