"""Overview questions ("summarise the document", "what are the main points?", "tell me about scams"):
answered with a few cited sentences that cover different points, in document order.

No model writes anything: the sentences are the documents' own, each with its [n]. They are chosen by
maximal marginal relevance over the stored sentence vectors: relevant to the topic (or, for the whole
corpus, central to its documents) and unlike the sentences already chosen, so the overview does not
repeat one point. A topic the corpus does not touch is refused like any other question.
"""

from __future__ import annotations

import re

import numpy as np

from citeqa.answering.base import Draft, refusal_text
from citeqa.answering.citations import CitedSpan, Claim
from citeqa.answering.scoring import ANSWER, QuestionTerms, sentence_scores
from citeqa.index.keyword import tokenize
from citeqa.schema import Passage

MAX_SENTENCES = 5
MIN_CHARS = 40  # headings and fragments make poor overview sentences
NEAR_DUPLICATE = 0.85  # cosine above which two sentences make the same point
MMR_LAMBDA = 0.7  # relevance vs novelty

# The documents themselves, not a topic: "summarise the document", "what is this article about".
_WHOLE = re.compile(r"^(the |this |these |those |all (the )?|my |our )?(documents?|articles?|texts?|files?|corpus|"
                    r"papers?|reports?|sources?|material|content|it|them|everything)$", re.I)
_PATTERNS = [
    re.compile(r"^(?:can you |could you |please )*(?:summari[sz]e|sum up|recap|outline)\b\s*(?P<topic>.*)$", re.I),
    re.compile(r"^(?:can you |could you |please )*(?:give|write|show)(?: me)? (?:a |an )?(?:short |brief |quick )?"
               r"(?:summary|overview|recap|rundown|synopsis)\b(?: of| on| about)?\s*(?P<topic>.*)$", re.I),
    re.compile(r"^(?:a |an )?(?:short |brief |quick )?(?:summary|overview|tl;?dr)\b(?: of| on| about)?\s*(?P<topic>.*)$", re.I),
    re.compile(r"^(?:can you |could you |please )*(?:tell|teach) (?:me|us) (?:more )?about\s+(?P<topic>.+)$", re.I),
    re.compile(r"^what (?:are|were) the (?:main|key|most important|major) (?:points?|findings?|takeaways?|ideas?|topics?|"
               r"themes?|messages?|facts?)\b(?: of| in| about)?\s*(?P<topic>.*)$", re.I),
    re.compile(r"^what(?:'s| is| are) (?P<topic>.+?) about$", re.I),
    re.compile(r"^what do(?:es)? (?P<topic>the .+?|this .+?|these .+?|[\"“'‘].+?[\"”'’]) say(?: about (?P<about>.+))?$", re.I),
]


def overview_topic(question: str) -> str | None:
    """None for an ordinary question; "" for an overview of the whole corpus; else the topic."""
    q = " ".join(question.strip().rstrip("?.!").split())
    for pattern in _PATTERNS:
        m = pattern.match(q)
        if m:
            topic = (m.groupdict().get("about") or m.group("topic") or "").strip(" ,:;-\"“”'‘’")
            topic = re.sub(r"^(?:of|on|about|in)\s+", "", topic, flags=re.I)
            return "" if not topic or _WHOLE.match(topic) else topic
    return None


class OverviewAnswerer:
    name = "extractive"

    def __init__(self, embedder, keyword=None, min_score: float = 0.45):
        self.embedder = embedder
        self.keyword = keyword
        self.min_score = min_score

    def answer(self, question: str, topic: str, passages: list[Passage]) -> Draft:
        cands = _sentences(passages)
        if not cands:
            return Draft(refused=True, text=refusal_text(question))
        vecs = np.stack([p.vectors[i] for p, i, _ in cands])
        if topic:
            query = self.embedder.encode_queries([topic])[0]
            texts = [t for _, _, t in cands]
            around = dict(zip([p.id for p in passages], tokenize([p.text for p in passages])))
            relevance, _ = sentence_scores(query, QuestionTerms(topic, self.keyword), vecs, tokenize(texts),
                                           [around[p.id] for p, _, _ in cands], ANSWER)
            if float(relevance.max()) < self.min_score:
                return Draft(refused=True, text=refusal_text(question))
        else:
            # The whole corpus: sentences near the centre of what it says.
            centre = vecs.mean(axis=0)
            relevance = vecs @ (centre / max(float(np.linalg.norm(centre)), 1e-9))
        chosen = _mmr(vecs, relevance)
        chosen.sort(key=lambda j: (cands[j][0].source, cands[j][0].sentences[cands[j][1]][0]))  # document order
        claims = []
        for j in chosen:
            p, i, text = cands[j]
            s, e = p.sentences[i]
            claims.append(Claim(" ".join(text.split()), spans=[CitedSpan(p, s, e, float(relevance[j]), True)]))
        return Draft(claims=claims, text=" ".join(c.text for c in claims))


def _sentences(passages: list[Passage]) -> list[tuple[Passage, int, str]]:
    seen, out = set(), []
    for p in passages:
        if p.vectors is None:
            continue
        for i, (s, e) in enumerate(p.sentences):
            text = p.sentence_text(s, e)
            if (p.source, s) in seen or len(text) < MIN_CHARS or not re.search(r"[.!?…][\"'”’)\]]*$", text.strip()):
                continue  # a heading or a fragment, or a sentence already seen in an overlapping passage
            seen.add((p.source, s))
            out.append((p, i, text))
    return out


def _mmr(vecs: np.ndarray, relevance: np.ndarray) -> list[int]:
    chosen: list[int] = []
    order = list(np.argsort(-relevance, kind="stable"))
    while order and len(chosen) < MAX_SENTENCES:
        if chosen:
            similarity = (vecs[order] @ vecs[chosen].T).max(axis=1)
            mmr = MMR_LAMBDA * relevance[order] - (1 - MMR_LAMBDA) * similarity
            best = order[int(np.argmax(mmr))]
            if float((vecs[best] @ vecs[chosen].T).max()) > NEAR_DUPLICATE:
                order.remove(best)
                continue
        else:
            best = order[0]
        chosen.append(int(best))
        order.remove(best)
    return chosen
