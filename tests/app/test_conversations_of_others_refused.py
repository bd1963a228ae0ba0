"""Saved conversations belong to whoever the server says sent the request: the login under --auth, the
signed visitor cookie otherwise; no input of any history event names an owner. Alice saves
conversations through the page's events; bob, with his own login cookie, calls every history event
raw (run/predict and queue/join) with any value he can send (alice's conversation ids, her old-style
folder key, her session id as if leaked, no cookie, a forged cookie) and lists, searches, opens, renames
and deletes nothing of hers. The same holds between two anonymous visitors (and the page's config holds
no owner state and no key). A login's conversations from before (kept under the old sha256 folder
name) are moved to its new folder and stay its own."""

import hashlib
import json
import time

import pytest

from citeqa.app.history import new_id
from citeqa.app.history_panel import NO_COOKIE
from history_support import HISTORY_EVENTS, call, listed, page_owner, save_conversation
from queue_client import QueueClient, login_cookie, make_workspace, new_session, serve, visitor_app  # noqa: F401

QUESTION_A = "In which city did Thailand sign the UN convention against cybercrime?"
QUESTION_B = "Which city hosted the global conference on online scams?"

LEGACY_ALICE = hashlib.sha256(b"user:alice").hexdigest()[:32]  # her folder before: anyone could compute it
ROUTES = ("predict", "queue")


@pytest.fixture(scope="module")
def auth_history_app(tmp_path_factory):
    """--auth alice and bob; alice has a conversation from before, in the old-style folder."""
    work = make_workspace(tmp_path_factory.mktemp("auth-history-app"))
    old = work / "index" / "conversations" / LEGACY_ALICE
    old.mkdir(parents=True)
    conversation = {"questions": ["Alice's old question"], "messages": [{"role": "user", "content": "Alice's old question"}],
                    "results": [], "turns": [{"question": "Alice's old question", "result": None, "error": "x"}]}
    conv = new_id()
    (old / f"{conv}.json").write_text(json.dumps({"id": conv, "title": "Alice's old question", "renamed": False,
                                                  "created": time.time(), "updated": time.time(), "settings": {},
                                                  "conversation": conversation}))
    with serve(work, "--auth", "alice:alice-secret-pw", "--auth", "bob:bob-secret-pw") as (url, _log):
        yield url, work


def _attack(client: QueueClient, sessions: list[str], values: list, secret_text: str, victim: QueueClient,
            leaked: str) -> None:
    """Every history event, both routes, each value in every input it has (an owner key, should an
    event take one, among them): nothing of the victim's comes back. `leaked`: the victim's own
    session id, as if it had leaked; the victim lists her conversations in it before each try, so her
    ids pass the list's own check of choices and only the server's owner check stands in the way.
    (Save is not tried there: it keeps that session's conversation, which a Gradio session id hands to
    whoever holds it.)"""
    for session in [*sessions, leaked]:
        for route in ROUTES:
            for name in HISTORY_EVENTS:
                if name == "save" and session == leaked:
                    continue
                fn, tried = client.api_index(name), []
                for value, owner in [(v, o) for v in values for o in (None, LEGACY_ALICE, v)]:
                    data = client.inputs_by_type(fn, browserstate=owner, radio=value, textbox="renamed by the attacker")
                    if data in tried:
                        continue  # an event without that input: the same call again
                    tried.append(data)
                    if session == leaked:
                        listed(victim, leaked, owner=page_owner(victim, leaked))
                    reply = client.call_index(fn, data, session, route=route)
                    assert secret_text not in json.dumps(reply, ensure_ascii=False), (name, value, owner, reply)
                    if session == leaked and name == "open_one" and value == values[0] and owner is None:
                        # Refused by the owner check: not in the caller's folder (or no cookie, no caller).
                        assert reply["data"][-1] in ("✗ That conversation was deleted.", f"✗ {NO_COOKIE}"), reply


def test_one_login_cannot_reach_anothers_conversations(auth_history_app):
    url, work = auth_history_app
    alice = QueueClient(url, cookie=login_cookie(url, "alice", "alice-secret-pw"))
    bob = QueueClient(url, cookie=login_cookie(url, "bob", "bob-secret-pw"))
    ids = [save_conversation(alice, new_session(), f"Alice asks: {q}") for q in (QUESTION_A, QUESTION_B)]
    alice_session = new_session()
    before = listed(alice, alice_session, owner=page_owner(alice, alice_session))
    assert set(ids) < set(before) and "Alice's old question" in before.values()  # her conversation from before
    bob_session = new_session()
    save_conversation(bob, bob_session, f"Bob asks: {QUESTION_A}")
    assert all(title.startswith("Bob asks") for title in listed(bob, bob_session).values())
    found = call(bob, "search_list", bob_session, textbox="asks")["data"][0]["choices"]  # a word of her titles too
    assert found and all(title.startswith("Bob asks") for title, _conv in found), found
    values = [*before, LEGACY_ALICE, new_id(), "../" + LEGACY_ALICE, None]
    _attack(bob, [bob_session, new_session()], values, "Alice", alice, leaked=alice_session)
    session = new_session()
    owner = page_owner(alice, session)
    assert listed(alice, session, owner=owner) == before  # nothing renamed, nothing deleted
    for conv in before:
        opened = call(alice, "open_one", session, owner=owner, radio=conv)
        assert "Alice" in opened["data"][-1] and "Alice" in json.dumps(opened["data"][2])
    assert not (work / "index" / "conversations" / LEGACY_ALICE).exists()  # moved to her keyed folder


def test_one_visitor_cannot_reach_anothers_conversations(visitor_app):
    url, work, _log = visitor_app
    first, second = QueueClient(url), QueueClient(url)  # two browsers: each keeps the cookie it was given
    assert first.cookies["citeqa_visitor"] != second.cookies["citeqa_visitor"]
    config = json.dumps(first.config)  # what every page gets: no owner state, no key to forge one with
    key = (work / "index" / "conversations" / ".key").read_text().strip()
    assert '"browserstate"' not in config and key not in config and "secret" not in config
    ids = [save_conversation(first, new_session(), f"Visitor one asks: {q}") for q in (QUESTION_A, QUESTION_B)]
    first_session = new_session()
    before = listed(first, first_session, owner=page_owner(first, first_session))
    assert set(ids) == set(before)
    save_conversation(second, new_session(), f"Visitor two asks: {QUESTION_A}")
    values = [*before, LEGACY_ALICE, new_id(), None]
    _attack(second, [new_session()], values, "Visitor one", first, leaked=first_session)
    visitor = first.cookies["citeqa_visitor"].split(".")[0]
    second.keep_cookies = False  # a client that keeps sending the cookie it chose
    for cookie in (None, visitor, f"{visitor}.{'0' * 64}", f"{new_id()}.{second.cookies['citeqa_visitor'].split('.')[1]}"):
        second.cookies = {"citeqa_visitor": cookie} if cookie else {}  # none, unsigned, forged
        assert "cookie" in call(second, "identify", new_session())["data"][1]
        _attack(second, [new_session()], values, "Visitor one", first, leaked=first_session)
    session = new_session()
    assert listed(first, session, owner=page_owner(first, session)) == before
