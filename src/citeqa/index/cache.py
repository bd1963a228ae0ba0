"""Server mode's local cache: the SQLite passage table (and through it the keyword index) brought up to
the Chroma server's version. Only the documents whose write changed are read again: one get each, or,
when many changed (a process starting with an empty index folder), every passage in pages.
"""

from __future__ import annotations

import json
import sqlite3

from citeqa.index.server_state import SHARED_META, live_passages

MANY = 20  # changed documents above which one paged read of everything beats one read per document


def put_record(db: sqlite3.Connection, record, write: str | None) -> None:
    db.execute(
        "INSERT OR REPLACE INTO documents (source, path, title, hash, size, passages, indexed_at, passage_chars, write_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (record.source, record.path, record.title, record.hash, record.size, record.passages, record.indexed_at,
         record.passage_chars, write),
    )


def pull(store, version: str) -> None:
    """Make `store`'s local tables hold what the server holds at `version` (or later)."""
    from citeqa.index.tables import DocumentRecord

    server = store.server
    remote = server.documents()
    with store._lock:
        local = dict(store._db.execute("SELECT source, write_id FROM documents").fetchall())
    changed = sorted(s for s, r in remote.items() if local.get(s) != r.get("write"))
    removed = sorted(set(local) - set(remote))
    writes = {s: remote[s]["write"] for s in changed}
    rows = live_passages(store.collection, store._chroma, writes, changed if len(changed) <= MANY else None) if changed else []
    texts = server.texts(changed if len(changed) <= MANY else None) if changed else {}
    meta = server.meta()
    with store._lock, store._db:
        db = store._db
        for source in changed + removed:
            for table in ("passages", "documents", "texts"):
                db.execute(f"DELETE FROM {table} WHERE source=?", (source,))
        db.executemany("INSERT OR REPLACE INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                       [r for r in rows if r[1] in writes])
        for source in changed:
            r = remote[source]
            put_record(db, DocumentRecord(source, r.get("path", ""), r.get("title", ""), r.get("hash", ""),
                                          int(r.get("size", 0)), int(r.get("passages", 0)), float(r.get("indexed_at", 0)),
                                          r.get("passage_chars")), r["write"])
            t = texts.get(source)
            if t is not None:
                db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?, ?, ?, ?, ?)",
                           (source, t.get("hash"), t.get("format"), t.get("text"),
                            json.dumps(t["layout"]) if t.get("layout") else None, json.dumps(t.get("notes") or [])))
        for key in SHARED_META:
            if key in meta:
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, meta[key]))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))
