"""The answerers' shared contract: question + retrieved passages -> a Draft of claims, each tied to the
passage sentences that back it; or a refusal.

Every answerer has `queries` (history-aware search queries) and `answer` (the draft). The default is
extractive (extractive.py); generative ones wrap any LangChain chat model (generative.py, backends.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from citeqa.answering.citations import Claim
from citeqa.errors import SettingsError
from citeqa.schema import Passage

REFUSAL = "The documents do not say"
REFUSAL_RE = re.compile(r"^\W*the documents do not (say|answer|mention|contain)", re.I)
# The working folder's prompts/ first (a user's own prompts), then the project's.
PROMPT_DIRS = [Path("prompts"), Path(__file__).resolve().parents[3] / "prompts"]


# Words that point back into the conversation ("When was that?", "Who co-organised it?"). A question
# without one names its own topic and is read alone: the conversation may tell what a follow-up refers
# to, but must not lend an unrelated question an answer (issue 9.5).
_REFERS_BACK = re.compile(
    r"\b(it|its|itself|that|this|these|those|they|them|their|theirs|there|then|he|him|his|she|her|hers|"
    r"such|same|former|latter|above|aforementioned)\b", re.I,
)


def needs_history(question: str) -> bool:
    """True when the question refers back to the conversation (a pronoun or demonstrative)."""
    return bool(_REFERS_BACK.search(question))


def refusal_text(question: str) -> str:
    q = " ".join(question.split())
    if len(q) > 200:
        q = q[:200] + "…"
    return f'{REFUSAL}: no indexed passage answers "{q}".'


def several_named(topic: str | None, documents: list[tuple[str, str]]) -> "Draft":
    """A question about one document that fits several (`topic` None: it names none): list them, read none."""
    listed = "; ".join(f"{title} ({source})" if title and title != source else source for source, title in documents)
    said = f'Several documents match "{topic}"' if topic else f"This asks about one document, and {len(documents)} are indexed"
    return Draft(refused=True, text=f"{said}: {listed}. Name the one you mean.")


@dataclass
class ShortAnswer:
    """The phrase that answers, inside the first claim's cited sentence ("Hanoi", "22 years")."""

    text: str
    start: int  # absolute offsets into the document, [start, end)
    end: int


@dataclass
class Draft:
    claims: list[Claim] = field(default_factory=list)
    refused: bool = False
    text: str = ""  # the answer text as produced, before citation checks (the model's words, for generative)
    short: ShortAnswer | None = None  # the phrase inside the first claim's cited sentence that answers


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

