"""The extractive answerer (the default): deterministic and offline, it answers with the retrieved
passages' own sentences, the one or two the judge (judge.py) scores best, and refuses when the judge
finds none that answers. Without a judge (judge=None) it ranks by today's score alone and refuses
below min_score: the baseline the quality benchmark compares against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citeqa.answering.base import Draft, needs_history, refusal_text
from citeqa.answering.citations import CitedSpan, Claim
from citeqa.answering.answertype import question_kind
from citeqa.answering.judge import Candidate, load_judge
from citeqa.answering.scoring import ANSWER, QuestionTerms, sentence_scores
from citeqa.answering.short_answer import short_answer
from citeqa.index.keyword import tokenize
from citeqa.schema import Passage


@dataclass
class ScoredSentence:
    score: float  # what ranks sentences: meaning and shared words
    dense: float  # meaning alone (cosine with the question)
    passage: Passage
    start: int
    end: int
    judged: float | None = None  # the judge's probability that the sentence answers (None: no judge)
    answerable: float | None = None  # the judge's probability that citing it answers the question at all
    candidate: Candidate | None = None


SHIPPED = "shipped"
CONTEXT_DISCOUNT = 0.9
SECOND_SHARE = 0.9  # a second sentence is quoted when it scores nearly as well as the first
JUDGED_SECOND_SHARE = 0.3


class ExtractiveAnswerer:
    """Scores every sentence of the retrieved passages against the question (meaning and shared
    words), answers with the best one or two, and refuses when even the best scores too low."""

    name = "extractive"

    def __init__(self, embedder, min_score: float = 0.45, max_sentences: int = 2, keyword=None, judge=SHIPPED):
        self.embedder = embedder
        self.keyword = keyword  # KeywordIndex: word statistics of the indexed documents
        self.min_score = min_score
        self.max_sentences = max_sentences
        self.judge = load_judge() if judge == SHIPPED else judge  # None: today's scorer alone

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
        ranked = []
        for j in np.argsort(-scores, kind="stable"):
            p, i = cands[j]
            lo, hi = max(0, i - 1), min(len(p.sentences) - 1, i + 1)
            window = p.sentence_text(p.sentences[lo][0], p.sentences[hi][1])
            cand = Candidate(texts[j], window, around[j], sent_vecs[j], float(scores[j]))
            ranked.append(ScoredSentence(float(scores[j]), float(dense[j]), p, *p.sentences[i], candidate=cand))
        if self.judge is not None and ranked:
            cs = [r.candidate for r in ranked]
            probs, able = self.judge.score(question, QuestionTerms(question, self.keyword), head_vecs[0], cs)
            if context:
                # As with the score: the conversation may say what "it" is; the follow-up counts most.
                ctx_probs, ctx_able = self.judge.score(
                    context, QuestionTerms(context, self.keyword), head_vecs[1], cs, kind=question_kind(question)
                )
                probs = np.maximum(probs, CONTEXT_DISCOUNT * ctx_probs)
                able = np.maximum(able, CONTEXT_DISCOUNT * ctx_able)
            for r, pr, ab in zip(ranked, probs, able):
                r.judged, r.answerable = float(pr), float(ab)
            ranked.sort(key=lambda r: -r.judged)
        return ranked

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft:
        ranked = self.score_sentences(question, history, passages)
        if self.judge is None:
            value, floor, able, share = (lambda c: c.score), self.min_score, (lambda c: c.score), SECOND_SHARE
        else:
            # The judge's probabilities are peaked: a second sentence at 0.3 of the first is as often
            # quoted as today's at 0.9 of its score (README, Judgement).
            value, floor, able, share = (lambda c: c.judged), 0.0, (lambda c: c.answerable), JUDGED_SECOND_SHARE
            if ranked and able(ranked[0]) < self.judge.threshold:
                return Draft(refused=True, text=refusal_text(question))
        if not ranked or able(ranked[0]) < floor:
            return Draft(refused=True, text=refusal_text(question))
        best = value(ranked[0])
        chosen = [ranked[0]]
        for cand in ranked[1 : self.max_sentences]:
            if value(cand) >= max(floor, share * best):
                chosen.append(cand)
        claims = [
            Claim(" ".join(c.passage.sentence_text(c.start, c.end).split()), spans=[CitedSpan(c.passage, c.start, c.end, value(c), True)])
            for c in chosen
        ]
        top = ranked[0]
        short = short_answer(question, top.passage.sentence_text(top.start, top.end), top.start) if self.judge is not None else None
        return Draft(claims=claims, text=" ".join(c.text for c in claims), short=short)
