"""The judge: shipped with the package as a small JSON file, loaded offline, and scoring the sentence that
answers a question above same-topic sentences that do not."""

import json

import numpy as np
import pytest

from citeqa.answering.judge import FEATURES, MODEL_PATH, Judge, gated, load_judge


def test_judge_ships_as_a_small_file_and_loads_with_no_network(no_network):
    assert MODEL_PATH.is_file() and MODEL_PATH.stat().st_size < 100_000
    load_judge.cache_clear()
    judge = load_judge()
    assert 0.0 < judge.threshold < 1.0
    assert judge.cross is not None  # its cross-encoder, loaded in the background, under the same guard
    x = np.zeros((3, len(FEATURES)), dtype=np.float32)
    probs, able = judge.assess(x)
    assert probs.shape == able.shape == (3,) and np.all((probs >= 0) & (probs <= 1))


def test_a_model_file_for_other_features_is_refused_with_a_clear_error(tmp_path):
    model = json.loads(MODEL_PATH.read_text())
    model["features"] = model["features"][:-1]
    with pytest.raises(ValueError, match="other features"):
        Judge(model)


def test_judge_prefers_the_sentence_that_answers(seed_assistant):
    question = "Where did Thailand sign the UN cybercrime convention?"
    passages = seed_assistant.retriever.search([question])
    ranked = seed_assistant.answerer.score_sentences(question, [], passages)
    assert "Hanoi" in ranked[0].passage.sentence_text(ranked[0].start, ranked[0].end)
    assert ranked[0].answerable >= seed_assistant.answerer.judge.threshold
    assert all(r.judged <= ranked[0].judged for r in ranked)


def test_type_gate_refuses_a_count_question_without_a_count():
    x = np.zeros((2, len(FEATURES)), dtype=np.float32)
    x[:, FEATURES.index("kind_number")] = 1.0
    x[0, FEATURES.index("kind_window")] = 1.0  # "ten member states"
    x[1, FEATURES.index("kind_window")] = 0.0  # "In December 2025, Bangkok hosted ..."
    assert gated(x, ["type"]).tolist() == [False, True]
    x[:, FEATURES.index("kind_number")] = 0.0
    x[:, FEATURES.index("kind_other")] = 1.0  # "What ..." asks for no particular kind
    assert gated(x, ["type"]).tolist() == [False, False]


class _FakeCross:
    """Stands in for the cross-encoder only where the test is about which candidates reach it."""

    def __init__(self):
        self.seen = []

    def scores(self, question, sentences):
        self.seen.extend(sentences)
        return np.arange(len(sentences), dtype=np.float32)[::-1]


def test_only_the_best_candidates_reach_the_cross_encoder_and_the_rest_read_as_the_worst():
    from citeqa.answering.judge import CROSS_TOP, Candidate, cross_scores, features
    from citeqa.answering.scoring import QuestionTerms

    cands = [Candidate(f"Sentence {i}.", f"Sentence {i}.", ["sentenc"], np.ones(4) / 2, prior=float(i)) for i in range(CROSS_TOP + 5)]
    fake = _FakeCross()
    scores = cross_scores(fake, "Which sentence?", cands)
    best = sorted(range(len(cands)), key=lambda i: -cands[i].prior)[:CROSS_TOP]
    assert sorted(fake.seen) == sorted(cands[i].text for i in best)
    assert np.isnan(scores).sum() == 5
    terms = QuestionTerms.__new__(QuestionTerms)
    terms.text, terms.tokens, terms.weights, terms.unseen_idf = "Which sentence?", ["sentenc"], {"sentenc": 1.0}, 5.0
    x = features("Which sentence?", terms, np.ones(4) / 2, cands, cross=scores)
    col = x[:, FEATURES.index("cross")]
    unscored = np.isnan(scores)
    assert (x[unscored, FEATURES.index("cross_scored")] == 0).all() and (x[~unscored, FEATURES.index("cross_scored")] == 1).all()
    assert (col[unscored] == col[~unscored].min()).all()


def test_the_shipped_judge_reads_with_the_cross_encoder():
    load_judge.cache_clear()
    judge = load_judge()
    assert judge.info.get("cross") is True and judge.cross is not None
