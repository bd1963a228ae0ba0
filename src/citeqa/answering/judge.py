"""The judge: does this sentence answer this question?

A small model (logistic regression over the features below, trained by citeqa/training/train_judge.py; its
weights are the JSON file next to this module) scores each candidate sentence of the retrieved passages.
The extractive answerer cites the sentence it scores best and refuses when none reaches the threshold
calibrated on development data; generative answerers use it to check that a cited sentence is on the
question. Features: the cross-encoder's score (cross.py: question and sentence read together, for the
CROSS_TOP best candidates), meaning (cosine of the bundled embeddings), the question's rare words the
sentence, its neighbours and its passage hold (and the rarest one they miss: "budget", "ratify",
"chair"), whether the text holds what the question asks for (answer type: answertype.py), negation and
name/number mismatch, and how the sentence stands against the other candidates.
"""

from __future__ import annotations

import json
import math
import re
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from citeqa.answering.answertype import KINDS, OTHER, kind_evidence, negated, question_kind
from citeqa.answering.cross import MODEL_PATH as CROSS_PATH
from citeqa.answering.cross import load_cross
from citeqa.answering.scoring import QuestionTerms
from citeqa.index.keyword import tokenize

MODEL_PATH = Path(__file__).with_name("judge_model.json")

FEATURES = [
    "dense", "dense_gap", "prior", "prior_gap", "prior_rank",
    "cov_sentence", "cov_window", "cov_passage", "cov_gap",
    "miss_sentence", "miss_window", "miss_passage", "miss_share_window", "unseen_share", "unseen_any", "unseen_plain",
    "q_terms", "new_words", "sentence_words",
    *[f"kind_{k}" for k in KINDS], "kind_sentence", "kind_window",
    "negation_mismatch", "q_names_missing",
    "cross", "cross_gap", "cross_scored",
]

# The cross-encoder reads only the candidates today's score ranks highest: it costs ~3 ms a pair, and the
# sentence that answers is among the top 12 for 93% of squad2's and 82% of covidqa's answerable questions
# (94% / 84% among all candidates). 8 or 6 measured the same on the bench but moved a seed question's
# citation (README, Judgement).
CROSS_TOP = 12


@dataclass
class Candidate:
    """One sentence to judge, with what surrounds it."""

    text: str
    window: str  # the sentence with the one before and after it (same passage)
    passage_tokens: list[str]
    vec: np.ndarray  # unit embedding of the sentence
    prior: float  # today's ranking score (scoring.sentence_scores)


# Verbs that frame a question more than they name its subject ("Where did they come from?"): a corpus
# that never uses them may still answer it.
GENERIC = set(tokenize(["come came go went get got happen happened take took make made begin began start started "
                         "occur occurred end ended become became give gave put set keep kept let seem seemed bring brought "
                         "call called know known think thought want wanted need needed like find found cover covered lead led "
                         "result resulted cause caused mean meant refer referred consist consisted involve involved"])[0])
_CAP = re.compile(r"\b[A-Z][\w'’-]*|\b\d[\d,.]*")


def _names_missing(question: str, window: str) -> float:
    """Names and numbers of the question (capitalised words after the first, figures) that the
    window does not contain: "Who chaired the 43rd ..." against a sentence about the 42nd."""
    words = _CAP.findall(question)[1:] if question[:1].isupper() else _CAP.findall(question)
    low = window.lower()
    return float(sum(w.lower() not in low for w in words))


def _missing(terms: QuestionTerms, tokens: set[str]) -> tuple[float, float]:
    """(largest idf among the question's words the text misses, over the question's largest; share of
    the question's idf it misses). Relative, so a corpus of 20 passages reads like one of 20,000."""
    weights = {t: w for t, w in terms.weights.items() if w > 0}
    if not weights:
        return 0.0, 0.0
    miss = [w for t, w in weights.items() if t not in tokens]
    return (max(miss) / max(weights.values()) if miss else 0.0), sum(miss) / sum(weights.values())


