"""Conversations kept on the server per owner: saved whole, listed newest first by their first
question, renamed, deleted; ids that are not ours never reach a path; owners' folder names and visitor
cookies are keyed by the server's secret (not computable from a login, not forgeable), and a login's
folder from before that is moved to its keyed name."""

import os

import pytest

from citeqa.app.history import MAX_CONVERSATIONS, ConversationStore, Owners, legacy_user_key, new_id
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


def test_owner_folders_and_cookies_are_keyed_by_the_server_secret():
    owners, other_server = Owners("a" * 64), Owners("b" * 64)
    assert owners.login_folder("ann") == owners.login_folder("ann") != owners.login_folder("bob")
    assert owners.login_folder("ann") not in (legacy_user_key("ann"), other_server.login_folder("ann"))
    cookie = owners.new_cookie()
    visitor = owners.cookie_visitor(cookie)
    assert visitor and owners.visitor_folder(visitor) != owners.login_folder(visitor)
    assert other_server.cookie_visitor(cookie) is None  # signed by another secret
    forged = f"{new_id()}.{cookie.split('.')[1]}"
    for bad in (forged, visitor, cookie + "0", "", None, "../x.y"):
        assert owners.cookie_visitor(bad) is None


def test_a_logins_old_folder_moves_to_its_keyed_name(tmp_path):
    store = ConversationStore(tmp_path)
    old, conv = legacy_user_key("ann"), new_id()
    store.save(old, conv, _conv("from before"), {})
    folder = store.login_folder("ann")
    assert folder != old and not (tmp_path / old).exists()
    assert [d["title"] for d in store.list(folder)] == ["from before"]
    store.save(old, new_id(), _conv("written by an old process"), {})  # both exist: merged, nothing lost
    assert sorted(d["title"] for d in store.list(store.login_folder("ann"))) == ["from before", "written by an old process"]


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


def test_the_server_secret_is_made_once_and_kept_private(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / ".secret").write_text("published in /config by the old page")
    store = ConversationStore(tmp_path / "c")
    key = store.secret()
    assert len(key) == 64 and ConversationStore(tmp_path / "c").secret() == key
    assert os.listdir(tmp_path / "c") == [".key"]  # written whole; the published key is gone
    assert (tmp_path / "c" / ".key").stat().st_mode & 0o077 == 0  # readable by the server's user only
