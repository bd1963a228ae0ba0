"""Uploads are an operator's power: a visitor who puts a file into Gradio's upload cache and calls the
Sources tab's upload event through the queue by its fn_index is refused; nothing lands in the corpus
folder (not even a file named like an indexed document) and the index is unchanged."""

from queue_client import SEED_NAME, QueueClient, index_state, new_session, snapshot, visitor_app  # noqa: F401

REFUSAL = "✗ Only an operator can add documents; you are signed in as a visitor."


def test_visitor_cannot_upload_through_the_queue(visitor_app, tmp_path):
    url, work, _log = visitor_app
    client = QueueClient(url)
    documents, files = index_state(url), snapshot(work)
    new = tmp_path / "harbour.txt"
    new.write_text("The harbour pilot programme began in Rotterdam in 2019.\n", encoding="utf-8")
    same_name = tmp_path / SEED_NAME
    same_name.write_text("Replaced by a visitor.\n", encoding="utf-8")
    session = new_session()
    for path in (new, same_name):
        reply = client.call("cq-upload", "upload", [[client.upload_file(path)], None], session)
        assert reply["data"][0] == REFUSAL, reply
    assert snapshot(work) == files
    assert index_state(url) == documents
