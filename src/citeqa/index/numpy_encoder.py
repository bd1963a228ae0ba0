"""The embedding model's forward pass in numpy, for questions: a cold `citeqa ask` embeds one short
text, and importing torch and sentence-transformers for it costs seconds (3+ s of a 6 s cold ask),
while this runs the same weights (read from the same model.safetensors) in a few milliseconds.

It covers the sentence-transformers folders of the form BERT -> mean pooling -> normalize, which is what
all-MiniLM-L6-v2 is. Any other folder gets None from `load`, and the caller uses sentence-transformers.
The vectors match sentence-transformers' to float32 precision (tests/index/test_numpy_encoder.py checks
cosine > 0.9999 and the same ranking).
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import numpy as np

# Abramowitz & Stegun 7.1.26: erf to within 1.5e-7, for BERT's exact (erf) GELU without scipy.
# Constants are Python floats: a numpy float64 scalar (np.sqrt(2.0)) turns float32 arrays into float64, and
# every product after it ran in float64 with the weights cast again each time (52 ms a question, not 19).
_P, _A = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + _P * x)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _is_bert_mean_normalize(folder: Path) -> bool:
    try:
        modules = json.loads((folder / "modules.json").read_text())
        config = json.loads((folder / "config.json").read_text())
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = next(m for m in modules if m["type"].endswith("Pooling"))
        pool_cfg = json.loads((folder / pooling["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration):
        return False
    mean_only = pool_cfg.get("pooling_mode_mean_tokens") and not any(
        pool_cfg.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
    )
    return (
        types == ["Transformer", "Pooling", "Normalize"]
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and bool(mean_only)
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


class NumpyBertEncoder:
    """Unit vectors for a few short texts, without torch."""

    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        st_config = folder / "sentence_bert_config.json"
        max_len = json.loads(st_config.read_text()).get("max_seq_length", 256) if st_config.is_file() else 256
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # Texts one at a time, unpadded: padding would change nothing but the work done.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(max_len))
        self.w = {k: v.astype(np.float32, copy=False) for k, v in load_file(str(folder / "model.safetensors")).items()}
        self._lock = threading.Lock()  # a fast tokenizer used from two threads at once raises "Already borrowed"
        # One BLAS thread: a question is a few (15 x 384) matrix products, and OpenBLAS's threads cost more
        # than they save (measured: 130-280 ms of CPU per question with 2 threads, 25 ms with one); the app
        # answers several questions at once, one core each. Process-wide: numpy's other products here
        # (reranking a few hundred sentences) are as small. torch's own threads are not affected.
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")

    @classmethod
    def load(cls, folder: Path) -> "NumpyBertEncoder | None":
        return cls(folder) if _is_bert_mean_normalize(folder) else None

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encodings = [self.tokenizer.encode(t) for t in texts]
        return np.stack([self._one(np.asarray(e.ids), np.asarray(e.type_ids)) for e in encodings]).astype(np.float32)

    def _one(self, ids: np.ndarray, types: np.ndarray) -> np.ndarray:
        w, n = self.w, len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
        x = x + w["embeddings.token_type_embeddings.weight"][types]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        hidden = x.shape[1]
        d = hidden // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def linear(h, name):
                return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q, k, v = (linear(x, f"attention.self.{m}").reshape(n, self.heads, d).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attn = (scores / scores.sum(-1, keepdims=True)) @ v
            attn = attn.transpose(1, 0, 2).reshape(n, hidden)
            x = _layer_norm(linear(attn, "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps)
            ff = linear(_gelu(linear(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(ff + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = x.mean(0)  # one unpadded text: every token counts
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)
