"""The sidebar's search finds a conversation by every word typed, in any case, in its title (renamed
or not) or in any question asked in it, keeping the list's newest-first order; an empty search lists all."""

from citeqa.app.history import ConversationStore, matching, new_id


def _conv(*questions):
    return {"questions": list(questions), "messages": [], "results": [],
            "turns": [{"question": q, "result": None, "error": "x"} for q in questions]}


def test_search_by_title_and_later_questions(tmp_path):
    store, owner = ConversationStore(tmp_path), new_id()
    treaty, scams = new_id(), new_id()
    store.save(owner, treaty, _conv("Where was the convention signed?", "When did that happen?"), {})
    store.save(owner, scams, _conv("Which city hosted the conference on online scams?"), {})
    listed = store.list(owner)
    assert [d["id"] for d in matching(listed, "")] == [scams, treaty]  # newest first
    assert [d["id"] for d in matching(listed, "  ")] == [scams, treaty]
    assert [d["id"] for d in matching(listed, "CONFERENCE")] == [scams]
    assert [d["id"] for d in matching(listed, "happen")] == [treaty]  # a follow-up, not in the title
    assert [d["id"] for d in matching(listed, "city happen")] == []  # every word must be found
    store.rename(owner, treaty, "Treaty notes")
    assert [d["id"] for d in matching(store.list(owner), "notes")] == [treaty]
