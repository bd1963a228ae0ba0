"""The citation panel reads only files of the active corpus folder. A document indexed from outside it
(secrets/vault.txt, ingested by `citeqa ingest`) can be cited, but its panel event, called through the
page's own route with the session's conversation, shows the quote as indexed, never the rest of the
file; a document of the corpus opens whole."""

from queue_client import SECRET, SEED_NAME, UNQUOTED, QueueClient, new_session, visitor_app  # noqa: F401

SEED_QUESTION = "In which city did Thailand sign the UN convention against cybercrime?"


def test_panel_never_reads_a_file_outside_the_corpus(visitor_app):
    url, work, _log = visitor_app
    client = QueueClient(url)
    session = new_session()
    outside = client.call_api("chat", ["What is the vault password?", None], session)["data"][0]
    citation = outside["citations"][0]
    assert citation["source"] == "vault.txt" and UNQUOTED not in citation["quote"]
    panel = client.call("cq-panel", "cite", [None], session, event_data={"id": "cite-0-1"})["data"][0]
    assert "outside the corpus folder" in panel and citation["quote"] in panel
    assert "north gate" not in panel

    inside = client.call_api("chat", [SEED_QUESTION, None], session)["data"][0]
    assert inside["citations"][0]["source"] == f"seeds/{SEED_NAME}"
    panel = client.call("cq-panel", "cite", [None], session, event_data={"id": "cite-1-1"})["data"][0]
    first_line = (work / "seeds" / SEED_NAME).read_text(encoding="utf-8").splitlines()[0]
    assert "cq-hit" in panel and first_line[:40] in panel and "outside" not in panel
