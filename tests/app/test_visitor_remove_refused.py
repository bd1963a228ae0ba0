"""A visitor cannot remove documents: the Sources tab's Remove event, called through the queue by its
fn_index (after the session's page-load event filled the document list, so the value is a valid
choice), is refused for a corpus document and for one whose file is outside the corpus folder;
no file moves and the index keeps both."""

from queue_client import SEED_NAME, QueueClient, index_state, new_session, snapshot, visitor_app  # noqa: F401

REFUSAL = "✗ Only an operator can remove documents; you are signed in as a visitor."


def test_visitor_cannot_remove_through_the_queue(visitor_app):
    url, work, _log = visitor_app
    client = QueueClient(url)
    documents, files = index_state(url), snapshot(work)
    session = new_session()
    shown = client.call_index(client.api_index("sources_view"), [], session)["data"]
    choices = [c[0] for c in shown[2]["choices"]]
    assert f"seeds/{SEED_NAME}" in choices and "vault.txt" in choices
    for source in (f"seeds/{SEED_NAME}", "vault.txt"):
        reply = client.call("cq-remove", "click", [source, None], session)
        assert reply["data"] and reply["data"][0] == REFUSAL, reply
    reply = client.call("cq-remove", "click", ["../../etc/hostname", None], session)
    assert reply["data"] is None and "not in the list of choices" in reply["error"]
    assert index_state(url) == documents
    assert snapshot(work) == files and not (work / "index" / "removed").exists()
