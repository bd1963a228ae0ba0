"""One browser session's conversation: the questions passed on as history, the messages as shown, the
results whose [n] can be clicked, and the turns for the export. Kept in per-session gr.State (never a
global); every function returns a new dict and leaves its input alone."""

from __future__ import annotations

import html
import json
import logging
from typing import Any

from citeqa.app.rendering import (SHOWN_QUESTION_CHARS, UNSUPPORTED_MARK, answer_blocks, format_answer_markdown,
                                  format_error, format_question, place)
from citeqa.errors import CiteqaError, InputError

log = logging.getLogger("citeqa.app")

MAX_HISTORY = 20  # earlier questions passed on; the answerers use only the last few
# Asks answered at once (the queue's /ask, /chat and chat events share it). An ask is ~15 ms of CPU
# spread over Python, numpy, Chroma and the model (which release the GIL at different times) and the
# event's own HTTP/SSE work: several in flight keep both cores busy; one at a time left them idle.
ASK_CONCURRENCY = 8
UNEXPECTED = "Something went wrong while answering; the details are in the server log."


def parse_history(history: Any) -> list[str]:
    """History from the API: a list of strings, a JSON array of strings, or nothing."""
    if history is None or history == "":
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError:
            raise InputError("The history must be a list of earlier questions (strings) or a JSON array of them.") from None
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise InputError("The history must be a list of earlier questions (strings) or a JSON array of them.")
    return history[-MAX_HISTORY:]


def new_conversation() -> dict:
    """questions: the history passed on; messages: the chat as shown; results: answers by turn (the
    [n] links point into it); turns: question + result or error, for the export."""
    return {"questions": [], "messages": [], "results": [], "turns": []}


def ask_once(assistant, question: Any, conversation: dict, sources: list[str] | None = None) -> tuple[dict | None, str | None]:
    """(result, None) or (None, error message shown to the user). `sources`: the documents it is limited to."""
    try:
        history = list(conversation.get("questions", []))[-MAX_HISTORY:]
        limit = {} if sources is None else {"sources": sources}  # (an Assistant stand-in may take no sources)
        return assistant.ask(question, history=history, **limit), None
    except CiteqaError as e:
        return None, str(e)
    except Exception:
        log.exception("answering failed")
        return None, UNEXPECTED


def ask_stream(assistant, question: Any, conversation: dict, sources: list[str] | None = None):
    """Events of one answer: ("delta", text so far) while a generative answerer writes, then
    ("done", (result, error)) as _ask gives them."""
    history = list(conversation.get("questions", []))[-MAX_HISTORY:]
    try:
        for kind, value in assistant.stream(question, history=history, **({} if sources is None else {"sources": sources})):
            if kind == "delta":
                yield "delta", value
            else:
                yield "done", (value, None)
    except CiteqaError as e:
        yield "done", (None, str(e))
    except Exception:
        log.exception("answering failed")
        yield "done", (None, UNEXPECTED)


def record_turn(conversation: dict | None, question: Any, result: dict | None, error: str | None, echo: bool = True) -> dict:
    """A new conversation dict with this turn added (the input is not mutated)."""
    conversation = conversation or new_conversation()
    questions = list(conversation.get("questions", []))
    messages = list(conversation.get("messages", []))
    results = list(conversation.get("results", []))
    turns = list(conversation.get("turns", []))
    question = question if isinstance(question, str) else ""
    if echo and question.strip():
        messages.append({"role": "user", "content": format_question(question)})
    if result is None:
        reply = format_error(error or UNEXPECTED)
        if question.strip():
            turns.append({"question": question.strip()[:SHOWN_QUESTION_CHARS], "result": None, "error": error})
    else:
        turn = len(results)
        results.append(result)
        reply = format_answer_markdown(result, turn)
        turns.append({"question": question.strip(), "result": result, "error": None})
        if not result.get("error"):
            questions.append(question.strip())
    messages.append({"role": "assistant", "content": reply})
    return {"questions": questions, "messages": messages, "results": results, "turns": turns}


def chat_turn(assistant, question: Any, conversation: dict | None) -> dict:
    """One turn of the chat: a new conversation dict (the input is not mutated)."""
    conversation = conversation or new_conversation()
    result, error = ask_once(assistant, question, conversation)
    return record_turn(conversation, question, result, error)


# -- export ------------------------------------------------------------------------------------------
def _inert(text: str) -> str:
    """&, < and > as entities: a Markdown viewer shows the text as written and no HTML tag can form."""
    return html.escape(str(text), quote=False)


def _md_quote(text: str) -> str:
    lines = [_inert(line.rstrip()) for line in str(text).replace("\r\n", "\n").split("\n")]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def answer_markdown(result: dict) -> list[str]:
    """One answer's blocks as the chat showed them (rendering.answer_blocks), with the export's escaping and
    every source's quote (the chat leaves out a quote the sentence already shows; the file keeps each one)."""
    def source(c: dict) -> list[str]:
        flag = UNSUPPORTED_MARK if not c.get("supported", True) else ""
        return [f"[{c['n']}] {_inert(c['source'] + place(c))}{flag}", _md_quote(c["quote"])]

    return answer_blocks(result, escape=_inert, source=source)


def conversation_markdown(conversation: dict | None) -> str:
    """The conversation as Markdown: each question, then its answer as the chat showed it (answer_markdown).
    Text from documents and users has &, < and > written as entities, so the file renders as text."""
    turns = (conversation or {}).get("turns") or []
    if not turns:
        return ""
    parts = ["# citeqa conversation", ""]
    for i, turn in enumerate(turns, start=1):
        parts += [f"## {i}. {_inert(turn.get('question', '').strip())}", ""]
        result = turn.get("result")
        if turn.get("error") or not result:
            parts += [f"⚠ **Error:** {_inert(turn.get('error') or 'no answer')}", ""]
            continue
        for block in answer_markdown(result):
            parts += [block, ""]
    return "\n".join(parts).rstrip() + "\n"
