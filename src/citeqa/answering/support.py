"""The reader as the citation check of generative answers.

A cited span that passed the lexical and name/number checks (citations.attach_support) is read with the
question (reader.py). Some cited span must answer the question, and the claim citing it must state what
the reader found there: otherwise nothing is supported (a model that quotes the conference sentence for
"Who chaired it?" is not backed). A span whose answer the claim contradicts is not supported either;
other spans are background, kept on the lexical checks.
"""

from __future__ import annotations

import re

from citeqa.answering.citations import Claim
from citeqa.answering.reader import Reader

_WORD = re.compile(r"\w+")


def states(claim: str, phrase: str) -> bool:
    """Whether the claim holds most of the phrase's words ("ten member states" in "... from ten member states ...")."""
    want = set(_WORD.findall(phrase.lower()))
    have = set(_WORD.findall(claim.lower()))
    return bool(want) and len(want & have) >= 0.5 * len(want)


def reader_support(reader: Reader, question: str, claims: list[Claim]) -> list[Claim]:
    """Re-check each supported span of the claims with the reader (in place); returns the claims."""
    spans = [(c, s) for c in claims for s in c.spans if s.supported]
    if not spans:
        return claims
    texts = [s.passage.sentence_text(s.start, s.end) for _, s in spans]
    found = reader.read(question, texts, [s.passage.title for _, s in spans])
    answers = [f is not None and f.margin >= reader.threshold for f in found]
    stated = [a and states(c.text, t[f.start : f.end]) for a, f, t, (c, _) in zip(answers, found, texts, spans)]
    for (claim, span), answers_it, says_it in zip(spans, answers, stated):
        if not any(stated) or (answers_it and not says_it):
            span.supported = False
    return claims