def cross_scores(cross, question: str, cands: list[Candidate]) -> np.ndarray:
    """The cross-encoder's logit for the CROSS_TOP candidates by prior; NaN for the rest."""
    out = np.full(len(cands), np.nan, dtype=np.float32)
    if cross is None or not cands:
        return out
    top = np.argsort(-np.array([c.prior for c in cands]), kind="stable")[:CROSS_TOP]
    out[top] = cross.scores(question, [cands[i].text for i in top])
    return out


def features(question: str, terms: QuestionTerms, qvec: np.ndarray, cands: list[Candidate], kind: str | None = None,
             cross: np.ndarray | None = None) -> np.ndarray:
    """One row of FEATURES per candidate. `kind` overrides what the question asks for (a follow-up read
    with the conversation asks what the follow-up asks: "Who organised it? How much did it cost?").
    `cross`: cross_scores() of these candidates (NaN where not scored; None: none scored)."""
    n = len(cands)
    if n == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    kind = kind or question_kind(question)
    sent_tokens = tokenize([c.text for c in cands])
    win_tokens = tokenize([c.window for c in cands])
    dense = np.stack([c.vec for c in cands]) @ qvec
    prior = np.array([c.prior for c in cands])
    order = np.argsort(-prior, kind="stable")
    rank = np.empty(n)
    rank[order] = np.arange(n)
    q_tokens = set(terms.tokens)
    q_neg = negated(question)
    content = [t for t, w in terms.weights.items() if w > 0]
    unseen_words = terms.unseen() if hasattr(terms, "unseen") else []
    unseen_share = len(unseen_words) / len(content) if content else 0.0
    # Unseen words that are not names: a name the documents never use may be spelled another way,
    # but "budget", "ratify" or "chair" that no document uses is a thing the documents do not say.
    named = set(tokenize([" ".join(_CAP.findall(question))])[0])
    unseen_plain = float(any(t not in named and t not in GENERIC for t in unseen_words))
    rows = []
    for i, c in enumerate(cands):
        st, wt, pt = set(sent_tokens[i]), set(win_tokens[i]), set(c.passage_tokens)
        cov_s, cov_w, cov_p = terms.coverage(sent_tokens[i]), terms.coverage(win_tokens[i]), terms.coverage(c.passage_tokens)
        miss_s, _ = _missing(terms, st)
        miss_w, share_w = _missing(terms, wt)
        miss_p, _ = _missing(terms, pt)
        rows.append([
            dense[i], dense[i] - dense.max(), prior[i], prior[i] - prior.max(), 1.0 / (1.0 + rank[i]),
            cov_s, cov_w, cov_p, 0.0,
            miss_s, miss_w, miss_p, share_w, unseen_share, float(bool(unseen_words)), unseen_plain,
            math.log1p(len(q_tokens)), math.log1p(len(st - q_tokens)), math.log1p(len(sent_tokens[i])),
            *[float(kind == k) for k in KINDS],
            kind_evidence(kind, c.text, question), kind_evidence(kind, c.window, question),
            float(q_neg != negated(c.text)), _names_missing(question, c.window),
            0.0, 0.0, 0.0,
        ])
    x = np.asarray(rows, dtype=np.float32)
    cov = x[:, FEATURES.index("cov_sentence")]
    x[:, FEATURES.index("cov_gap")] = cov - cov.max()
    scored = ~np.isnan(cross) if cross is not None else np.zeros(n, dtype=bool)
    if scored.any():
        # An unscored candidate ranks below every scored one: it reads as the worst of them.
        logit = np.where(scored, cross, np.nanmin(cross))
        x[:, FEATURES.index("cross")] = logit
        x[:, FEATURES.index("cross_gap")] = logit - logit.max()
        x[:, FEATURES.index("cross_scored")] = scored
    return x


