"""Keyword index: BM25 (bm25s) over passage texts, persisted next to the vector store and loaded once."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import math
from collections import Counter

import bm25s
import numpy as np
import Stemmer

from bm25s.stopwords import STOPWORDS_EN_PLUS

_STEMMER = Stemmer.Stemmer("english")
# The fuller list (what, did, where, ... included): question words carry no topic.
STOPWORDS = sorted(set(STOPWORDS_EN_PLUS))
FORMAT = 3  # bump when the files change; an index of another format is rebuilt


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
        self._version: str | None = None
        self._df: dict[str, int] = {}
        self._n = 0

    @property
    def version(self) -> str | None:
        stamp = self.folder / "version.json"
        if not stamp.is_file():
            return None
        stamp = json.loads(stamp.read_text())
        return stamp["version"] if stamp.get("format") == FORMAT else None

    def build(self, ids: list[str], texts: list[str], version: str) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        tokens = tokenize(texts) if ids else []
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
            bm25.save(tmp / "bm25", show_progress=False)
        df = Counter(t for doc in tokens for t in set(doc))
        (tmp / "ids.json").write_text(json.dumps(ids))
        (tmp / "df.json").write_text(json.dumps(df))
        (tmp / "version.json").write_text(json.dumps({"format": FORMAT, "version": version, "passages": len(ids)}))
        # Swap in whole so a reader never sees half an index.
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        with self._lock:
            self._bm25, self._version = None, None

    def _ensure_loaded(self) -> None:
        version = self.version
        if self._version == version and (self._bm25 is not None or not self._ids):
            return
        ids = json.loads((self.folder / "ids.json").read_text()) if version else []
        bm25 = bm25s.BM25.load(self.folder / "bm25", mmap=True, show_progress=False) if ids else None
        df = json.loads((self.folder / "df.json").read_text()) if version else {}
        self._bm25, self._ids, self._df, self._n, self._version = bm25, ids, df, len(ids), version

    def idf(self, tokens: list[str]) -> list[float]:
        """BM25's idf of each token; a word the corpus never uses weighs most."""
        with self._lock:
            self._ensure_loaded()
            n, df = self._n, self._df
        return [math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in tokens]

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        tokens = tokenize([query])[0]
        with self._lock:
            self._ensure_loaded()
            if not tokens or self._bm25 is None:
                return []
            scores = self._bm25.get_scores(tokens)
            ids = self._ids
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]
