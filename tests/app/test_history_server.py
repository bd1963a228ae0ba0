"""Issue 19 item 3: with a Chroma server, conversations follow the user across app processes. Two stores
made from two settings (separate, empty index folders; one server) stand for two processes behind a
load balancer without sticky sessions: what one saves the other lists, opens, renames and deletes; a
visitor cookie one issued the other accepts; another owner sees nothing; nothing is written under
either index folder."""

import pytest

from citeqa.app.history import new_id
from citeqa.app.history_server import conversation_store
from citeqa.app.history_server import ServerConversationStore
from citeqa.errors import InputError

pytestmark = pytest.mark.server


def _conv(*questions):
    return {"questions": list(questions), "messages": [], "results": [{"answer": "x", "citations": []}] * len(questions),
            "turns": [{"question": q, "result": {"answer": "x"}, "error": None} for q in questions]}


def test_a_conversation_follows_the_user_to_another_process(tmp_path, make_settings, chroma_server):
    one = conversation_store(make_settings(index_path=tmp_path / "a", chroma_url=chroma_server))
    other = conversation_store(make_settings(index_path=tmp_path / "b", chroma_url=chroma_server))
    assert isinstance(one, ServerConversationStore) and isinstance(other, ServerConversationStore)

    cookie = one.owners.new_cookie()
    visitor = other.owners.cookie_visitor(cookie)
    assert visitor is not None  # the other process accepts the cookie this one issued
    assert other.owners.cookie_visitor(cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None
    who = one.owners.visitor_folder(one.owners.cookie_visitor(cookie))
    assert other.owners.visitor_folder(visitor) == who
    assert one.login_folder("alice") == other.login_folder("alice") != one.login_folder("bob")

    conv = new_id()
    one.save(who, conv, _conv("Where was the treaty signed?"), {"answerer": "extractive"})
    listed = other.list(who)
    assert [(d["id"], d["title"], d["turns"]) for d in listed] == [(conv, "Where was the treaty signed?", 1)]
    assert other.load(who, conv)["settings"] == {"answerer": "extractive"}

    other.save(who, conv, _conv("Where was the treaty signed?", "Who signed it?"), {})  # continued there
    assert one.load(who, conv)["conversation"]["questions"][-1] == "Who signed it?"
    assert one.list(who)[0]["questions"] == ["Where was the treaty signed?", "Who signed it?"]
    one.rename(who, conv, "  Treaty   talk ")
    assert other.list(who)[0]["title"] == "Treaty talk"
    other.save(who, conv, _conv("Where was the treaty signed?", "Who signed it?", "When?"), {})
    assert one.load(who, conv)["title"] == "Treaty talk"  # a later turn keeps the chosen name

    stranger = other.owners.visitor_folder(new_id())
    assert other.list(stranger) == []
    with pytest.raises(InputError, match="deleted"):
        other.load(stranger, conv)  # another owner's id names no conversation of theirs
    other.delete(stranger, conv)  # ...nor deletes one
    assert [d["id"] for d in one.list(who)] == [conv]

    for bad in ("../x", "A" * 32, None, who + ":x"):
        with pytest.raises(InputError):
            one.load(who, bad)
        with pytest.raises(InputError):
            one.list(bad)

    other.delete(who, conv)
    assert one.list(who) == []
    with pytest.raises(InputError, match="deleted"):
        one.load(who, conv)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # all of it in the server
