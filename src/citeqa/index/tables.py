"""The local SQLite tables of an index: documents, passages (with their sentence vectors), texts as read
and meta. Embedded, they are the source of truth; with a Chroma server, a cache of it (cache.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from citeqa.schema import Passage

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, path TEXT, title TEXT, hash TEXT, size INTEGER,
    passages INTEGER, indexed_at REAL, passage_chars INTEGER
);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, source TEXT, seq INTEGER, text TEXT, meta TEXT, vectors BLOB
);
CREATE INDEX IF NOT EXISTS passages_source ON passages(source);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
-- The text as read of each document (what every offset points into), so a citation can be shown after
-- its file changed or went; layout is JSON (blocks, pages). An index made before this table has no rows
-- in it: the panel then reads the file.
CREATE TABLE IF NOT EXISTS texts (source TEXT PRIMARY KEY, hash TEXT, format TEXT, text TEXT, layout TEXT, notes TEXT);
"""

SCHEMA_VERSION = "2"  # 2: sentence vectors stored with each passage
VECTOR_DTYPE = np.float16  # sentence vectors on disk: half the size, cosines good to 1e-3


@dataclass
class DocumentRecord:
    source: str
    path: str
    title: str
    hash: str
    size: int
    passages: int
    indexed_at: float
    passage_chars: int | None = None  # the target length it was split at (None: unrecorded, older index)



def pack(vectors) -> bytes | None:
    return None if vectors is None else np.asarray(vectors, dtype=VECTOR_DTYPE).tobytes()


def passage_row(text: str, meta: str, blob: bytes | None) -> Passage:
    p = Passage.from_metadata(text, json.loads(meta))
    if blob:
        p.vectors = np.frombuffer(blob, dtype=VECTOR_DTYPE).reshape(len(p.sentences), -1).astype(np.float32)
    return p
