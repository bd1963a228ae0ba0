"""What a question asks for (a number, a time, a person or organisation, a place) and whether a piece
of text holds something of that kind that the question does not already say.

Rules, not a tagger: no NER model ships with its weights in a package this project can install (see
README, "Judgement"), and these rules are what the judge's features and the short answer read.
"""

from __future__ import annotations

import re

NUMBER, TIME, PERSON, PLACE, OTHER = "number", "time", "person", "place", "other"
KINDS = (NUMBER, TIME, PERSON, PLACE, OTHER)

_MONTHS = "january february march april may june july august september october november december"
_MONTH_RE = "|".join(_MONTHS.split() + [m[:3] + r"\." for m in _MONTHS.split()])
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds "
    "thousand thousands million millions billion billions trillion dozen dozens half quarter twice"
)
ORDINAL_AFTER = re.compile(r"(?:st|nd|rd|th)\b", re.I)
YEAR_RE = re.compile(r"(?:1[0-9]|20)\d\d")
NUMBER_RE = re.compile(rf"(?:[$€£¥]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|per cent))?|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b", re.I)
TIME_RE = re.compile(
    rf"\b(?:1\d{{3}}|20\d{{2}})s?\b|\b(?:{_MONTH_RE})\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b\d+(?:st|nd|rd|th)?[- ]centur(?:y|ies)\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    r"eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)"
    r"[- ]centur(?:y|ies)\b|\b(?:century|decade|decades|era|period|dynasty|ago|today|yesterday|recently|later|earlier|"
    r"until|since|spring|summer|autumn|winter|\d+\s?(?:BC|AD|BCE|CE))\b"
    # Times of day: "at nine", "9:30", "10 am", "noon", "at dawn", "in the evening".
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\b(?:noon|midday|midnight|o'clock|"
    r"dawn|dusk|sunrise|sunset|morning|afternoon|evening|night|tonight|daily|weekly|monthly|annually)\b"
    # ("from ten member states" is a count, not a time: the hour must not be followed by a noun.)
    r"|\b(?:at|by|from|until|after|before)\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\b"
    r"(?![ \t]+(?!(?:and|or|to|in|on|at|until|till|the|a|p)\b)[a-z]{2,})",
    re.I,
)
# A capitalised word that is not the first of its sentence: a rough name (person, organisation, place).
NAME_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’&-]*(?:\s+(?:of|the|de|von|van|and|&)?\s*[A-Z][\w'’&-]*)*")
PLACE_BEFORE_RE = re.compile(r"\b(?:in|at|from|near|into|across|throughout|outside|inside|between|to)\s+(?:the\s+)?$", re.I)
# Three or more names: "Thailand, Bangladesh, Nepal, Peru and the United Arab Emirates" (clauses such as
# "In 2020, the city, which grew, and ..." are not lists).
LIST_RE = re.compile(r"(?:\b[A-Z][^,;.()]{1,40},\s+){2,}(?:[^,;.()]{1,40}?\s+)?(?:and|or)\s+\w")
_NAME_STOP = {"The", "A", "An", "In", "On", "At", "It", "This", "That", "These", "Those", "He", "She", "They", "We", "I"}

_Q_PATTERNS = [
    (NUMBER, r"\bhow\s+(?:many|much|long|far|old|large|big|tall|high|deep|wide|often|fast|heavy)\b"
             r"|\bwhat\s+(?:is\s+the\s+|was\s+the\s+|were\s+the\s+)?(?:percentage|percent|number|amount|size|population|"
             r"proportion|share|rate|cost|price|budget|total|length|height|area|temperature|speed|age|distance)\b"),
    (TIME, r"\bwhen\b|\b(?:what|which|in\s+what|in\s+which)\s+(?:year|years|date|century|decade|month|day|time|period|era|season)\b"
           r"|\bhow\s+long\s+ago\b"),
    (PERSON, r"\bwho(?:m|se)?\b|\b(?:what|which)\s+(?:person|people|man|woman|company|organi[sz]ation|group|king|queen|"
             r"president|leader|author|scientist|team|agency|party|family|tribe|band|artist|player|emperor|general)\b"),
    (PLACE, r"\bwhere\b|\b(?:what|which|in\s+what|in\s+which)\s+(?:city|cities|country|countries|place|region|location|"
            r"state|town|continent|island|river|area|province|county|nation|capital|village|site|venue)\b"),
]
_Q_RES = [(kind, re.compile(p, re.I)) for kind, p in _Q_PATTERNS]


_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
_BARE = {"when", "where", "who", "whom", "whose"}


def question_kind(question: str) -> str:
    """The kind of answer a question wants; the earliest cue in the question wins ("Who ... in which year"
    asks who). A bare when/where/who counts only as the question's own wh-word: in "What do pangolins do
    when they are threatened?" it opens a clause, and the question asks what, not when."""
    first = _WH.search(question)
    best, at = OTHER, len(question) + 1
    for kind, rx in _Q_RES:
        for m in rx.finditer(question):
            if m.group(0).lower() in _BARE and first is not None and m.start() != first.start():
                continue
            if m.start() < at:
                best, at = kind, m.start()
            break
    return best


_CALENDAR = re.compile(rf"^(?:{_MONTH_RE}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$", re.I)


def names(text: str) -> list[tuple[re.Match, bool]]:
    """Capitalised names in the text (months and days left out), each with whether a place word
    ("in", "at", "from", ...) comes right before it."""
    out = []
    for m in NAME_RE.finditer(text):
        if m.group(0) in _NAME_STOP or _CALENDAR.match(m.group(0)):
            continue
        out.append((m, bool(PLACE_BEFORE_RE.search(text[max(0, m.start() - 16) : m.start()]))))
    return out


def _new(found: list[str], question_lower: str) -> list[str]:
    """What the question does not already say (whole words: "ten" is not in "attended")."""
    return [f for f in found if not re.search(rf"(?<!\w){re.escape(f.lower())}(?!\w)", question_lower)]


def kind_evidence(kind: str, text: str, question: str) -> float:
    """1.0 when the text holds something of the wanted kind that the question does not already say
    (a number for "how many", a year or month for "when", a name for "who"/"where"); 0.5 for a weaker
    cue; 0.0 when it holds none. Questions of another kind always get 1.0."""
    q = question.lower()
    if kind == NUMBER:
        # A year is a time, not a count: "How many delegates ..." is not answered by "in 2025".
        # An ordinal ("the 43rd conference") names which one, not how many.
        found = [m.group(0).rstrip(".,") for m in NUMBER_RE.finditer(text) if not ORDINAL_AFTER.match(text, m.end())]
        found = [f for f in found if not YEAR_RE.fullmatch(f)]
        if _new(found, q):
            return 1.0
        # "How many countries pledged?" is answered by naming them: a list of three or more is a count
        # the reader makes (a weaker cue than a figure; "how much" is never answered so).
        return 0.5 if "how many" in q and LIST_RE.search(text) else 0.0
    if kind == TIME:
        hits = _new([m.group(0) for m in TIME_RE.finditer(text)], q)
        if any(re.search(r"\d", h) or re.match(rf"(?:{_MONTH_RE})", h, re.I) for h in hits):
            return 1.0
        return 0.5 if hits else 0.0
    if kind in (PERSON, PLACE):
        found = [(m, at) for m, at in names(text) if _new([m.group(0)], q)]
        if not found:
            return 0.0
        # A name after "in"/"at"/"from" is most likely a place: it answers "where", hardly "who".
        fitting = [m for m, at in found if at == (kind == PLACE)]
        return 1.0 if fitting else 0.5
    return 1.0


NEGATION_RE = re.compile(r"\b(?:not|no|never|none|neither|nor|without|n't|cannot|fail(?:ed|s)? to)\b|n't\b", re.I)


def negated(text: str) -> bool:
    return bool(NEGATION_RE.search(text))
