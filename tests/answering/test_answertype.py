"""Answer types: what a question asks for, and whether a text holds it."""

import pytest

from citeqa.answering.answertype import NUMBER, OTHER, PERSON, PLACE, TIME, kind_evidence, question_kind


@pytest.mark.parametrize("question, kind", [
    ("How many delegates attended the conference?", NUMBER),
    ("What was the budget of the conference?", NUMBER),
    ("When did Thailand sign the convention?", TIME),
    ("In which year was the statement adopted?", TIME),
    ("Who chaired the 43rd ASEAN Chiefs of Police Conference?", PERSON),
    ("Where did Thailand sign the convention?", PLACE),
    ("In which city was the convention signed?", PLACE),
    ("What did the police chiefs discuss?", OTHER),
])
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_a_year_is_not_a_count_and_a_place_is_not_a_person():
    q = "How many delegates attended the conference?"
    assert kind_evidence(NUMBER, "In December 2025, Bangkok hosted the conference.", q) == 0.0
    assert kind_evidence(NUMBER, "It brought together leaders from ten member states.", q) == 1.0
    who = "Who chaired the 43rd ASEAN Chiefs of Police Conference?"
    assert kind_evidence(PERSON, "The 43rd ASEAN Chiefs of Police Conference in Bangkok met.", who) < 1.0
    assert kind_evidence(PERSON, "The conference was chaired by General Somchai Wong.", who) == 1.0
    assert kind_evidence(PLACE, "The convention was signed at a ceremony in Hanoi.", "Where was it signed?") == 1.0


def test_a_when_that_opens_a_clause_does_not_ask_for_a_time():
    from citeqa.answering.answertype import TIME, question_kind

    assert question_kind("What do pangolins do when they are threatened?") != TIME
    assert question_kind("Where do pangolins go when it rains?") != TIME
    assert question_kind("When did Bangkok host the conference?") == TIME
    assert question_kind("In 2025, when did Thailand sign the convention?") == TIME


def test_times_of_day_answer_when():
    from citeqa.answering.answertype import TIME, kind_evidence

    for sentence in ("The museum opens at nine.", "The ferry sails at noon.", "Doors open at 9:30.", "It starts at 10 am."):
        assert kind_evidence(TIME, sentence, "When does it open?") > 0, sentence


def test_a_list_of_names_answers_how_many_weakly_and_a_clause_does_not():
    q = "How many countries made pledges at the Bangkok conference?"
    assert kind_evidence(NUMBER, "Thailand, Bangladesh, Nepal, Peru and the United Arab Emirates pledged.", q) == 0.5
    assert kind_evidence(NUMBER, "In 2020, the city, which had grown, and its port expanded.", q) == 0.0
    assert kind_evidence(NUMBER, "Thailand, Bangladesh, Nepal and Peru pledged.", "How much did Thailand pledge?") == 0.0


def test_a_count_after_from_is_not_a_time_of_day():
    q = "When will the next conference take place?"
    assert kind_evidence(TIME, "It brought together police leaders from ten member states.", q) == 0.0
    assert kind_evidence(TIME, "The talks run from ten to noon.", q) > 0
    assert kind_evidence(TIME, "Doors open at nine.", q) > 0
