"""Keyword index: BM25 (bm25s) over passage texts, persisted next to the vector store and loaded once.

On disk: `keyword/current.json` names the build in use (`keyword/build-<unique>/`) and its version.
A rebuild writes a new build folder of its own (so two processes rebuilding at once never share one),
then replaces current.json in one rename: a reader sees the old index or the new one, never half of
either. Superseded builds are deleted a while later (a reader may still be loading one).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import math
from collections import Counter

import bm25s
import numpy as np
import Stemmer

from bm25s.stopwords import STOPWORDS_EN_PLUS

from citeqa.schema import source_key

_STEMMER = Stemmer.Stemmer("english")
# The fuller list (what, did, where, ... included): question words carry no topic.
STOPWORDS = sorted(set(STOPWORDS_EN_PLUS))
FORMAT = 4  # bump when the files change; an index of another format is rebuilt
KEEP_OLD_BUILDS_S = 120  # a superseded build stays this long for readers that picked it just before the swap


def _tokenize(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=_STEMMER, show_progress=False, return_ids=False)


# A question tokenizes the same retrieved passages and sentences several times (reranking, answering);
# each text's tokens depend on that text alone, so small calls share a bounded cache. Index builds
# (many texts) bypass it.
_CACHE: dict[str, tuple[str, ...]] = {}
_CACHE_MAX = 8192
_CACHE_LOCK = threading.Lock()


def tokenize(texts: list[str]) -> list[list[str]]:
    if len(texts) > 1024:
        return _tokenize(texts)
    with _CACHE_LOCK:
        found = {t: _CACHE[t] for t in texts if t in _CACHE}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        fresh = dict(zip(missing, map(tuple, _tokenize(missing))))
        found.update(fresh)
        with _CACHE_LOCK:
            if len(_CACHE) + len(fresh) > _CACHE_MAX:
                for key in list(_CACHE)[: len(_CACHE) // 2 + len(fresh)]:
                    del _CACHE[key]
            _CACHE.update(fresh)
    return [list(found[t]) for t in texts]


class KeywordIndex:
    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._bm25 = None
        self._ids: list[str] = []
        self._keys = np.array([], dtype=str)
        self._version: str | None = None
        self._df: dict[str, int] = {}
        self._n = 0

    def _current(self) -> dict | None:
        try:
            stamp = json.loads((self.folder / "current.json").read_text())
        except (OSError, ValueError):
            return None
        return stamp if stamp.get("format") == FORMAT else None

    @property
    def version(self) -> str | None:
        stamp = self._current()
        return stamp["version"] if stamp else None

    def build(self, ids: list[str], texts: list[str], version: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"build-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        tmp = self.folder / name
        tmp.mkdir()
        tokens = tokenize(texts) if ids else []
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
            bm25.save(tmp / "bm25", show_progress=False)
        df = Counter(t for doc in tokens for t in set(doc))
        (tmp / "ids.json").write_text(json.dumps(ids))
        (tmp / "df.json").write_text(json.dumps(df))
        pointer = self.folder / f"current.json.{name}"
        pointer.write_text(json.dumps({"format": FORMAT, "version": version, "build": name, "passages": len(ids)}))
        before = self._current()
        os.replace(pointer, self.folder / "current.json")  # the swap: atomic on one filesystem
        if before:  # its grace period starts now, not when it was built
            try:
                os.utime(self.folder / before["build"])
            except OSError:
                pass
        self._sweep(keep=name)
        with self._lock:
            self._bm25, self._version = None, None

    def _sweep(self, keep: str) -> None:
        """Delete builds superseded more than KEEP_OLD_BUILDS_S ago, and files of the older layout."""
        cutoff = time.time() - KEEP_OLD_BUILDS_S
        for entry in self.folder.iterdir():
            try:
                if entry.name in (keep, "current.json"):
                    continue
                if entry.name.startswith(("build-", "current.json.")):
                    if entry.stat().st_mtime < cutoff:
                        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                elif entry.name in ("bm25", "ids.json", "df.json", "version.json"):  # FORMAT 3 files
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            except OSError:
                pass  # another process swept it first

    def _ensure_loaded(self) -> None:
        for attempt in range(3):
            try:
                return self._load()
            except (OSError, ValueError):
                # The build named a moment ago was swept (superseded long enough ago): read the pointer again.
                if attempt == 2:
                    raise

    def _load(self) -> None:
        stamp = self._current()
        version = stamp["version"] if stamp else None
        if self._version == version and (self._bm25 is not None or not self._ids):
            return
        if stamp is None:
            self._bm25, self._ids, self._df, self._n, self._version = None, [], {}, 0, None
            return
        folder = self.folder / stamp["build"]
        ids = json.loads((folder / "ids.json").read_text())
        bm25 = bm25s.BM25.load(folder / "bm25", mmap=True, show_progress=False) if ids else None
        df = json.loads((folder / "df.json").read_text())
        self._bm25, self._ids, self._df, self._n, self._version = bm25, ids, df, len(ids), version
        self._keys = np.array([i.split("-", 1)[0] for i in ids])  # each passage's document (source_key)

    def idf(self, tokens: list[str]) -> list[float]:
        """BM25's idf of each token; a word the corpus never uses weighs most."""
        with self._lock:
            self._ensure_loaded()
            n, df = self._n, self._df
        return [math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in tokens]

    def search(self, query: str, n: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """The n best passages for the query; with `sources`, only passages of those documents."""
        tokens = tokenize([query])[0]
        with self._lock:
            self._ensure_loaded()
            if not tokens or self._bm25 is None:
                return []
            scores = self._bm25.get_scores(tokens)
            ids = self._ids
            if sources is not None:
                scores = np.where(np.isin(self._keys, [source_key(s) for s in sources]), scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]
