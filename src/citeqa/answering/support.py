"""The judge as the citation check of generative answers.

A cited span that passes the lexical and name/number checks (citations.attach_support) stays supported
only when the judge agrees. Some cited span must answer the question: when none does, none is
supported (a model that quotes the conference sentence for "What was the budget?" is not backed).
Other claims may be background: their spans must then back the claim's own words.
"""

from __future__ import annotations

import numpy as np

from citeqa.answering.citations import Claim
from citeqa.answering.judge import Candidate, Judge
from citeqa.answering.scoring import ANSWER, QuestionTerms, sentence_scores
from citeqa.index.keyword import tokenize


def _candidates(head_vec, terms: QuestionTerms, texts, windows, vecs, passage_tokens) -> list[Candidate]:
    prior, _ = sentence_scores(head_vec, terms, vecs, tokenize(texts), passage_tokens, ANSWER)
    return [Candidate(t, w, pt, v, float(p)) for t, w, pt, v, p in zip(texts, windows, passage_tokens, vecs, prior)]


def judge_support(judge: Judge, embedder, keyword, question: str, claims: list[Claim]) -> list[Claim]:
    """Re-check each supported span of the claims with the judge (in place); returns the claims."""
    spans = [(c, s) for c in claims for s in c.spans if s.supported]
    if not spans:
        return claims
    texts, windows, ptoks = [], [], []
    for _, s in spans:
        p = s.passage
        texts.append(p.sentence_text(s.start, s.end))
        inside = [i for i, (a, b) in enumerate(p.sentences) if a < s.end and s.start < b] or [0]
        lo, hi = max(0, inside[0] - 1), min(len(p.sentences) - 1, inside[-1] + 1)
        windows.append(p.sentence_text(p.sentences[lo][0], p.sentences[hi][1]) if p.sentences else texts[-1])
        ptoks.append(tokenize([p.text])[0])
    heads = [question] + [c.text for c, _ in spans]
    vecs = embedder.encode(heads + texts)
    head_vecs, span_vecs = vecs[: len(heads)], vecs[len(heads) :]
    q_terms = QuestionTerms(question, keyword)
    _, on_question = judge.score(question, q_terms, head_vecs[0], _candidates(head_vecs[0], q_terms, texts, windows, span_vecs, ptoks))
    answered = bool(np.any(on_question >= judge.threshold))
    for j, (claim, span) in enumerate(spans):
        if on_question[j] >= judge.threshold:
            continue
        if not answered:
            span.supported = False
            continue
        c_terms = QuestionTerms(claim.text, keyword)
        _, own = judge.score(claim.text, c_terms, head_vecs[1 + j],
                          _candidates(head_vecs[1 + j], c_terms, texts[j : j + 1], windows[j : j + 1], span_vecs[j : j + 1], ptoks[j : j + 1]))
        if float(np.max(own)) < judge.threshold:
            span.supported = False
    return claims
