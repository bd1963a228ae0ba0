"""Collections are an operator's to make, rename, give to logins and delete: a visitor who calls those
events of the Sources tab raw, through /gradio_api/queue/join and /gradio_api/run/predict, with any
values (the names of the collections there are, the name typed to confirm a delete), is refused every
time, and the list of collections stays exactly as it was."""

from queue_client import QueueClient, new_session, visitor_app  # noqa: F401 (a fixture)

EVENTS = {
    "cq-collection-create": ("create collections", [["Mine", ""], ["Mine", "bob"]]),
    "cq-collection-rename": ("rename collections", [["Renamed"]]),
    "cq-collection-share": ("choose who sees a collection", [["bob"], [""]]),
    "cq-collection-delete": ("delete collections", [["seeds"], ["other"]]),
}


def test_visitor_cannot_manage_collections(visitor_app):
    url, work, _log = visitor_app
    client = QueueClient(url)
    before = client.call_api("collections", [], new_session())["data"][0]
    catalog = work / "index" / "collections.json"
    stored = catalog.read_bytes()
    assert [c["name"] for c in before] == ["seeds", "other"]  # the configured folder `other` is one too
    for route in ("predict", "queue"):
        session = new_session()
        for chosen in (None, "other"):  # the session's collection: the default, or the one it picked
            client.call_index(client.api_index("view"), [], session)
            if chosen:
                client.call("cq-collection", "input", [chosen], session)
            for elem, (what, attempts) in EVENTS.items():
                fn_index, _dep = client.dependency(elem, "click")
                for data in attempts:
                    reply = client.call_index(fn_index, data, session, None, client.by_elem[elem], route)
                    assert reply["data"][0] == f"✗ Only an operator can {what}; you are signed in as a visitor.", reply
    assert client.call_api("collections", [], new_session())["data"][0] == before
    assert catalog.read_bytes() == stored
