"""Under --auth an operator gives a collection to some logins only, and nobody else reaches it: alice (the
operator) makes "Private" for carol and uploads a file holding a secret into it; bob then calls every
endpoint and event that takes a collection or a document, raw through /gradio_api/queue/join and
/gradio_api/run/predict, by its name and by its id (as if he had learnt it), and gets the answer a
collection that does not exist gets, never its documents. Carol does reach it (so the refusals are not
vacuous), until alice takes it back: then her very next question is refused, in the session she had open."""

import json

from queue_client import SECRET, QueueClient, auth_app, login_cookie, new_session  # noqa: F401 (a fixture)

QUESTION = "What is the vault password?"
ROUTES = ("predict", "queue")


def _reply(client: QueueClient, elem: str, event: str, data: list, session: str, route: str | None = None) -> dict:
    fn_index, _dep = client.dependency(elem, event)
    return client.call_index(fn_index, data, session, None, client.by_elem[elem], route)


def _page(client: QueueClient, session: str) -> None:
    """What the page does when it loads: its scope view fills the Collection list with this caller's choices."""
    client.call_index(client.api_index("view"), [], session)


def _ask_in_page(client: QueueClient, session: str, route: str | None = None) -> str:
    """The chat's own answer event, as the page sends it, in this session: its last message (the answer) as
    text, or the whole reply when it holds no messages."""
    client.call("cq-question", "submit", [QUESTION, None], session)
    reply = client.call_index(client.api_index("answer"), [], session, route=route)
    messages = (reply.get("data") or [None, None])[1]
    return json.dumps(messages[-1] if isinstance(messages, list) and messages else reply, ensure_ascii=False)


def _setup(url: str, work) -> tuple[QueueClient, str]:
    alice = QueueClient(url, cookie=login_cookie(url, "alice", "alice-secret-pw"))
    session = new_session()
    made = _reply(alice, "cq-collection-create", "click", ["Private", "carol"], session)["data"][0]
    assert made.startswith("✓ Created Private for carol"), made
    vault = work / "secrets" / "vault.txt"
    uploaded = alice.call("cq-upload", "upload", [[alice.upload_file(vault)]], session)["data"][0]
    assert uploaded.startswith("✓ vault.txt added"), uploaded
    catalog = json.loads((work / "index" / "collections.json").read_text())
    return alice, next(c["id"] for c in catalog["collections"] if c["name"] == "Private")


def test_a_collection_given_to_carol_is_out_of_bobs_reach(auth_app):
    url, work, _log = auth_app
    alice, private_id = _setup(url, work)
    bob = QueueClient(url, cookie=login_cookie(url, "bob", "bob-secret-pw"))
    session = new_session()
    _page(bob, session)
    for name in ("Private", "private", private_id):
        for route in ROUTES:
            for api, data in (("ask", [QUESTION, [], name, None]), ("documents", [name]),
                              ("chat", [QUESTION, name, None])):
                reply = bob.call_index(bob.api_index(api), data, session, route=route)
                text = json.dumps(reply, ensure_ascii=False)
                assert SECRET not in text and "vault" not in text and "There is no collection" in text, (api, route, text)
            # The page's Collection list and Sources ticks: refused, and the chat still asks the default.
            reply = _reply(bob, "cq-collection", "input", [name], session, route)
            assert "Private" not in json.dumps(reply.get("data")) and SECRET not in json.dumps(reply)
            _reply(bob, "cq-scope", "input", [["uploads/vault.txt"]], session, route)
            answered = _ask_in_page(bob, session, route)
            assert SECRET not in answered and (route == "predict" or '"assistant"' in answered), answered
    # A document of Private named in the default collection is not in it.
    reply = bob.call_index(bob.api_index("ask"), [QUESTION, [], None, ["uploads/vault.txt"]], session)
    assert reply["error"] and "Not in the collection seeds" in reply["error"]
    assert [c["name"] for c in bob.call_api("collections", [], session)["data"][0]] == ["seeds"]
    listed = json.dumps(bob.call_index(bob.api_index("sources_view"), [], session), ensure_ascii=False)
    assert "vault" not in listed
    # A question set that names the collection, uploaded on the Regression tab.
    bad = work / "private-set.yaml"
    bad.write_text(f"name: peek\ncollection: Private\nquestions:\n  - {{id: a, question: \"{QUESTION}\", "
                   "expect: {contains: [hunter2]}}\n", encoding="utf-8")
    summary, _rows = bob.call("cq-run", "click", [None, bob.upload_file(bad)], session)["data"]
    assert summary.startswith("✗ There is no collection 'Private' you can see") and SECRET not in summary

    # Carol sees it: the refusals above are about bob, not about a collection nobody can reach.
    carol = QueueClient(url, cookie=login_cookie(url, "carol", "carol-secret-pw"))
    answer = carol.call_index(carol.api_index("ask"), [QUESTION, [], "Private", None], new_session())["data"][0]
    assert "hunter2" in answer["answer"] and answer["scope"]["collection"] == "Private"
    open_session = new_session()
    _page(carol, open_session)
    _reply(carol, "cq-collection", "input", ["Private"], open_session)
    assert "hunter2" in _ask_in_page(carol, open_session)
    # Alice takes it back: carol's next question in the same session is refused.
    taken = _reply(alice, "cq-collection-share", "click", ["alice"], _alice_session(alice))["data"][0]
    assert taken.startswith("✓ Private is now seen by alice"), taken
    reply = _ask_in_page(carol, open_session)
    assert SECRET not in reply and "no longer there for you" in reply


def _alice_session(alice: QueueClient) -> str:
    """A session of alice's whose chat asks Private (the share event acts on the session's collection)."""
    session = new_session()
    _page(alice, session)
    _reply(alice, "cq-collection", "input", ["Private"], session)
    return session
