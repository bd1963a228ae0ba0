"""Generative answerers: any LangChain chat model, prompted with numbered passages (prompts/); its
`[n]` markers are parsed and each cited sentence is checked against the passage it names.
"""

from __future__ import annotations

from pathlib import Path

from citeqa.answering.base import REFUSAL_RE, Draft, load_prompt, needs_history, refusal_text
from citeqa.answering.citations import MARKER, attach_support, parse_claims
from citeqa.answering.reader import load_reader
from citeqa.answering.support import reader_support
from citeqa.errors import AnswererUnavailable
from citeqa.schema import Passage


def _message_text(message) -> str:
    """The text of a chat model's message or chunk, whether its content is a string or content blocks."""
    content = message.content if hasattr(message, "content") else message
    if isinstance(content, list):
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content)


class ChatAnswerer:
    """Any LangChain chat model, prompted with numbered passages; its `[n]` markers are checked."""

    def __init__(self, name: str, model, embedder, where: str, prompt_dir: Path | None = None, reader="shipped"):
        from langchain_core.prompts import ChatPromptTemplate

        self.name = name
        self.model = model
        self.embedder = embedder
        self.where = where
        self._reader = reader  # "shipped": loaded on first use; None: lexical checks alone
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
        if not history or not needs_history(question):
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
        return self.finish(text, question, passages, history)

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

    def finish(self, text: str, question: str, passages: list[Passage], history: list[str] = ()) -> Draft:
        """Check a complete model answer: refusals, markers, support."""
        text = text.strip()
        if not passages:
            return Draft(refused=True, text=refusal_text(question))
        if not text or REFUSAL_RE.match(text):
            # A refusal cites nothing: markers it carries ("... do not say [1].") would point at no citation.
            return Draft(refused=True, text=MARKER.sub("", text).strip() or refusal_text(question))
        claims = attach_support(parse_claims(text), passages, self.embedder)
        if self._reader == "shipped":
            self._reader = load_reader()
        if self._reader is not None:
            # A follow-up ("Where did it sign it?") is read with the question before it, as the extractive answerer does.
            asked = f"{history[-1]} {question}" if history and needs_history(question) else question
            reader_support(self._reader, asked, claims)
        if not any(c.spans for c in claims):
            # An answer that cites nothing retrieved is not backed by the documents: refuse it, and do
            # not show its unbacked (possibly invented) sentences as the answer.
            return Draft(refused=True, text=refusal_text(question))
        return Draft(claims=claims, text=text)
