"""The reader's training data: SQuAD questions against paragraphs, with the answer's characters or none.

Sources (../shared/train, CC BY-SA 4.0; README "Reader"): SQuAD 1.1 train (all answerable), SQuAD 2.0
train's first 10 articles (its unanswerable questions; the answerable ones repeat SQuAD 1.1's), and the
SQuAD 2.0 dev articles of that folder except the bench's question articles, which stay out for choosing
and calibrating (`held_out`). Besides the human-written unanswerables, each question is also asked of
another paragraph of its article that shares its words but not its answer (a near miss, as retrieval
hands the reader), labelled unanswerable; and, optionally, rewritten with one of its names or numbers that
the paragraph holds swapped for another of its article's that the paragraph lacks (a swap: SQuAD 2.0's
commonest kind of human-written unanswerable question, made by rule), labelled unanswerable.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from citeqa.answering.reader import lead

SQUAD11 = "squad11-train.json.gz"
SQUAD2_TRAIN = "squad2-train-first10articles.json.gz"
SQUAD2_DEV = "squad2-dev-27articles.json.gz"
_WORD = re.compile(r"\w+")
_STOP = frozenset("the a an of in on at to for and or is was were are be by with what which who whom whose when where "
                  "why how did does do that this from as it its their his her they he she".split())


@dataclass(frozen=True)
class Example:
    question: str
    context: str
    answer_start: int | None  # characters into context; None: the context does not answer it
    answer_text: str
    kind: str  # "answer", "unanswerable" (human-written), "near-miss" (another paragraph of its article), "swap"
    article: str
    answers: tuple[str, ...] = ()  # every gold text, for scoring
    lead: int = 0  # characters of context before the paragraph (its title, see answering/reader.lead): never an answer

    def golds_lower(self) -> list[str]:
        """Every gold text, lower-cased: what another paragraph or a swapped name must not contain."""
        return [a.lower() for a in (self.answers or (self.answer_text,))]


def norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", title.lower())


def bench_articles(bench: Path) -> set[str]:
    """The squad2 bench's question articles (by normalised title): the gold documents of its questions."""
    titles = set()
    for line in (bench / "squad2" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        for g in json.loads(line)["gold"]:
            titles.add(norm_title(Path(g["doc"]).stem))
    return titles


def _load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)["data"]


def _examples(articles: list[dict], source: str, skip_answerable: bool = False, titled: bool = False) -> list[Example]:
    out = []
    for art in articles:
        head = lead(art["title"]) if titled else ""
        for para in art["paragraphs"]:
            ctx = head + para["context"]
            for qa in para["qas"]:
                texts = tuple(a["text"] for a in qa.get("answers", []))
                if qa.get("is_impossible") or not texts:
                    out.append(Example(qa["question"], ctx, None, "", "unanswerable", art["title"], lead=len(head)))
                elif not skip_answerable:
                    a = qa["answers"][0]
                    out.append(Example(qa["question"], ctx, len(head) + a["answer_start"], a["text"], "answer", art["title"],
                                       texts, lead=len(head)))
    return out