def answer_features(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The answerability model's input for each row: the pair model's logit, then the row's features."""
    p = np.clip(probs, 1e-6, 1 - 1e-6)
    return np.concatenate([np.log(p / (1 - p))[:, None], x], axis=1)


GATES = ("type", "unseen")


def gated(x: np.ndarray, gates, prior_floor: float = 0.0) -> np.ndarray:
    """Rows a rule refuses whatever the model says: "type", a typed question ("how many", "when",
    "who", "where") whose sentence and its neighbours hold nothing of that kind; "unseen", a question
    with a word (not a name) that no indexed text uses; "prior", a sentence today's score puts below
    prior_floor (off-topic). Which rules are on is the model file's choice, made by
    citeqa/training/train_judge.py on out-of-fold figures."""
    out = np.zeros(len(x), dtype=bool)
    if "prior" in gates:
        out |= x[:, FEATURES.index("prior")] < prior_floor
    if "type" in gates:
        typed = 1.0 - x[:, FEATURES.index("kind_other")]
        out |= (typed > 0) & (x[:, FEATURES.index("kind_window")] == 0)
    if "unseen" in gates:
        out |= x[:, FEATURES.index("unseen_plain")] > 0
    return out


class _Net:
    """Standardise, then dense layers (ReLU between them), then a sigmoid: logistic regression when
    there is one layer."""

    def __init__(self, spec: dict):
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.layers = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)) for w, b in spec["layers"]]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        for j, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if j < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return 1.0 / (1.0 + np.exp(-h[:, 0]))


class Judge:
    """Two small models: which sentence answers (pair: P(this sentence answers the question)), and
    whether the best one really does (answerable: P(the question is answered), from the pair score
    and the features of that sentence). Below `threshold`, the answer is refused."""

    def __init__(self, model: dict):
        if model.get("features") != FEATURES:
            raise ValueError("judge_model.json was trained on other features: run citeqa/training/train_judge.py again")
        self.pair = _Net(model["pair"])
        # No answerability model: the best pair probability itself decides.
        self.answerable = _Net(model["answerable"]) if model.get("answerable") else None
        self.prior_floor = float(model.get("prior_floor", 0.0))
        self.threshold = float(model["threshold"])
        self.gates = list(model.get("gates", []))
        # A model trained with the cross-encoder's features needs it (shipped beside this module). It loads
        # in the background (~0.2 s: onnxruntime and the session), while the caller opens the index and
        # retrieves; the first score() waits for it.
        self._cross = None
        if model.get("cross"):
            if not CROSS_PATH.is_file():
                raise ValueError(f"judge_model.json needs the cross-encoder, and {CROSS_PATH} is missing: reinstall citeqa")
            self._cross = _in_background(load_cross)
        self.info = {k: v for k, v in model.items() if k not in ("pair", "answerable")}

    @property
    def cross(self):
        return self._cross.result() if self._cross is not None else None

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return self.pair(x)

    def assess(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(pair probabilities, answerability of each row were it the one cited)."""
        if len(x) == 0:
            return np.zeros(0), np.zeros(0)
        probs = self.pair(x)
        able = self.answerable(answer_features(x, probs)) if self.answerable is not None else probs
        return probs, np.where(gated(x, self.gates, self.prior_floor), 0.0, able)

    def score(self, question: str, terms: QuestionTerms, qvec: np.ndarray, cands: list[Candidate], kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.assess(features(question, terms, qvec, cands, kind, cross_scores(self.cross, question, cands)))


def _in_background(fn) -> Future:
    future: Future = Future()

    def run():
        try:
            future.set_result(fn())
        except BaseException as e:  # raised again where the result is wanted
            future.set_exception(e)

    threading.Thread(target=run, daemon=True, name="citeqa-load-cross").start()
    return future


@lru_cache(maxsize=2)
def load_judge(path: str | None = None) -> Judge:
    """The shipped judge (a JSON file of a few kilobytes; nothing is downloaded)."""
    return Judge(json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8")))


def candidates_from(passages, items, prior) -> list[Candidate]:
    """Candidates for (passage, sentence index) items, in that order, with their prior scores."""
    ptoks = dict(zip([p.id for p in passages], tokenize([p.text for p in passages])))
    out = []
    for (p, i), pr in zip(items, prior):
        lo, hi = max(0, i - 1), min(len(p.sentences) - 1, i + 1)
        window = p.sentence_text(p.sentences[lo][0], p.sentences[hi][1])
        out.append(Candidate(p.sentence_text(*p.sentences[i]), window, ptoks.get(p.id) or tokenize([p.text])[0], p.vectors[i], float(pr)))
    return out


__all__ = ["Candidate", "FEATURES", "Judge", "OTHER", "candidates_from", "cross_scores", "features", "load_judge"]
