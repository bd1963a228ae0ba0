"""Citations: parse `[n]` markers, tie each claim to the sentence(s) of its passage that back it,
check support, and number the citations in order of appearance.

A citation's span is a sentence (or two adjacent ones) inside the cited passage, never the whole
passage, so a person checking it reads one or two sentences; its quote is the document text
[start:end) exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from citeqa.index.keyword import tokenize
from citeqa.schema import Citation, Passage

# A comma between markers ("[1], [2]") goes with them, so the claim text keeps no stray comma.
MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\](?:\s*[,;](?=\s*\[\d))?")
LEADING_MARKERS = re.compile(rf"^(?:{MARKER.pattern})+")
# A claim counts as supported when its best passage sentence is this close in meaning,
# or holds this share of the claim's content words.
SUPPORT_COSINE = 0.6
SUPPORT_COVERAGE = 0.7


@dataclass
class CitedSpan:
    passage: Passage
    start: int
    end: int
    score: float
    supported: bool = True


@dataclass
class Claim:
    """One sentence of an answer and what backs it. `refs` are 1-based passage numbers as the model wrote them."""

    text: str
    refs: list[int] = field(default_factory=list)
    spans: list[CitedSpan] = field(default_factory=list)


def parse_claims(text: str) -> list[Claim]:
    """Split a model's answer into sentences, each with the passage numbers its markers name.

    Markers may sit before or after the full stop ("... Hanoi [1]." or "... Hanoi. [1]"); ones that
    open a sentence belong to the sentence before.
    """
    text = text.strip()
    if not text:
        return []
    import blingfire  # here: only a generated answer is split into claims, and its import costs a cold ask ~60 ms

    sentences = [s for s in blingfire.text_to_sentences(text.replace("\n", " ")).split("\n") if s.strip()]
    claims: list[Claim] = []
    for sentence in sentences:
        lead = LEADING_MARKERS.match(sentence)
        if lead and claims:
            claims[-1].refs += _numbers(lead.group(0))
            sentence = sentence[lead.end() :]
        refs = _numbers(sentence)
        plain = MARKER.sub("", sentence).strip()
        if plain:
            claims.append(Claim(plain, refs))
        elif claims:
            claims[-1].refs += refs
    return claims


def _numbers(s: str) -> list[int]:
    return [int(n) for group in MARKER.findall(s) for n in re.split(r"\s*[,;]\s*", group)]


_NAME_OR_NUMBER = re.compile(r"\b(?:\d[\d.,:/-]*\d|\d|[A-Z][\w'’-]*)")


def missing_names_and_numbers(claim: str, span: str) -> list[str]:
    """Names (capitalised words after the first) and numbers in the claim that the span does not contain.
    A claim that swaps in another place, person or figure ("... signed in Paris") is not backed,
    however many of its other words match."""
    words = _NAME_OR_NUMBER.findall(claim)
    first = re.match(r"\W*([\w'’-]+)", claim)
    if first and words and words[0] == first.group(1) and not words[0][0].isdigit():
        words = words[1:]  # sentence-initial capital says nothing
    span_lower = span.lower()
    span_stems = set(tokenize([span])[0])
    missing = []
    for w in words:
        if w[0].isdigit():
            if w not in span:
                missing.append(w)
        else:
            stems = tokenize([w])[0]
            if stems and not all(t in span_stems for t in stems) and w.lower() not in span_lower:
                missing.append(w)
    return missing


def coverage(claim_tokens: list[str], span_tokens: list[str], weights: dict[str, float] | None = None) -> float:
    """Share of the claim's distinct content words (stemmed, stop words out) that the span contains,
    each word weighted (by idf, say) when weights are given."""
    wanted = set(claim_tokens)
    if weights is not None:
        wanted = {t for t in wanted if weights.get(t, 1.0) > 0}
    if not wanted:
        return 0.0
    have = wanted & set(span_tokens)
    if weights is None:
        return len(have) / len(wanted)
    return sum(weights.get(t, 1.0) for t in have) / sum(weights.get(t, 1.0) for t in wanted)


def attach_support(claims: list[Claim], passages: list[Passage], embedder) -> list[Claim]:
    """For each claim, keep only markers that name a retrieved passage, and point each at the passage
    sentence (or adjacent pair) that best backs the claim, marking it unsupported when none does."""
    cited = sorted({r for c in claims for r in c.refs if 1 <= r <= len(passages)})
    if not cited:
        for c in claims:
            c.refs = []
        return claims
    sent_index: list[tuple[int, int, int]] = []  # (passage number, start, end)
    for r in cited:
        p = passages[r - 1]
        for s, e in p.sentences:
            sent_index.append((r, s, e))
    sent_texts = [passages[r - 1].sentence_text(s, e) for r, s, e in sent_index]
    vectors = embedder.encode([c.text for c in claims] + sent_texts)
    claim_vecs, sent_vecs = vectors[: len(claims)], vectors[len(claims) :]
    sent_tokens = tokenize(sent_texts)
    claim_tokens = tokenize([c.text for c in claims])
    for ci, claim in enumerate(claims):
        claim.refs = [r for r in dict.fromkeys(claim.refs) if 1 <= r <= len(passages)]  # drop markers to nothing
        for r in claim.refs:
            rows = [i for i, (pr, _, _) in enumerate(sent_index) if pr == r]
            if not rows:
                continue
            cos = sent_vecs[rows] @ claim_vecs[ci]
            cov = np.array([coverage(claim_tokens[ci], sent_tokens[i]) for i in rows])
            # Two adjacent sentences together may back a claim neither backs alone.
            best = int(np.argmax(np.maximum(cos, cov)))
            i = rows[best]
            _, start, end = sent_index[i]
            best_cov = cov[best]
            pair = None  # at most one neighbour: the span is one sentence or an adjacent pair, never three
            for j in (best - 1, best + 1):
                if 0 <= j < len(rows):
                    joined = coverage(claim_tokens[ci], sent_tokens[rows[best]] + sent_tokens[rows[j]])
                    if joined > best_cov + 1e-9 and joined >= SUPPORT_COVERAGE:
                        best_cov, pair = joined, j
            if pair is not None:
                start = min(start, sent_index[rows[pair]][1])
                end = max(end, sent_index[rows[pair]][2])
            score = float(max(cos[best], best_cov))
            supported = bool(cos[best] >= SUPPORT_COSINE or best_cov >= SUPPORT_COVERAGE) and not (
                missing_names_and_numbers(claim.text, passages[r - 1].sentence_text(start, end))
            )
            claim.spans.append(CitedSpan(passages[r - 1], start, end, score, supported))
    return claims


def render(claims: list[Claim]) -> tuple[str, list[Citation]]:
    """Answer text with markers renumbered 1..m in order of appearance, and the citations they name.
    The same span cited twice gets one number, unless it backs one claim and not the other: then the
    unsupported use gets its own number, so its flag is not lost under the supported one."""
    numbers: dict[tuple[str, int, int, bool], int] = {}
    citations: list[Citation] = []
    parts = []
    for claim in claims:
        marks = []
        for span in claim.spans:
            key = (span.passage.source, span.start, span.end, span.supported)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                p = span.passage
                line_start = p.line_start + p.text.count("\n", 0, span.start - p.start)
                line_end = line_start + p.text.count("\n", span.start - p.start, max(span.start, span.end - 1) - p.start)
                citations.append(
                    Citation(
                        n=numbers[key],
                        source=p.source,
                        title=p.title,
                        start=span.start,
                        end=span.end,
                        line_start=line_start,
                        line_end=line_end,
                        quote=p.sentence_text(span.start, span.end),
                        score=span.score,
                        supported=span.supported,
                        passage_id=p.id,
                        format=p.format,
                        # page and boxes (PDF), section and block (HTML, DOCX) of the cited sentences
                        **p.span_provenance(span.start, span.end),
                    )
                )
            if numbers[key] not in marks:
                marks.append(numbers[key])
        parts.append(claim.text + "".join(f" [{n}]" for n in marks))
    return " ".join(parts), citations
