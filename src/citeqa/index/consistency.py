"""The two stores kept in agreement: the SQLite passage table (the source of truth) and Chroma's vectors.
With a Chroma server, the live passages (server_state.py) and the server's other records: orphans are
the passages of a write killed before its document record was committed, or the old passages of one
killed before they were deleted.

A write puts vectors in Chroma, commits the passages, then deletes the vectors they replace; a process
killed between two of those steps leaves vectors whose passage is gone (orphans). A vector can also go
missing (a collection deleted or damaged by hand). Orphans are deleted; a missing vector is rebuilt
from the passage's stored sentence vectors (the normalised mean, as ingest computes it), without the
embedding model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from citeqa.index.store import Store


@dataclass
class Drift:
    passages: int = 0
    vectors: int = 0
    orphans: list[str] = field(default_factory=list)  # vectors whose passage is gone
    missing: list[str] = field(default_factory=list)  # passages without a vector
    unrepairable: list[str] = field(default_factory=list)  # missing, and no stored sentence vectors to rebuild from

    @property
    def clean(self) -> bool:
        return not self.orphans and not self.missing

    def summary(self) -> str:
        if self.clean:
            return f"consistent: {self.passages} passages, {self.vectors} vectors"
        return (
            f"drift: {len(self.orphans)} vectors without a passage, {len(self.missing)} passages without a vector "
            f"({self.passages} passages, {self.vectors} vectors)"
        )

    def to_dict(self) -> dict:
        return {"passages": self.passages, "vectors": self.vectors, "orphans": len(self.orphans),
                "missing": len(self.missing), "unrepairable": len(self.unrepairable), "clean": self.clean}


def find_drift(store: Store) -> Drift:
    store.pull(force=True)  # with a Chroma server: its live passages, of the latest writes
    passages, vectors = set(store.passage_ids()), store.vector_ids()
    # In a server the passages are the vectors' own records: a passage can lack a vector only in a
    # cache behind the server, never in the server, so nothing is missing there.
    missing = sorted(passages - vectors) if store.server is None else []
    return Drift(len(passages), len(vectors), sorted(vectors - passages), missing)


def quick_drift(store: Store) -> Drift | None:
    """Compare counts first (two cheap calls); list every id only when they differ. None: counts agree."""
    if store.vector_count() == store.passage_count():
        return None
    return find_drift(store)


def repair(store: Store, drift: Drift) -> Drift:
    """Delete the orphans, rebuild the missing vectors; returns what is left (normally nothing)."""
    with store.writing():
        # Listed again under the write lock: another writer may have finished since `drift` was taken.
        drift = find_drift(store)
        store.delete_vectors(drift.orphans)
        unrepairable = []
        for i in range(0, len(drift.missing), 500):
            found = store.passages(drift.missing[i : i + 500])
            ps = [p for p in found.values() if p.vectors is not None and len(p.vectors)]
            unrepairable += [pid for pid in drift.missing[i : i + 500] if pid not in {p.id for p in ps}]
            if ps:
                store.upsert_vectors(ps, np.stack([unit_vector(p.vectors.mean(axis=0)) for p in ps]))
        if not drift.clean:
            store.mark_changed()
    left = find_drift(store)
    left.unrepairable = unrepairable
    return left


def unit_vector(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)
