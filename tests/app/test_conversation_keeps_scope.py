"""A conversation keeps its scope: a visitor ticks one document, asks, and the chat is saved; opened again
in another session (a reload), the same document is ticked and the next question reads it alone. Driven
through the page's own events, as the browser sends them."""

import json

from history_support import call
from queue_client import QueueClient, new_session, visitor_app  # noqa: F401 (a fixture)

QUESTION = "In which city did Thailand sign the UN convention against cybercrime?"


def _ask(client: QueueClient, session: str) -> str:
    """The answer's message, as the chat shows it."""
    client.call("cq-question", "submit", [QUESTION, None], session)
    reply = client.call_index(client.api_index("answer"), [], session)
    return json.dumps(reply["data"][1][-1], ensure_ascii=False)


def _ticks(client: QueueClient, session: str) -> list:
    reply = client.call_index(client.api_index("view"), [], session)
    return client.output_by_type(client.api_index("view"), reply, "checkboxgroup")["value"]


def test_a_reopened_conversation_asks_what_it_asked(visitor_app):
    url, _work, _log = visitor_app
    client = QueueClient(url)
    first = new_session()
    call(client, "identify", first)
    assert _ticks(client, first) == []  # a new chat asks the whole collection
    client.call("cq-scope", "input", [["vault.txt"]], first)
    answered = _ask(client, first)
    assert "Read only: Vault" in answered and "Hanoi" not in answered, answered
    saved = call(client, "save", first)
    conv = client.output_by_type(client.api_index("save"), saved, "radio")["value"]

    second = new_session()  # the page reloaded: a new session, the whole collection again...
    call(client, "identify", second)
    assert _ticks(client, second) == []
    opened = call(client, "open_one", second, radio=conv)  # ...until the conversation is opened
    assert opened["data"][-1].startswith("Opened")
    assert _ticks(client, second) == ["vault.txt"]
    again = _ask(client, second)
    assert "Read only: Vault" in again and "Hanoi" not in again, again
