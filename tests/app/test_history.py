"""Conversations kept on the server per browser: saved whole, listed newest first by their first
question, renamed, deleted; ids that are not ours never reach a path."""

import json
import os

import pytest

from citeqa.app.history import MAX_CONVERSATIONS, ConversationStore, new_id, user_key
from citeqa.errors import InputError


def _conv(question):
    return {"questions": [question], "messages": [], "results": [{"answer": "x", "citations": []}],
            "turns": [{"question": question, "result": {"answer": "x"}, "error": None}]}


def test_save_list_load_rename_delete(tmp_path):
    store = ConversationStore(tmp_path)
    browser, a, b = new_id(), new_id(), new_id()
    store.save(browser, a, _conv("Where was it signed?"), {"answerer": "extractive"})
    store.save(browser, b, _conv("Who organised the conference?"), {"answerer": "extractive"})
    listed = store.list(browser)
    assert [d["id"] for d in listed] == [b, a]  # newest first
    assert listed[1]["title"] == "Where was it signed?" and listed[1]["turns"] == 1
    assert store.load(browser, a)["conversation"]["questions"] == ["Where was it signed?"]
    assert store.load(browser, a)["settings"] == {"answerer": "extractive"}
    store.rename(browser, a, "  Treaty   question ")
    store.save(browser, a, _conv("Where was it signed?"), {})  # a later turn keeps the chosen name
    assert store.load(browser, a)["title"] == "Treaty question"
    store.delete(browser, a)
    assert [d["id"] for d in store.list(browser)] == [b]
    with pytest.raises(InputError, match="deleted"):
        store.load(browser, a)


def test_browsers_do_not_see_each_other(tmp_path):
    store = ConversationStore(tmp_path)
    mine, theirs = new_id(), new_id()
    store.save(mine, new_id(), _conv("mine"), {})
    assert store.list(theirs) == []
    assert user_key("ann") == user_key("ann") != user_key("bob")


@pytest.mark.parametrize("bad", ["../../etc", "..", "a" * 31, "A" * 32, "0" * 31 + "/", None, 5])
def test_ids_that_are_not_ours_never_reach_a_path(tmp_path, bad):
    store = ConversationStore(tmp_path / "conversations")
    with pytest.raises(InputError):
        store.list(bad)
    with pytest.raises(InputError):
        store.load(new_id(), bad)
    with pytest.raises(InputError):
        store.save(bad, new_id(), _conv("x"), {})
    assert not (tmp_path / "etc").exists()


def test_an_unreadable_file_is_skipped_and_old_ones_are_pruned(tmp_path):
    store = ConversationStore(tmp_path)
    browser = new_id()
    store.save(browser, new_id(), _conv("fine"), {})
    (tmp_path / browser / f"{new_id()}.json").write_text("{not json")
    assert [d["title"] for d in store.list(browser)] == ["fine"]
    for i in range(MAX_CONVERSATIONS + 3):
        store.save(browser, new_id(), _conv(f"q{i}"), {})
    assert len(store.list(browser)) == MAX_CONVERSATIONS


def test_the_browser_key_is_made_once_and_kept(tmp_path):
    store = ConversationStore(tmp_path / "c")
    key = store.secret()
    assert len(key) == 64 and ConversationStore(tmp_path / "c").secret() == key
    assert not [f for f in os.listdir(tmp_path / "c") if f.startswith(".tmp-")]  # written whole
    json.dumps(key)
