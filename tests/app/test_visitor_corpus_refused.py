"""A visitor cannot switch the corpus (or k, or the answerer): the Settings tab's Apply event, called
straight through /gradio_api/queue/join by its fn_index as an attacker would, is refused for /etc, the
secrets folder and even for a folder the operator configured; the settings and the index stay as they
were, and the other folder is never indexed."""

from queue_client import QueueClient, index_state, new_session, visitor_app  # noqa: F401 (a fixture)

REFUSAL = "✗ Only an operator can change the settings; you are signed in as a visitor."


def test_visitor_cannot_switch_the_corpus_through_the_queue(visitor_app):
    url, work, _log = visitor_app
    client = QueueClient(url)
    documents, settings = index_state(url), client.call_api("settings", [], new_session())["data"][0]
    session = new_session()
    for path in ("/etc", str(work / "secrets"), "secrets", "../secrets", str(work / "other")):
        # A path is never a choice: only the labels of the configured folders are.
        reply = client.call("cq-apply", "click", ["extractive", 5, path, None], session)
        assert reply["data"] is None and "not in the list of choices" in reply["error"], reply
    for answerer, k, corpus in (("extractive", 5, "other"), ("extractive", 1, "seeds"), ("openai", 5, "seeds")):
        reply = client.call("cq-apply", "click", [answerer, k, corpus, None], session)
        assert reply["data"][0] == REFUSAL
    assert client.call_api("settings", [], new_session())["data"][0] == settings
    assert index_state(url) == documents
    assert not [source for source, *_ in documents if source.startswith("other/")]  # `other` was never indexed
    reply = client.call_api("ask", ["How many kinds of apples does the orchard grow?", []], session)["data"][0]
    assert reply["refused"] and "forty" not in reply["answer"]  # the other corpus was never switched to
