"""How well a sentence answers a question: meaning (cosine of embeddings) plus the question's words it
shares, weighted by how rare they are, plus a little for the passage around it.

Shared by retrieval (to rerank candidate passages by their best sentence) and the extractive answerer
(to pick the answer sentence). Sentence vectors are computed at ingest, so scoring embeds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citeqa.answering.citations import coverage
from citeqa.index.keyword import tokenize

# Words that frame a question (the kind of answer wanted, "mentioned", "according to"); the answer
# sentence rarely repeats them, so they neither count for nor against it.
QUESTION_FRAME_WORDS = set(
    tokenize(
        ["city town country countries nation year years date day month time place location person people "
         "name names number amount percentage percent kind type organisation organization company group "
         "mention mentioned say said according describe described document documents text article passage"]
    )[0]
)


@dataclass(frozen=True)
class Weights:
    dense: float
    sentence_words: float
    passage_words: float


# Measured on the squad2 development half (see README, Benchmarks): reranking passages leans on meaning,
# choosing the answer sentence on shared words.
RERANK = Weights(0.5, 0.25, 0.25)
ANSWER = Weights(0.4, 0.4, 0.2)


class QuestionTerms:
    """A question's tokens and their idf weights, computed once per question."""

    def __init__(self, text: str, keyword=None):
        self.text = text
        self.tokens = tokenize([text])[0]
        words = sorted(set(self.tokens))
        idf = keyword.idf(words) if keyword is not None else [1.0] * len(words)
        self.weights = {t: (0.0 if t in QUESTION_FRAME_WORDS else w) for t, w in zip(words, idf)}

    def coverage(self, tokens: list[str]) -> float:
        return coverage(self.tokens, tokens, self.weights)


def sentence_scores(
    question_vec: np.ndarray,
    terms: QuestionTerms,
    sentence_vecs: np.ndarray,
    sentence_tokens: list[list[str]],
    passage_tokens: list[list[str]],
    w: Weights,
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, dense) for each sentence; passage_tokens[i] are the tokens of sentence i's passage."""
    dense = sentence_vecs @ question_vec if len(sentence_vecs) else np.zeros(0)
    own = np.array([terms.coverage(t) for t in sentence_tokens])
    near = np.array([terms.coverage(t) for t in passage_tokens])
    return w.dense * np.clip(dense, 0, 1) + w.sentence_words * own + w.passage_words * near, dense
