"""A follow-up's short answer answers the follow-up, not the question before it: read after "When did
Bangkok host the conference?", "Who co-organised it?" was answered "December 2025" in bold."""

import pytest

CASES = [
    ("When did Bangkok host the conference on online scams?", "Who co-organised it?",
     "Government of Thailand and the United Nations Office on Drugs and Crime"),  # the whole list
    ("Where did Thailand sign the United Nations Convention against Cybercrime?", "And when was that?", "2025"),
    ("In which city did Thailand sign the UN convention against cybercrime?", "When was that?", "2025"),
    ("Which countries took part in the November meeting on telecommunications fraud?", "Which region did it cover?",
     "Mekong River Basin"),
    ("Which ASEAN police conference took place in Bangkok?", "How many member states were there?", "ten"),
]


@pytest.mark.parametrize("history, question, phrase", CASES, ids=[c[1] for c in CASES])
def test_the_bold_phrase_answers_the_follow_up(seed_assistant, history, question, phrase):
    result = seed_assistant.ask(question, history=[history])
    assert not result["refused"], result["answer"]
    short = (result.get("short_answer") or {}).get("text", "")
    assert phrase in short, (short, result["answer"])
