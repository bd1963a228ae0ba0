"""Synthetic unanswerables: a question changed so the sentence that answered it no longer does."""

import random

from citeqa.training.perturb import perturbations

GOLD = "Payphone was recorded at Conway Studios in Los Angeles by Noah Passovoy."
OTHERS = ["The song was released by A&M Octone Records in April 2012.", "It reached number two in Canada."]


def test_a_name_the_sentence_holds_becomes_one_it_does_not():
    out = dict(perturbations("Where was Payphone recorded by Noah Passovoy?", GOLD, OTHERS, random.Random(0), most=3))
    changed = out["names"]
    assert changed != "Where was Payphone recorded by Noah Passovoy?"
    new = set(changed.split()) - set("Where was Payphone recorded by Noah Passovoy?".split())
    assert new and all(w.strip("?") not in GOLD for w in new)


def test_negation_is_not_added_when_the_sentence_is_negated_itself():
    negated = "Payphone was not recorded in New York."
    out = dict(perturbations("Where was Payphone recorded?", negated, OTHERS, random.Random(0), most=3))
    assert "negation" not in out
    out = dict(perturbations("Where was Payphone recorded?", GOLD, OTHERS, random.Random(0), most=3))
    assert out.get("negation") == "Where was not Payphone recorded?"


def test_a_question_sharing_nothing_with_the_sentence_is_left_alone():
    assert perturbations("Who wrote it?", "Rain fell.", ["Snow fell."], random.Random(0)) == []