def _content(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def near_misses(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """For a share of the answerable questions: the paragraph of the same article most like the question
    that holds none of its answers (case-insensitive), labelled unanswerable."""
    by_article: dict[str, dict[str, None]] = {}
    for e in examples:
        by_article.setdefault(e.article, {})[e.context] = None  # a dict keeps each paragraph once, in order
    words = {c: _content(c) for paras in by_article.values() for c in paras}
    out = []
    for e in examples:
        if e.answer_start is None or rng.random() >= share:
            continue
        q = _content(e.question)
        answers = e.golds_lower()
        best, best_overlap = None, 0
        for c in by_article[e.article]:
            if c == e.context or any(a in c.lower() for a in answers):
                continue
            overlap = len(q & words[c])
            if overlap > best_overlap:
                best, best_overlap = c, overlap
        if best is not None:
            out.append(Example(e.question, best, None, "", "near-miss", e.article, lead=e.lead))
    return out


_NAME = re.compile(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)*")
_NUMBER = re.compile(r"\b\d[\d,]*\b")


def _anchors(text: str) -> list[tuple[str, str]]:
    """(shape, phrase) for the names and numbers in a text; a shape pairs a phrase with its stand-ins.
    A lone capitalised word opening a sentence is not taken for a name, nor an initial (U.S.)."""
    out = [(f"number{len(m.group())}", m.group()) for m in _NUMBER.finditer(text)]
    for m in _NAME.finditer(text):
        words = m.group().split(" ")
        before = text[max(0, m.start() - 2) : m.start()].rstrip(" ")
        if not before or before[-1] in ".?!:;\"(":  # a sentence's first word is capitalised anyway
            if words[0].lower() in _STOP:
                words = words[1:]
            elif len(words) == 1:
                continue
        if text[m.end() : m.end() + 1] == "." and text[m.end() + 1 : m.end() + 2].isalpha():
            continue  # an initial: U.S., J.R.R.
        if words and len(" ".join(words)) > 2 and not any(w.lower() in _STOP for w in words):
            out.append((f"name{len(words)}", " ".join(words)))
    return out


def _whole(phrase: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


def swaps(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """For a share of the answerable questions: the question with one name or number that its paragraph
    holds (outside the answer) replaced by one of the same shape from its article that the paragraph
    lacks, so the paragraph still matches it word for word but no longer answers it; unanswerable."""
    pool: dict[tuple[str, str], set[str]] = {}
    for e in examples:
        for shape, phrase in _anchors(e.context):
            pool.setdefault((e.article, shape), set()).add(phrase)
    pools = {k: sorted(v) for k, v in pool.items()}
    out = []
    for e in examples:
        if e.answer_start is None or rng.random() >= share:
            continue
        answers = e.golds_lower()
        held = [(shape, p) for shape, p in _anchors(e.question)
                if _whole(p).search(e.context) and not any(p.lower() in a for a in answers)]
        if not held:
            continue
        shape, phrase = rng.choice(held)
        lower = e.context.lower()
        stand_ins = [c for c in pools.get((e.article, shape), ()) if c.lower() not in lower]
        if stand_ins:
            stand_in = rng.choice(stand_ins)
            question = _whole(phrase).sub(lambda _: stand_in, e.question, count=1)
            out.append(Example(question, e.context, None, "", "swap", e.article, lead=e.lead))
    return out


def load_training(train_dir: Path, bench: Path, near_miss_share: float, unanswerable_repeat: int,
                  squad11_share: float, rng: random.Random, swap_share: float = 0.0, titled: bool = False) -> list[Example]:
    """The training mixture, bench question articles excluded (see the module's docstring); `titled`: each
    paragraph read after its article's title."""
    held = bench_articles(bench)
    dev = [a for a in _load(train_dir / SQUAD2_DEV) if norm_title(a["title"]) not in held]
    squad11 = _examples(_load(train_dir / SQUAD11), "squad11", titled=titled)
    squad11 = [e for e in squad11 if rng.random() < squad11_share]
    squad2 = (_examples(dev, "squad2-dev", titled=titled)
              + _examples(_load(train_dir / SQUAD2_TRAIN), "squad2-train", skip_answerable=True, titled=titled))
    assert not {norm_title(e.article) for e in squad11 + squad2} & held, "a bench article reached training"
    human_no = [e for e in squad2 if e.answer_start is None]
    rows = squad11 + [e for e in squad2 if e.answer_start is not None] + human_no * unanswerable_repeat
    rows += near_misses(squad11 + squad2, near_miss_share, rng)
    if swap_share:  # drawn only when asked, so the shipped run's mixture and order stay as they were
        rows += swaps(squad11 + squad2, swap_share, rng)
    rng.shuffle(rows)
    return rows


def load_held_out(train_dir: Path, bench: Path, rng: random.Random, near_miss_share: float = 0.3,
                  titled: bool = False) -> list[Example]:
    """The bench's question articles from the SQuAD 2.0 dev file: for choosing checkpoints and calibrating."""
    held = bench_articles(bench)
    arts = [a for a in _load(train_dir / SQUAD2_DEV) if norm_title(a["title"]) in held]
    rows = _examples(arts, "held-out", titled=titled)
    return rows + near_misses(rows, near_miss_share, rng)


def held_out_sample(train_dir: Path, bench: Path, seed: int, size: int, titled: bool = False) -> list[Example]:
    """The held-out examples training scores at each evaluation: `size` of them, in the seed's order."""
    held = load_held_out(train_dir, bench, random.Random(seed), titled=titled)
    random.Random(seed).shuffle(held)
    return held[:size]
