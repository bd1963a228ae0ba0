"""Which indexed documents a question names: "summarise the harbour survey", `What does "Harbour Survey
2030" say?`, "what is in lunar-garden.md?".

A document is named by its title or its file name (without the suffix; `-`, `_` and `.` read as spaces).
An overview's topic names a document when every word of the topic is a word of its title or file name
("the harbour report" names harbour_report.pdf); any other question names one only by its whole title or
whole file name, or by a quoted phrase that is one of them, so "When was the lighthouse built?" is not
narrowed to a document that happens to be called "Lighthouse".
"""

from __future__ import annotations

import re
from pathlib import PurePath

_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r"[\"“”‘’'`]([^\"“”‘’'`]{3,200})[\"“”‘’'`]")
# Words that say "a document" without naming one.
_GENERIC = frozenset("the a an this that these those my our document documents doc file files report paper article page "
                     "text note notes pdf".split())


_ONE_DOCUMENT = re.compile(r"\b(?:the|this|that) (?:document|article|text|file|paper|report|page|pdf)\b", re.I)


def refers_to_one_document(question: str) -> bool:
    """"summarise the document": one document, unnamed (with several indexed, the answer asks which)."""
    return bool(_ONE_DOCUMENT.search(question))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("_", " "))


def _names(source: str, title: str) -> list[list[str]]:
    path = PurePath(source)
    return [w for w in (_words(title), _words(path.stem), _words(path.name)) if w]


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def named_by_topic(topic: str, documents: dict[str, str]) -> list[str]:
    """Sources whose title or file name holds every word of an overview's topic (`documents`: source -> title).
    Words like "report" or "document" need not be in the name, but when several documents fit, those whose
    name holds more of the topic's words win ("the harbour report": harbour_report.pdf over harbour-minutes.docx)."""
    words = set(_words(topic))
    want = words - _GENERIC
    if not want:
        return []
    fit: dict[str, int] = {}
    for source, title in documents.items():
        held = [len(words & set(name)) for name in _names(source, title) if want <= set(name)]
        if held:
            fit[source] = max(held)
    best = max(fit.values(), default=0)
    return [s for s, n in fit.items() if n == best]


def named_in_question(question: str, documents: dict[str, str]) -> list[str]:
    """Sources a question names by a whole title or file name (two words or more, or a quoted phrase)."""
    words = _words(question)
    quoted = [_words(q) for q in _QUOTED.findall(question)]
    out = []
    for source, title in documents.items():
        for name in _names(source, title):
            whole = len(name) >= 2 and _contains(words, name)
            if whole or any(q == name for q in quoted):
                out.append(source)
                break
    return out
