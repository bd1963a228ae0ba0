"""The short answer: the phrase of the cited sentence that answers, as a new `ask --json` field."""

from citeqa.answering.short_answer import short_answer

from conftest import SEED_DOC

DOC = SEED_DOC.read_bytes().decode("utf-8")


def test_ask_json_carries_the_short_answer_inside_its_citation(seed_assistant):
    result = seed_assistant.ask("Where did Thailand sign the UN cybercrime convention?")
    short = result["short_answer"]
    assert short["text"] == "Hanoi"
    assert DOC[short["start"] : short["end"]] == "Hanoi"
    home = next(c for c in result["citations"] if c["n"] == short["citation"])
    assert home["start"] <= short["start"] < short["end"] <= home["end"]
    # The existing fields are unchanged: the answer is still the whole cited sentence.
    assert "Hanoi" in result["answer"] and result["refused"] is False


def test_a_refusal_has_no_short_answer(seed_assistant):
    result = seed_assistant.ask("What was the budget of the International Conference on the Global Partnership against Online Scams?")
    assert result["refused"] is True and result["citations"] == []
    assert result["short_answer"] is None


def test_short_answer_offsets_and_kinds():
    sentence = "In December 2025, Bangkok hosted the conference, which brought together leaders from ten member states."
    when = short_answer("When was the conference held?", sentence, offset=100)
    assert when.text == "December 2025" and (when.start, when.end) == (103, 116)
    many = short_answer("How many member states took part?", sentence)
    assert many.text == "ten"  # not the year


def test_a_question_for_several_gets_the_whole_list():
    from citeqa.answering.short_answer import short_answer

    s = ("In November, Thai cybercrime specialists joined counterparts from China, Myanmar, Vietnam, Laos and "
         "Cambodia in a multilateral meeting.")
    assert short_answer("Which countries joined the November meeting?", s).text == "China, Myanmar, Vietnam, Laos and Cambodia"
    assert short_answer("Which country joined first?", s).text == "China"
    s6 = "Thailand, Bangladesh, Nepal, Peru, the United Arab Emirates and private sector stakeholders pledged to act."
    assert short_answer("Which countries pledged to act?", s6).text == "Thailand, Bangladesh, Nepal, Peru, the United Arab Emirates"
    assert short_answer("Which countries joined?", "Thailand and Laos joined in 2020.").text == "Thailand and Laos"
