"""Store: vectors in Chroma (embedded under index/ or a server), passages and documents in a local SQLite table,
and the keyword index beside them. Embedded, the SQLite table is the source of truth for what is indexed: a vector
whose passage is not in it (left by an interrupted ingest) is ignored at query time and deleted by the
next ingest or `citeqa check --repair` (consistency.py). With a Chroma server (`chroma_url`) the server
is the source of truth and the SQLite table and keyword index are caches of it (server_state.py, cache.py):
every write goes to the server first, under a lease kept there instead of the lock file.

Writes (a document, a removal, a repair) hold a lock file in the index folder, so two processes never
write the same index at once, and each write moves the index version in its SQLite transaction, which
is how other processes notice and reopen their Chroma client (chroma.py).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from citeqa.documents.reasons import clause
from citeqa.errors import StoreError
from citeqa.index import cache, chroma
from citeqa.index.faults import crash_point
from citeqa.index.keyword import KeywordIndex
from citeqa.index.server_state import SHARED_META, ServerState, passage_payload
from citeqa.index.tables import SCHEMA, SCHEMA_VERSION, DocumentRecord, pack, passage_row
from citeqa.schema import Passage
from citeqa.settings import Settings

class Store:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.folder = Path(settings.index_path) / settings.collection
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.folder / "passages.sqlite", check_same_thread=False)
            self._db.executescript(SCHEMA)
            outdated = self._schema_outdated()
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"The index folder {self.folder} cannot be opened: {clause(e)}.") from None
        self._lock = threading.RLock()  # the SQLite connection, one statement or transaction at a time
        self._write_mutex = threading.RLock()  # held for a whole write, with the lock file
        self._refresh_lock = threading.Lock()
        self._collection = None
        self._generation = -1
        self._write_depth = 0
        self._lock_file = None
        self.server = ServerState(settings) if settings.chroma_url else None
        self._lease = None
        self._pull_lock = threading.Lock()
        self._checked = float("-inf")  # when the server's version was last read
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
        for column, kind in (("passage_chars", "INTEGER"), ("write_id", "TEXT")):  # write_id: the server's write
            if column not in columns:
                with self._db:
                    self._db.execute(f"ALTER TABLE documents ADD COLUMN {column} {kind}")
        if outdated:
            # An index from an older citeqa: start over (the next ingest re-indexes everything; a
            # server's cache is read again from the server).
            if self.server is None:
                self.reset_vectors()
            self._db.executescript("DELETE FROM documents; DELETE FROM texts; DELETE FROM meta WHERE key='version';")
            self._db.execute("DROP TABLE passages")
            self._db.executescript(SCHEMA)
        self.set_meta("schema", SCHEMA_VERSION)
        self.keyword = KeywordIndex(self.folder / "keyword")

    def _schema_outdated(self) -> bool:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(passages)")}
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        has_rows = self._db.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is not None
        return "vectors" not in columns or (has_rows and (row is None or row[0] != SCHEMA_VERSION))

    # -- writing --------------------------------------------------------------------------------
    @contextmanager
    def writing(self):
        """Hold the index's write lock (threads of this process and other processes wait), with the
        Chroma client brought up to date first: writing through a stale embedded client would
        overwrite another process's vectors on disk."""
        with self._write_mutex:
            if self._write_depth == 0:
                try:
                    self._lock_file = open(self.folder / "write.lock", "a")
                    fcntl.flock(self._lock_file, fcntl.LOCK_EX)
                except OSError as e:
                    raise StoreError(f"The index folder {self.folder} cannot be locked for writing: {clause(e)}.") from None
                if self.server is not None:  # processes on other machines: the lease in the server
                    self._lease = self.server.lease()
                    try:
                        self._lease.acquire()
                        self.pull(force=True)  # what others wrote, before writing over it
                    except BaseException:
                        self._release()
                        raise
                chroma.sync(self.settings, self.settings.collection, self.version)
                chroma.begin_write(self.settings, self.settings.collection)
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
                if self._write_depth == 0:
                    chroma.end_write(self.settings, self.settings.collection, self.version)
                    self._release()

    def _release(self) -> None:
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        self._lock_file.close()  # releases the lock
        self._lock_file = None

    def pull(self, force: bool = False) -> None:
        """Server mode: bring the local cache to the server's version, read at most every refresh_s."""
        if self.server is None or (not force and time.monotonic() - self._checked < self.settings.refresh_s):
            return
        with self._pull_lock:
            if not force and time.monotonic() - self._checked < self.settings.refresh_s:
                return  # another thread checked meanwhile
            version = self.server.version()
            self._checked = time.monotonic()
            if version != self.version:
                cache.pull(self, version)

    # -- Chroma -------------------------------------------------------------------------------
    @property
    def collection(self):
        current = chroma.sync(self.settings, self.settings.collection, self.version)
        if self._collection is None or self._generation != current.generation:
            try:
                self._collection = current.client.get_or_create_collection(
                    self.settings.collection, metadata=chroma.COSINE, embedding_function=None
                )
            except Exception as e:
                raise chroma.unreachable(self.settings, e) from None
            self._generation = current.generation
        return self._collection

    def _chroma(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            where = f"server at {self.settings.chroma_url}" if self.settings.chroma_url else "embedded index"
            reason = f"{type(e).__name__}: {str(e).strip().rstrip('.')}"
            raise StoreError(f"The Chroma {where} failed to {what} ({reason}).") from None

    def check_reachable(self) -> None:
        """Fail now if Chroma cannot be reached (before an ingest spends minutes embedding)."""
        chroma.heartbeat(self.settings)
        self.collection  # noqa: B018
        self.pull(force=True)

    def reset_vectors(self) -> None:
        """Drop the collection (the embedding model changed: old vectors are meaningless)."""
        with self.writing():
            try:
                chroma.client(self.settings).delete_collection(self.settings.collection)
            except Exception:
                pass
            self._collection = None
            if self.server is not None:
                self.server.reset()
            with self._db:
                self._db.execute("DELETE FROM passages")
                self._db.execute("DELETE FROM documents")
                self._db.execute("DELETE FROM texts")
                self._bump_version()

    # -- metadata -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        if self.server is not None and key in SHARED_META and self.get_meta(key) != value:
            self.server.put_meta(key, value)
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _bump_version(self) -> None:
        value = self.server.bump() if self.server is not None else uuid.uuid4().hex
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (value,))

    @property
    def version(self) -> str:
        return self.get_meta("version") or "empty"

    # -- documents ----------------------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        self.pull()
        with self._lock:
            rows = self._db.execute(
                "SELECT source, path, title, hash, size, passages, indexed_at, passage_chars FROM documents"
            ).fetchall()
        return {r[0]: DocumentRecord(*r) for r in rows}

    def passage_count(self) -> int:
        # COUNT(*) scans the table (~4 ms at 100k passages, on every question); every write bumps the
        # version in the same transaction, so the count is reused while the version stands.
        self.pull()
        with self._lock:
            version = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            cached = getattr(self, "_count_cache", None)
            if version is not None and cached is not None and cached[0] == version[0]:
                return cached[1]
            count = self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            self._count_cache = (version[0], count) if version is not None else None
            return count

    def existing_vectors(self, source: str) -> dict[str, np.ndarray]:
        """Sentence vectors of a document's current passages keyed by sentence text, to reuse for
        sentences that did not change."""
        out: dict[str, np.ndarray] = {}
        for p in self.document_passages(source):
            if p.vectors is not None:
                for (s, e), v in zip(p.sentences, p.vectors):
                    out[p.sentence_text(s, e)] = v
        return out

    def write_document(self, record: DocumentRecord, passages: list[Passage], vectors: np.ndarray) -> None:
        """Write a document's new passages (each with its sentence vectors in `passage.vectors`; `vectors`
        are the passage vectors), then drop its old ones: a failure midway leaves the old version whole.
        The document is committed on its own: an ingest killed after it keeps it."""
        with self.writing():
            old_ids = self._passage_ids_of(record.source)
            write = uuid.uuid4().hex
            self.upsert_vectors(passages, vectors, write)
            crash_point("vectors-upserted")
            record = DocumentRecord(record.source, record.path, record.title, record.hash, record.size, len(passages),
                                    time.time(), record.passage_chars)
            with self._lock, self._db:
                self._db.execute("DELETE FROM passages WHERE source=?", (record.source,))
                self._db.executemany(
                    "INSERT OR REPLACE INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                    [(p.id, p.source, i, p.text, json.dumps(p.metadata()), pack(p.vectors)) for i, p in enumerate(passages)],
                )
                cache.put_record(self._db, record, write)
                if self.server is not None:  # the commit: from here on every process reads the new passages
                    self.server.put_document(record, write)
                self._bump_version()
            crash_point("document-committed")
            self.delete_vectors(sorted(set(old_ids) - {p.id for p in passages}))

    def _passage_ids_of(self, source: str) -> list[str]:
        """A document's passage ids; in the server, those of killed writes too (deleted with the rest)."""
        if self.server is not None:
            return self._chroma("list passages", self.collection.get, where={"source": source}, include=[])["ids"]
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM passages WHERE source=?", (source,))]

    def upsert_vectors(self, passages: list[Passage], vectors: np.ndarray, write: str = "") -> None:
        for i in range(0, len(passages), 1000):
            batch = passages[i : i + 1000]
            metas = [{k: v for k, v in p.metadata().items() if k not in ("sentences", "provenance")} for p in batch]
            if self.server is not None:  # the whole passage, for processes that read it from the server
                metas = [m | passage_payload(p, i + n, write) for n, (m, p) in enumerate(zip(metas, batch))]
            self._chroma("store vectors", self.collection.upsert, ids=[p.id for p in batch],
                         embeddings=vectors[i : i + len(batch)], documents=[p.text for p in batch], metadatas=metas)

    def delete_vectors(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            self._chroma("remove vectors", self.collection.delete, ids=ids[i : i + 1000])

    def write_text(self, source: str, doc_hash: str, fmt: str, text: str, layout: dict | None, notes=()) -> None:
        if self.server is not None:
            self.server.put_text(source, {"hash": doc_hash, "format": fmt, "text": text, "layout": layout, "notes": list(notes)})
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO texts VALUES (?, ?, ?, ?, ?, ?)",
                (source, doc_hash, fmt, text, json.dumps(layout) if layout else None, json.dumps(list(notes))),
            )

    def text_hash(self, source: str) -> str | None:
        """The content hash of the text as read kept for a document (None if none is kept): re-ingest
        compares it without loading the text."""
        with self._lock:
            row = self._db.execute("SELECT hash FROM texts WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def document_text(self, source: str) -> dict | None:
        """The text as read of an indexed document: {hash, format, text, layout, notes}, or None (an index
        made before texts were kept)."""
        with self._lock:
            row = self._db.execute("SELECT hash, format, text, layout, notes FROM texts WHERE source=?", (source,)).fetchone()
        if row is None:
            return None
        return {"hash": row[0], "format": row[1], "text": row[2], "layout": json.loads(row[3]) if row[3] else None,
                "notes": json.loads(row[4]) if row[4] else []}

    def document_notes(self) -> dict[str, list[str]]:
        with self._lock:
            rows = self._db.execute("SELECT source, notes FROM texts WHERE notes IS NOT NULL AND notes != '[]'").fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def remove_document(self, source: str) -> int:
        with self.writing():
            ids = self._passage_ids_of(source)
            with self._lock, self._db:
                self._db.execute("DELETE FROM texts WHERE source=?", (source,))
                self._db.execute("DELETE FROM passages WHERE source=?", (source,))
                self._db.execute("DELETE FROM documents WHERE source=?", (source,))
                if self.server is not None:
                    self.server.delete_document(source)
                self._bump_version()
            crash_point("document-removed")
            self.delete_vectors(ids)
        return len(ids)

    def mark_changed(self) -> None:
        """Move the index version after a write to Chroma alone (a repair), so other processes reopen."""
        with self._lock, self._db:
            self._bump_version()

    def vector_ids(self, page: int = 5000) -> set[str]:
        """Every id in the Chroma collection (paged: one call for 100k ids would hold them all twice)."""
        out: set[str] = set()
        collection = self.collection
        while True:
            got = self._chroma("list vectors", collection.get, include=[], limit=page, offset=len(out))["ids"]
            out.update(got)
            if len(got) < page:
                return out

    def vector_count(self) -> int:
        return self._chroma("count vectors", self.collection.count)

    # -- passages -----------------------------------------------------------------------------
    def passages(self, ids: list[str]) -> dict[str, Passage]:
        if not ids:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"SELECT text, meta, vectors FROM passages WHERE id IN ({','.join('?' * len(ids))})", ids
            ).fetchall()
        out = {}
        for row in rows:
            p = passage_row(*row)
            out[p.id] = p
        return out

    def document_passages(self, source: str) -> list[Passage]:
        with self._lock:
            rows = self._db.execute(
                "SELECT text, meta, vectors FROM passages WHERE source=? ORDER BY seq", (source,)
            ).fetchall()
        return [passage_row(*row) for row in rows]

    def passage_ids(self) -> list[str]:
        """Every passage id, in document order."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM passages ORDER BY source, seq")]

    def all_texts(self) -> tuple[list[str], list[str]]:
        with self._lock:
            rows = self._db.execute("SELECT id, text FROM passages ORDER BY source, seq").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def dense_search(self, vector: np.ndarray, n: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """The n nearest passages; with `sources`, only passages of those documents (a Chroma filter)."""
        collection = self.collection
        if sources is not None and not sources:
            return []
        where = None if sources is None else ({"source": sources[0]} if len(sources) == 1 else {"source": {"$in": list(sources)}})
        try:
            # Chroma 1.x returns what it has when asked for more; collection.count() costs more than
            # the search itself (17 ms vs 2 ms at 100k vectors), so it is asked only if this fails.
            res = collection.query(query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        except Exception as e:
            try:
                count = collection.count()
            except Exception:  # the search's own error is the one to report (a server that is down)
                self._chroma("search", _raise, e)
            if count == 0:
                return []
            res = self._chroma(
                "search", collection.query, query_embeddings=[vector], n_results=min(n, count), where=where, include=["distances"]
            )
        # cosine distance -> similarity
        return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0])]

    # -- keyword index ------------------------------------------------------------------------
    def refresh_keyword_index(self) -> bool:
        """Rebuild the BM25 index if passages changed since it was built. Returns whether it rebuilt."""
        self.pull()
        version = self.version
        if self.keyword.version == version:
            return False
        with self._refresh_lock:  # one rebuild at a time in this process; others find it done
            version = self.version
            if self.keyword.version == version:
                return False
            ids, texts = self.all_texts()
            self.keyword.build(ids, texts, version)
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _raise(e: Exception):
    raise e
