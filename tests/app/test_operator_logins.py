"""Under --auth, `--operator alice` makes the login alice an operator; bob, logged in too, is a visitor.
The role is read from the login on the server for every call (through the queue, with each login's
cookie), so bob cannot re-index, and a session bob opened cannot borrow alice's role."""

from queue_client import QueueClient, auth_app, login_cookie, new_session  # noqa: F401 (a fixture)


def test_only_the_operator_login_can_reindex(auth_app):
    url, _work, _log = auth_app
    alice = QueueClient(url, cookie=login_cookie(url, "alice", "alice-secret-pw"))
    bob = QueueClient(url, cookie=login_cookie(url, "bob", "bob-secret-pw"))
    assert bob.call("cq-reindex", "click", [None], new_session())["data"][0] == \
        "✗ Only an operator can re-index the corpus; you are signed in as a visitor."
    assert alice.call("cq-reindex", "click", [None], new_session())["data"][0].startswith("Re-indexed seeds:")
    # Sign-in is off here (no operator password): bob cannot become an operator by the sign-in event.
    session = new_session()
    _role, _box, message = bob.call("cq-operator-password", "submit", ["alice-secret-pw", None], session)["data"]
    assert message.startswith("✗ Operator sign-in is off")
    assert "Only an operator" in bob.call("cq-reindex", "click", [None], session)["data"][0]
