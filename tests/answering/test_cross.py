"""The cross-encoder ships inside the package, loads with no network, and reads question and sentence
together: it tells the sentence that answers from a same-topic one and from a changed question."""

import numpy as np

from citeqa.answering.cross import MODEL_PATH, load_cross

HANOI = ("In October 2025, Thailand signed the UN Convention against Cybercrime at the signing ceremony "
         "in Hanoi, Vietnam.")
BANGKOK = "In December 2025, Bangkok hosted the 43rd ASEAN Chiefs of Police Conference, attended by ten member states."


def test_ships_small_and_loads_offline(no_network):
    assert MODEL_PATH.is_file() and MODEL_PATH.stat().st_size < 15_000_000
    load_cross.cache_clear()
    cross = load_cross()
    scores = cross.scores("Where did Thailand sign the cybercrime convention?", [BANGKOK, HANOI])
    assert scores.shape == (2,) and scores.dtype == np.float32
    assert cross.scores("Anything?", []).shape == (0,)


def test_the_answering_sentence_scores_above_a_same_topic_one():
    cross = load_cross()
    where, hosted = cross.scores("Where did Thailand sign the cybercrime convention?", [HANOI, BANGKOK])
    assert where > hosted
    hosted, where = cross.scores("Which city hosted the ASEAN Chiefs of Police Conference?", [BANGKOK, HANOI])
    assert hosted > where


def test_a_long_sentence_is_cut_not_refused():
    cross = load_cross()
    long = HANOI + " " + " ".join(["The delegates met again later."] * 80)
    assert np.isfinite(cross.scores("Where did Thailand sign the convention?", [long])).all()
