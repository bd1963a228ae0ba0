"""Issue 19 item 3: in the Chroma server too, an owner keeps at most MAX_CONVERSATIONS conversations: the
oldest go first, and no other owner's are touched."""

import pytest

from citeqa.app import history
from citeqa.app.history import new_id
from citeqa.app.history_server import conversation_store

pytestmark = pytest.mark.server


def test_server_store_keeps_the_newest(tmp_path, make_settings, chroma_server, monkeypatch):
    monkeypatch.setattr(history, "MAX_CONVERSATIONS", 3)
    store = conversation_store(make_settings(chroma_url=chroma_server))
    mine, theirs = store.owners.visitor_folder(new_id()), store.owners.visitor_folder(new_id())
    kept_theirs = new_id()
    store.save(theirs, kept_theirs, {"questions": ["Theirs?"], "turns": [{"question": "Theirs?"}]}, {})
    saved = []
    for i in range(5):
        saved.append(new_id())
        store.save(mine, saved[-1], {"questions": [f"Question {i}?"], "turns": [{"question": f"Question {i}?"}]}, {})
    assert [d["id"] for d in store.list(mine)] == saved[:1:-1]  # the three newest, newest first
    assert [d["id"] for d in store.list(theirs)] == [kept_theirs]
