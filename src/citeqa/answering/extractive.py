"""The extractive answerer (the default): deterministic and offline, it answers with the retrieved
passages' own sentences, the one or two that score best against the question, and refuses when even
the best scores too low.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citeqa.answering.base import Draft, needs_history, refusal_text
from citeqa.answering.citations import CitedSpan, Claim
from citeqa.answering.scoring import ANSWER, QuestionTerms, sentence_scores
from citeqa.index.keyword import tokenize
from citeqa.schema import Passage


@dataclass
class ScoredSentence:
    score: float  # what ranks sentences: meaning and shared words
    dense: float  # meaning alone (cosine with the question)
    passage: Passage
    start: int
    end: int


class ExtractiveAnswerer:
    """Scores every sentence of the retrieved passages against the question (meaning and shared
    words), answers with the best one or two, and refuses when even the best scores too low."""

    name = "extractive"

    def __init__(self, embedder, min_score: float = 0.45, max_sentences: int = 2, keyword=None):
        self.embedder = embedder
        self.keyword = keyword  # KeywordIndex: word statistics of the indexed documents
        self.min_score = min_score
        self.max_sentences = max_sentences

    def queries(self, question: str, history: list[str]) -> tuple[list[str], list[float]]:
        if not history or not needs_history(question):
            return [question], [1.0]
        # Without a model to rewrite the follow-up, read it together with the last questions.
        return [question, " ".join([*history[-2:], question])], [1.0, 0.8]

    def score_sentences(self, question: str, history: list[str], passages: list[Passage]) -> list[ScoredSentence]:
        seen, cands = set(), []
        for p in passages:
            for i, (s, e) in enumerate(p.sentences):
                if (p.source, s, e) not in seen:
                    seen.add((p.source, s, e))
                    cands.append((p, i))
        if not cands:
            return []
        texts = [p.sentence_text(*p.sentences[i]) for p, i in cands]
        context = " ".join([*history[-2:], question]) if history and needs_history(question) else None
        heads = [question] + ([context] if context else [])
        head_vecs = self.embedder.encode_queries(heads)
        if all(p.vectors is not None for p, _ in cands):
            sent_vecs = np.stack([p.vectors[i] for p, i in cands])
        else:  # passages built outside the store carry no vectors
            sent_vecs = self.embedder.encode(texts)
        sent_tokens = tokenize(texts)
        # A sentence's passage counts a little: "How many countries pledged at the Bangkok conference?"
        # is answered by a sentence that names the pledgers next to one that names the conference.
        passage_tokens = dict(zip([p.id for p in passages], tokenize([p.text for p in passages])))
        around = [passage_tokens[p.id] for p, _ in cands]
        scores, dense = sentence_scores(
            head_vecs[0], QuestionTerms(question, self.keyword), sent_vecs, sent_tokens, around, ANSWER
        )
        if context:
            # The follow-up's own words count most; the conversation fills in what "it" means.
            ctx, _ = sentence_scores(
                head_vecs[1], QuestionTerms(context, self.keyword), sent_vecs, sent_tokens, around, ANSWER
            )
            scores = np.maximum(scores, 0.9 * ctx)
        order = np.argsort(-scores, kind="stable")
        return [
            ScoredSentence(float(scores[j]), float(dense[j]), cands[j][0], *cands[j][0].sentences[cands[j][1]])
            for j in order
        ]

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft:
        ranked = self.score_sentences(question, history, passages)
        if not ranked or ranked[0].score < self.min_score:
            return Draft(refused=True, text=refusal_text(question))
        best = ranked[0].score
        chosen = [ranked[0]]
        for cand in ranked[1 : self.max_sentences]:
            if cand.score >= max(self.min_score, 0.9 * best):
                chosen.append(cand)
        claims = [
            Claim(" ".join(c.passage.sentence_text(c.start, c.end).split()), spans=[CitedSpan(c.passage, c.start, c.end, c.score, True)])
            for c in chosen
        ]
        return Draft(claims=claims, text=" ".join(c.text for c in claims))
