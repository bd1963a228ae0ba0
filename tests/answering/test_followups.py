"""The conversation helps a follow-up find what it refers to; it never answers an unrelated question."""

import pytest

from citeqa.answering.base import needs_history

HISTORY = ["In which city did Thailand sign the UN convention against cybercrime?", "When was that?"]


@pytest.mark.parametrize("question", ["When was that?", "Who co-organised it?", "How many member states were there?",
                                      "What did they pledge?", "Which region did its meeting cover?"])
def test_follow_ups_refer_back(question):
    assert needs_history(question)


@pytest.mark.parametrize("question", ["What was the budget of the conference?", "Who is the prime minister of Thailand?",
                                      "How many delegates attended the Bangkok conference?"])
def test_questions_that_name_their_topic_stand_alone(question):
    assert not needs_history(question)


def test_history_does_not_answer_an_unrelated_question(seed_assistant):
    alone = seed_assistant.ask("What was the budget of the conference?")
    with_history = seed_assistant.ask("What was the budget of the conference?", history=HISTORY)
    assert alone["refused"] and with_history["refused"]
    assert with_history["citations"] == []


def test_a_real_follow_up_still_uses_the_conversation(seed_assistant):
    result = seed_assistant.ask("Who co-organised it?", history=[
        "When did Bangkok host the International Conference on the Global Partnership against Online Scams?"])
    assert not result["refused"]
    assert "United Nations Office on Drugs and Crime" in result["answer"]
