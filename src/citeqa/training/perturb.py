"""Questions the right sentence does not answer, made from ones it does (synthetic "unanswerables").

SQuAD 2.0's unanswerable questions were written by changing an answerable one so that the paragraph no
longer answers it: another name or number, another word, a negation. Its training set is out of reach
here, so the cross-encoder learns the same contrast from SelQA's answerable questions, changed the same
ways and paired with the sentence that answered the original:

- names: a name or number of the question that the sentence holds becomes one the section uses elsewhere;
- words: a content word the sentence shares with the question becomes another word of the section;
- negation: "did" becomes "did not" (only when the sentence has no negation of its own).
"""

from __future__ import annotations

import random
import re

_NAME = re.compile(r"\b(?:[A-Z][\w'’-]+|\d[\d,.]*)")
_WORD = re.compile(r"\b[a-z]{4,}\b")
_AUX = re.compile(r"\b(did|does|do|was|were|is|are|can|could|will|would|has|have|had|should)\b(?= \w)")
_NEG = re.compile(r"\b(not|never|no|n't)\b|n't\b", re.I)
STOP = set("""about above after again against also among another because been before being below between both
could does doing down during each either every from further have having here into itself just least less
more most much must neither only other over same should since some such than that their them then there
these they this those through under until upon very were what when where which while whom whose will with
would your year years first many name named""".split())


def _swap(question: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, question, count=1)


def _names(question: str, gold: str, others: list[str], rng: random.Random) -> str | None:
    q_names = [w for w in _NAME.findall(question)[1:] if w.lower() in gold.lower()]
    if not q_names:
        return None
    old = rng.choice(q_names)
    numeric = old[0].isdigit()
    gold_low, q_low = gold.lower(), question.lower()
    pool = sorted({w for s in others for w in _NAME.findall(s)[1:]
                   if w[0].isdigit() == numeric and w.lower() not in gold_low and w.lower() not in q_low and len(w) > 2})
    return _swap(question, old, rng.choice(pool)) if pool else None


def _words(question: str, gold: str, others: list[str], rng: random.Random) -> str | None:
    gold_words = set(_WORD.findall(gold.lower()))
    shared = [w for w in _WORD.findall(question) if w in gold_words and w not in STOP]
    if not shared:
        return None
    old = rng.choice(shared)
    q_words = set(_WORD.findall(question.lower()))
    pool = sorted({w for s in others for w in _WORD.findall(s) if w not in STOP and w not in gold_words and w not in q_words})
    same_form = [w for w in pool if w[-2:] == old[-2:]]  # "-ed" for "-ed", "-ly" for "-ly": still reads as a question
    pool = same_form or pool
    return _swap(question, old, rng.choice(pool)) if pool else None


def _negation(question: str, gold: str, others: list[str], rng: random.Random) -> str | None:
    if _NEG.search(gold) or _NEG.search(question) or not _AUX.search(question):
        return None
    return _AUX.sub(lambda m: m.group(1) + " not", question, count=1)


RULES = {"names": _names, "words": _words, "negation": _negation}


def perturbations(question: str, gold: str, others: list[str], rng: random.Random, most: int = 2) -> list[tuple[str, str]]:
    """Up to `most` (rule, changed question) pairs, each by another rule, names first (the commonest
    change in SQuAD 2.0), then the others in random order."""
    order = ["names", *rng.sample(["words", "negation"], 2)]
    out = []
    for rule in order:
        changed = RULES[rule](question, gold, others, rng)
        if changed and changed != question:
            out.append((rule, changed))
        if len(out) == most:
            break
    return out
