"""Answerers: question + retrieved passages -> claims, each tied to the passage sentences that back it.

All answerers share one small contract (`queries` for history-aware retrieval, `answer` for the
draft). The default is extractive: deterministic, offline, it answers with the passages' own
sentences. Generative answerers wrap any LangChain chat model; see `backends.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from citeqa.citations import MARKER, CitedSpan, Claim, attach_support, coverage, parse_claims
from citeqa.errors import AnswererUnavailable, SettingsError
from citeqa.keyword import tokenize
from citeqa.schema import Passage

REFUSAL = "The documents do not say"
_REFUSAL_RE = re.compile(r"^\W*the documents do not (say|answer|mention|contain)", re.I)
# Words that frame a question (the kind of answer wanted, "mentioned", "according to"); the answer
# sentence rarely repeats them, so they neither count for nor against it.
QUESTION_FRAME_WORDS = set(
    tokenize(
        ["city town country countries nation year years date day month time place location person people "
         "name names number amount percentage percent kind type organisation organization company group "
         "mention mentioned say said according describe described document documents text article passage"]
    )[0]
)
PROMPT_DIRS = [Path("prompts"), Path(__file__).resolve().parents[2] / "prompts"]


def refusal_text(question: str) -> str:
    q = " ".join(question.split())
    if len(q) > 200:
        q = q[:200] + "…"
    return f'{REFUSAL}: no indexed passage answers "{q}".'


@dataclass
class Draft:
    claims: list[Claim] = field(default_factory=list)
    refused: bool = False
    text: str = ""  # the answer text as produced, before citation checks (the model's words, for generative)


class Answerer(Protocol):
    name: str

    def queries(self, question: str, history: list[str]) -> tuple[list[str], list[float]]:
        """Search queries and their weights in the fused ranking."""

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft: ...


def load_prompt(name: str, prompt_dir: Path | None = None) -> str:
    for folder in ([prompt_dir] if prompt_dir else []) + PROMPT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise SettingsError(f"Prompt file {name} was not found in {', '.join(map(str, PROMPT_DIRS))}.")


class ExtractiveAnswerer:
    """Scores every sentence of the retrieved passages against the question (meaning and shared
    words), answers with the best one or two, and refuses when even the best scores too low."""

    name = "extractive"

    def __init__(self, embedder, min_score: float = 0.45, max_sentences: int = 2, idf=None):
        self.embedder = embedder
        self.idf = idf
        self.min_score = min_score
        self.max_sentences = max_sentences

    def queries(self, question: str, history: list[str]) -> tuple[list[str], list[float]]:
        if not history:
            return [question], [1.0]
        # Without a model to rewrite the follow-up, read it together with the last questions.
        return [question, " ".join([*history[-2:], question])], [1.0, 0.8]

    def score_sentences(
        self, question: str, history: list[str], passages: list[Passage]
    ) -> list[tuple[float, Passage, int, int]]:
        seen, cands = set(), []
        for p in passages:
            for s, e in p.sentences:
                if (p.source, s, e) not in seen:
                    seen.add((p.source, s, e))
                    cands.append((p, s, e))
        if not cands:
            return []
        texts = [p.sentence_text(s, e) for p, s, e in cands]
        context = " ".join([*history[-2:], question]) if history else None
        heads = [question] + ([context] if context else [])
        vecs = self.embedder.encode(heads + texts)
        sent_vecs = vecs[len(heads) :]
        sent_tokens = tokenize(texts)
        head_tokens = tokenize(heads)
        weights = self._weights({t for h in head_tokens for t in h})
        scores = self._combine(sent_vecs @ vecs[0], [coverage(head_tokens[0], t, weights) for t in sent_tokens])
        if context:
            # The follow-up's own words count most; the conversation fills in what "it" means.
            ctx = self._combine(sent_vecs @ vecs[1], [coverage(head_tokens[1], t, weights) for t in sent_tokens])
            scores = np.maximum(scores, 0.9 * ctx)
        order = np.argsort(-scores, kind="stable")
        return [(float(scores[i]), *cands[i]) for i in order]

    def _weights(self, tokens: set[str]) -> dict[str, float]:
        """idf per question word: a rare word matters more, a word the corpus never uses counts
        against the answer, and words that name the kind of answer ("city", "year") count not at all."""
        tokens = sorted(tokens)
        idf = self.idf(tokens) if self.idf else [1.0] * len(tokens)
        return {t: (0.0 if t in QUESTION_FRAME_WORDS else w) for t, w in zip(tokens, idf)}

    @staticmethod
    def _combine(dense: np.ndarray, lexical: list[float]) -> np.ndarray:
        return 0.5 * np.clip(dense, 0, 1) + 0.5 * np.asarray(lexical)

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft:
        ranked = self.score_sentences(question, history, passages)
        if not ranked or ranked[0][0] < self.min_score:
            return Draft(refused=True, text=refusal_text(question))
        best = ranked[0][0]
        chosen = [ranked[0]]
        for cand in ranked[1 : self.max_sentences]:
            if cand[0] >= max(self.min_score, 0.9 * best):
                chosen.append(cand)
        claims = [
            Claim(" ".join(p.sentence_text(s, e).split()), spans=[CitedSpan(p, s, e, score, True)])
            for score, p, s, e in chosen
        ]
        return Draft(claims=claims, text=" ".join(c.text for c in claims))


class ChatAnswerer:
    """Any LangChain chat model, prompted with numbered passages; its `[n]` markers are checked."""

    def __init__(self, name: str, model, embedder, where: str, prompt_dir: Path | None = None):
        from langchain_core.prompts import ChatPromptTemplate

        self.name = name
        self.model = model
        self.embedder = embedder
        self.where = where
        self.answer_prompt = ChatPromptTemplate.from_messages(
            [("system", load_prompt("answer.system.md", prompt_dir)), ("human", load_prompt("answer.user.md", prompt_dir))]
        )
        self.condense_prompt = ChatPromptTemplate.from_messages([("human", load_prompt("condense.md", prompt_dir))])

    def _invoke(self, prompt, **values) -> str:
        try:
            message = (prompt | self.model).invoke(values)
        except Exception as e:  # connection refused, timeouts, HTTP errors: all mean "no answer"
            reason = " ".join(str(e).split())[:300].rstrip(" .") or type(e).__name__  # "error.." reads badly
            raise AnswererUnavailable(f"The {self.name} answerer ({self.where}) did not answer: {reason}.") from None
        content = message.content if hasattr(message, "content") else message
        if isinstance(content, list):  # content blocks
            content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
        return str(content).strip()

    def queries(self, question: str, history: list[str]) -> tuple[list[str], list[float]]:
        if not history:
            return [question], [1.0]
        standalone = self._invoke(
            self.condense_prompt, history="\n".join(f"- {h}" for h in history[-4:]), question=question
        ).splitlines()
        standalone = next((s.strip() for s in standalone if s.strip()), question)
        return [standalone, question], [1.0, 0.5]

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft:
        if not passages:
            return Draft(refused=True, text=refusal_text(question))
        numbered = "\n\n".join(
            f"[{i}] ({p.source}, lines {p.line_start}-{p.line_end})\n{p.text}" for i, p in enumerate(passages, 1)
        )
        history_block = "".join(f"Earlier question: {h}\n" for h in history[-4:])
        if history_block:
            history_block += "\n"
        text = self._invoke(self.answer_prompt, passages=numbered, question=question, history=history_block)
        if not text or _REFUSAL_RE.match(text):
            # A refusal cites nothing: markers it carries ("... do not say [1].") would point at no citation.
            return Draft(refused=True, text=MARKER.sub("", text).strip() or refusal_text(question))
        claims = attach_support(parse_claims(text), passages, self.embedder)
        if not any(c.spans for c in claims):
            # An answer that cites nothing retrieved is not backed by the documents: refuse it, and do
            # not show its unbacked (possibly invented) sentences as the answer.
            return Draft(refused=True, text=refusal_text(question))
        return Draft(claims=claims, text=text)
