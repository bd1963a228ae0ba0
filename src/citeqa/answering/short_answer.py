"""The short answer: the phrase inside the cited sentence that answers ("Hanoi", "December 2025").

Extractive and rule-based: candidate phrases are the sentence's numbers, dates, names and the runs of
content words between stop words; the question's own words are never the answer. A phrase scores for
being of the kind the question asks for (answertype.py), for sitting next to the question's words in
the sentence, and for being short. No SQuAD-style reader ships with its weights in a package this
project can install (README, "Judgement"), so this is a heuristic: its exact match and token F1 on the
squad2 development half are in the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.answering.answertype import NAME_RE, NUMBER, ORDINAL_AFTER, OTHER, PERSON, PLACE, TIME, TIME_RE, YEAR_RE, names, question_kind
from citeqa.index.keyword import STOPWORDS, tokenize

_WORD = re.compile(r"[\w$€£%][\w'’.,%-]*[\w%]|[\w$€£%]")
_STOP = set(STOPWORDS) | {"also", "however", "would", "could", "including", "such"}
_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DATE_RE = re.compile(
    rf"\b(?:\d{{1,2}}\s+{_MONTHS}(?:,?\s+\d{{3,4}})?|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{3,4}})?|{_MONTHS}\s+\d{{4}}"
    r"|(?:the\s+)?(?:early\s+|late\s+|mid-?)?\d{1,2}(?:st|nd|rd|th)[- ]century|\d{3,4}s?(?:\s*(?:BC|AD|BCE|CE))?)\b"
)
AMOUNT_RE = re.compile(
    r"(?:[$€£¥]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|per cent|million|billion|trillion|thousand|hundred))*"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|"
    r"dozen|several|hundreds|thousands|millions)\b(?:\s(?:hundred|thousand|million|billion))*",
    re.I,
)


@dataclass
class ShortAnswer:
    text: str
    start: int  # absolute offsets into the document, [start, end)
    end: int


def _spans(sentence: str, kind: str) -> list[tuple[int, int, float]]:
    """(start, end, kind bonus) of candidate phrases in the sentence."""
    out: list[tuple[int, int, float]] = []
    typed = {NUMBER: [AMOUNT_RE], TIME: [DATE_RE, TIME_RE], PERSON: [NAME_RE], PLACE: [NAME_RE]}.get(kind, [])
    if kind == NUMBER:  # a year is not a count
        out += [(m.start(), m.end(), 0.0 if YEAR_RE.fullmatch(m.group(0).strip(" ,.")) or ORDINAL_AFTER.match(sentence, m.end()) else 1.0)
                for m in AMOUNT_RE.finditer(sentence)]
    elif kind in (PERSON, PLACE):  # a name after "in"/"at"/"from" answers "where" rather than "who"
        out += [(m.start(), m.end(), 1.0 if at == (kind == PLACE) else 0.5) for m, at in names(sentence)]
        if kind == PERSON:  # the agent of a passive ("co-organised by the Government of Thailand") answers "who"
            out += [(m.start(), m.end(), 1.5) for m, at in names(sentence)
                    if re.search(r"\bby\s+(?:the\s+)?$", sentence[max(0, m.start() - 8) : m.start()])]
    else:
        for rx in typed:
            out += [(m.start(), m.end(), 1.0) for m in rx.finditer(sentence)]
    if kind != OTHER:
        # Typed questions still get the other phrases, ranked below typed ones.
        for rx in (DATE_RE, AMOUNT_RE, NAME_RE):
            if rx not in typed:
                out += [(m.start(), m.end(), 0.0) for m in rx.finditer(sentence)]
    run: list[re.Match] = []
    other = 0.3 if kind == OTHER else 0.0
    for w in _WORD.finditer(sentence):
        content = w.group(0).lower() not in _STOP
        if content and (not run or not sentence[run[-1].end() : w.start()].strip()):
            run.append(w)
            continue
        if run:
            out.append((run[0].start(), run[-1].end(), other))
        run = [w] if content else []
    if run:
        out.append((run[0].start(), run[-1].end(), other))
    return out


def short_answer(question: str, sentence: str, offset: int = 0) -> ShortAnswer | None:
    """The phrase of `sentence` (which starts at document offset `offset`) that answers the question."""
    kind = question_kind(question)
    if kind == OTHER:
        # "What was the objective...?" has no phrase-shaped answer these rules can find reliably; a wrong
        # phrase shown in bold above the cited sentence misleads more than none (the sentence stays).
        return None
    q_stems = set(tokenize([question])[0])
    q_lower = question.lower()
    # Where the question's words sit in the sentence: the answer is usually next to them.
    anchors = [m.start() for m in _WORD.finditer(sentence) if set(tokenize([m.group(0)])[0]) & q_stems]
    best, best_score, best_bonus = None, float("-inf"), 0.0
    for start, end, bonus in _spans(sentence, kind):
        text = sentence[start:end].strip(" ,.;:")
        if not text:
            continue
        start = sentence.index(text, start)
        end = start + len(text)
        stems = tokenize([text])[0]
        fresh = [t for t in stems if t not in q_stems]
        if stems and not fresh or text.lower() in q_lower:
            continue  # the question's own words are not its answer
        new_share = len(fresh) / len(stems) if stems else 1.0
        dist = min((abs(a - start) if a < start else abs(a - end) for a in anchors), default=len(sentence))
        n_words = len(text.split())
        score = 2.0 * bonus + new_share - 0.004 * dist - 0.06 * max(0, n_words - 3)
        if score > best_score:
            best, best_score, best_bonus = (start, end), score, bonus
    if best is None or best_bonus < 0.5:
        return None  # nothing of the asked kind (a number, a date, a name): no short answer
    s, e = best
    if kind in (PERSON, PLACE) and _PLURAL.search(question):
        s, e = _list_around(sentence, s, e)
    return ShortAnswer(sentence[s:e], offset + s, offset + e)


# "Which countries ...?", "Who were ...?": the answer is every name of the list, not its first one.
_PLURAL = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:countries|cities|states|nations|people|companies|organi[sz]ations|"
                     r"groups|teams|members|players|places|regions|towns|islands|leaders|agencies|parties|partners)\b"
                     r"|\bwho\s+(?:were|are)\b", re.I)
_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+|or\s+)?(?:the\s+)?|\s+(?:and|or)\s+(?:the\s+)?")


def _list_around(sentence: str, s: int, e: int) -> tuple[int, int]:
    """The whole list of two or more names the span [s, e) is one of ("China, Myanmar, Vietnam, Laos
    and Cambodia"); the span itself when it is in none."""
    spans = [(m.start(), m.end()) for m, _ in names(sentence)]
    at = next((i for i, (a, b) in enumerate(spans) if a <= s and e <= b), None)
    if at is None:
        return s, e
    lo = hi = at
    while hi + 1 < len(spans) and _LIST_SEP.fullmatch(sentence[spans[hi][1] : spans[hi + 1][0]]):
        hi += 1
    while lo > 0 and _LIST_SEP.fullmatch(sentence[spans[lo - 1][1] : spans[lo][0]]):
        lo -= 1
    start, count = spans[lo][0], hi - lo + 1
    # The sentence's first word is never taken for a name (NAME_RE); as a list's first item it is one.
    first = _FIRST_NAME.match(sentence)
    if lo == 0 and first and first.end() < start and _LIST_SEP.fullmatch(sentence[first.end() : start]):
        start, count = 0, count + 1
    return (start, spans[hi][1]) if count >= 2 else (s, e)


_FIRST_NAME = re.compile(r"[A-Z][\w'’&-]*(?:\s+[A-Z][\w'’&-]*)*")
