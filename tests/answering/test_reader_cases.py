"""The reader on the five documents a new user tried (issue 15): the answer phrase with what makes it true,
the sentence that holds it cited, no heading or title as an answer, and a refusal for what is not there."""

import pytest

from newcomer import write_newcomer_corpus


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    root = tmp_path_factory.mktemp("newcomer")
    assistant = Assistant(load_settings(index_path=root / "index", corpus_path=write_newcomer_corpus(root / "docs")))
    assistant.ingest(progress=False)
    return assistant


def _short(result) -> str:
    return (result["short_answer"] or {}).get("text", "")


@pytest.mark.parametrize("question, phrase, quote", [
    ("Who was the last keeper of the Inishbeg lighthouse?", "Mary Coughlan", "the last keeper, Mary Coughlan"),
    ("How long did Thomas Doyle serve as keeper?", "22 years", "served for 22 years"),
    ("What speed must vessels keep to inside the breakwater?", "five knots", "five knots inside the breakwater"),
    ("Who co-organised the conference on online scams?", "Government of Thailand and the United Nations Office on Drugs and Crime",
     "co-organised by"),
])
def test_answers_with_the_phrase_inside_its_sentence(newcomer, question, phrase, quote):
    r = newcomer.ask(question)
    assert not r["refused"], r["answer"]
    assert phrase in _short(r), _short(r)
    (c,) = r["citations"]
    assert quote in c["quote"] and _short(r) in c["quote"]


def test_a_heading_is_not_the_answer(newcomer):
    for question in ("How was the Lunar Garden Project funded?", "Who funded the Lunar Garden Project?",
                     "Who was the last keeper of the Inishbeg lighthouse?"):
        r = newcomer.ask(question)
        assert not r["refused"], r["answer"]
        quote = r["citations"][0]["quote"].lstrip("# ")
        assert quote not in ("The Lunar Garden Project", "Funding", "Lighthouse Keepers of Inishbeg"), quote


def test_who_funded_cites_the_grant(newcomer):
    r = newcomer.ask("Who funded the Lunar Garden Project?")
    assert "grant of €40,000" in r["citations"][0]["quote"] and _short(r) == "Irish Research Council"


@pytest.mark.xfail(strict=True, reason="the reader's margin for the project's first line (3.66, 'grows dwarf wheat ...') "
                   "beats the funding sentence's (3.34) on a 'how' question: a near tie the reader gets wrong")
def test_how_was_it_funded_cites_the_grant(newcomer):
    r = newcomer.ask("How was the Lunar Garden Project funded?")
    assert "grant of €40,000" in r["citations"][0]["quote"]


@pytest.mark.parametrize("question", [
    "What is the population of Bangkok?",
    "Who is the mayor of Tromsø?",
    pytest.param("What is the capital of Peru?", marks=pytest.mark.xfail(
        strict=True, reason="answered 'Norway and Japan' from 'Seeds were sent by partner schools in Chile, Peru, Norway and "
        "Japan.' (margin -0.45, threshold -1.33); the seed's Mekong question, which must be answered, is at -0.43")),
])
def test_refuses_what_the_documents_do_not_say(newcomer, question):
    r = newcomer.ask(question)
    assert r["refused"] and not r["citations"], r["answer"]
