"""The output contract of ask: answer with [n] markers, citations that resolve to exact sentences."""

import re

import pytest

from citeqa.errors import InputError

from conftest import SEED_DOC

TEXT = SEED_DOC.read_text(encoding="utf-8")
LINES = TEXT.split("\n")


def check_contract(result):
    assert set(result) >= {"question", "answer", "refused", "citations", "passages"}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])}
    assert markers == {c["n"] for c in result["citations"]}
    assert [c["n"] for c in result["citations"]] == list(range(1, len(result["citations"]) + 1))
    for c in result["citations"] + result["passages"]:
        assert c["quote"] == TEXT[c["start"] : c["end"]]
        assert c["line_start"] == TEXT.count("\n", 0, c["start"]) + 1
        assert c["line_end"] == TEXT.count("\n", 0, c["end"] - 1) + 1
        assert {"source", "title", "score"} <= set(c)
    for c in result["citations"]:
        assert isinstance(c["supported"], bool)


def test_answer_cites_the_sentence_not_the_passage(seed_assistant):
    r = seed_assistant.ask("In which city did Thailand sign the UN convention against cybercrime?")
    check_contract(r)
    assert not r["refused"] and "Hanoi" in r["answer"]
    c = r["citations"][0]
    assert c["line_start"] == c["line_end"] == 7 and c["quote"] == LINES[6]
    assert len(r["passages"]) == seed_assistant.settings.k
    assert any(p["end"] - p["start"] > c["end"] - c["start"] for p in r["passages"])


def test_follow_up_uses_the_conversation(seed_assistant):
    first = "When did Bangkok host the International Conference on the Global Partnership against Online Scams?"
    r = seed_assistant.ask("Who co-organised it?", history=[first])
    check_contract(r)
    assert "United Nations Office on Drugs and Crime" in r["answer"]
    assert r["citations"][0]["line_start"] == 4


def test_unanswerable_is_refused_with_no_citations(seed_assistant):
    r = seed_assistant.ask("Who won the 2022 football World Cup?")
    assert r["refused"] and r["citations"] == [] and r["answer"].startswith("The documents do not say")
    check_contract(r)


@pytest.mark.parametrize("question", ["", "   \n\t", None])
def test_empty_question(seed_assistant, question):
    with pytest.raises(InputError, match="empty"):
        seed_assistant.ask(question)


def test_huge_question(seed_assistant):
    with pytest.raises(InputError, match="100,000 characters"):
        seed_assistant.ask("why " * 25000)


def test_empty_index_is_explained(make_settings):
    from citeqa.chat import Assistant

    with pytest.raises(InputError, match="index is empty"):
        Assistant(make_settings()).ask("Anything?")


def test_public_api(seed_assistant, monkeypatch):
    import citeqa

    r = citeqa.ask("Where was the 43rd ASEAN Chiefs of Police Conference held?", index_path=seed_assistant.settings.index_path)
    check_contract(r)
    assert "Bangkok" in r["answer"]
