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

from citeqa.citations import MARKER, CitedSpan, Claim, attach_support, parse_claims
from citeqa.errors import AnswererUnavailable, SettingsError
from citeqa.keyword import tokenize
from citeqa.schema import Passage
from citeqa.scoring import ANSWER, QuestionTerms, sentence_scores

REFUSAL = "The documents do not say"
_REFUSAL_RE = re.compile(r"^\W*the documents do not (say|answer|mention|contain)", re.I)
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


@dataclass
class ScoredSentence:
    score: float  # what ranks sentences: meaning and shared words
    dense: float  # meaning alone (cosine with the question)
    passage: Passage
    start: int
    end: int


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

    def __init__(self, embedder, min_score: float = 0.45, max_sentences: int = 2, keyword=None):
        self.embedder = embedder
        self.keyword = keyword  # KeywordIndex: word statistics of the indexed documents
        self.min_score = min_score
        self.max_sentences = max_sentences

    def queries(self, question: str, history: list[str]) -> tuple[list[str], list[float]]:
        if not history:
            return [question], [1.0]
        # Without a model to rewrite the follow-up, read it together with the last questions.
        return [question, " ".join([*history[-2:], question])], [1.0, 0.8]

    def score_sentences(self, question: str, history: list[str], passages: list[Passage]) -> list[ScoredSentence]:
        seen, cands = set(), []
        for p in passages:
            for i, (s, e) in enumerate(p.sentences):
                if (p.source, s, e) not in seen:
                    seen.add((p.source, s, e))
                    cands.append((p, i))
        if not cands:
            return []
        texts = [p.sentence_text(*p.sentences[i]) for p, i in cands]
        context = " ".join([*history[-2:], question]) if history else None
        heads = [question] + ([context] if context else [])
        head_vecs = self.embedder.encode_queries(heads)
        if all(p.vectors is not None for p, _ in cands):
            sent_vecs = np.stack([p.vectors[i] for p, i in cands])
        else:  # passages built outside the store carry no vectors
            sent_vecs = self.embedder.encode(texts)
        sent_tokens = tokenize(texts)
        # A sentence's passage counts a little: "How many countries pledged at the Bangkok conference?"
        # is answered by a sentence that names the pledgers next to one that names the conference.
        passage_tokens = dict(zip([p.id for p in passages], tokenize([p.text for p in passages])))
        around = [passage_tokens[p.id] for p, _ in cands]
        scores, dense = sentence_scores(
            head_vecs[0], QuestionTerms(question, self.keyword), sent_vecs, sent_tokens, around, ANSWER
        )
        if context:
            # The follow-up's own words count most; the conversation fills in what "it" means.
            ctx, _ = sentence_scores(
                head_vecs[1], QuestionTerms(context, self.keyword), sent_vecs, sent_tokens, around, ANSWER
            )
            scores = np.maximum(scores, 0.9 * ctx)
        order = np.argsort(-scores, kind="stable")
        return [
            ScoredSentence(float(scores[j]), float(dense[j]), cands[j][0], *cands[j][0].sentences[cands[j][1]])
            for j in order
        ]

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft:
        ranked = self.score_sentences(question, history, passages)
        if not ranked or ranked[0].score < self.min_score:
            return Draft(refused=True, text=refusal_text(question))
        best = ranked[0].score
        chosen = [ranked[0]]
        for cand in ranked[1 : self.max_sentences]:
            if cand.score >= max(self.min_score, 0.9 * best):
                chosen.append(cand)
        claims = [
            Claim(" ".join(c.passage.sentence_text(c.start, c.end).split()), spans=[CitedSpan(c.passage, c.start, c.end, c.score, True)])
            for c in chosen
        ]
        return Draft(claims=claims, text=" ".join(c.text for c in claims))


def _message_text(message) -> str:
    """The text of a chat model's message or chunk, whether its content is a string or content blocks."""
    content = message.content if hasattr(message, "content") else message
    if isinstance(content, list):
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content)


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

    def _unavailable(self, e: Exception) -> AnswererUnavailable:
        # Connection refused, timeouts, HTTP errors: all mean "no answer", in one sentence.
        reason = " ".join(str(e).split())[:300].rstrip(" .") or type(e).__name__  # "error.." reads badly
        return AnswererUnavailable(f"The {self.name} answerer ({self.where}) did not answer: {reason}.")

    def _invoke(self, prompt, **values) -> str:
        try:
            message = (prompt | self.model).invoke(values)
        except Exception as e:
            raise self._unavailable(e) from None
        return _message_text(message).strip()

    def queries(self, question: str, history: list[str]) -> tuple[list[str], list[float]]:
        if not history:
            return [question], [1.0]
        standalone = self._invoke(
            self.condense_prompt, history="\n".join(f"- {h}" for h in history[-4:]), question=question
        ).splitlines()
        standalone = next((s.strip() for s in standalone if s.strip()), question)
        return [standalone, question], [1.0, 0.5]

    def _answer_values(self, question: str, history: list[str], passages: list[Passage]) -> dict:
        numbered = "\n\n".join(
            f"[{i}] ({p.source}, lines {p.line_start}-{p.line_end})\n{p.text}" for i, p in enumerate(passages, 1)
        )
        history_block = "".join(f"Earlier question: {h}\n" for h in history[-4:])
        if history_block:
            history_block += "\n"
        return {"passages": numbered, "question": question, "history": history_block}

    def answer(self, question: str, history: list[str], passages: list[Passage]) -> Draft:
        if not passages:
            return Draft(refused=True, text=refusal_text(question))
        text = self._invoke(self.answer_prompt, **self._answer_values(question, history, passages))
        return self.finish(text, question, passages)

    def stream_text(self, question: str, history: list[str], passages: list[Passage]):
        """The model's answer as it is generated, piece by piece; `finish` turns the whole into a Draft."""
        if not passages:
            return
        try:
            for chunk in (self.answer_prompt | self.model).stream(self._answer_values(question, history, passages)):
                text = _message_text(chunk)
                if text:
                    yield text
        except Exception as e:  # the same failures as _invoke, met mid-stream
            raise self._unavailable(e) from None

    def finish(self, text: str, question: str, passages: list[Passage]) -> Draft:
        """Check a complete model answer: refusals, markers, support."""
        text = text.strip()
        if not passages:
            return Draft(refused=True, text=refusal_text(question))
        if not text or _REFUSAL_RE.match(text):
            # A refusal cites nothing: markers it carries ("... do not say [1].") would point at no citation.
            return Draft(refused=True, text=MARKER.sub("", text).strip() or refusal_text(question))
        claims = attach_support(parse_claims(text), passages, self.embedder)
        if not any(c.spans for c in claims):
            # An answer that cites nothing retrieved is not backed by the documents: refuse it, and do
            # not show its unbacked (possibly invented) sentences as the answer.
            return Draft(refused=True, text=refusal_text(question))
        return Draft(claims=claims, text=text)
