"""The refusal model trained without the cross-encoder's features ignores them at run time: what the
cross-encoder says moves which sentence is cited, never whether the answer is refused."""

import numpy as np

from citeqa.answering.judge import FEATURES, Judge, answer_features
from citeqa.training.train_judge import _without


def test_the_refusal_model_reads_none_of_the_left_out_features():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES))).astype(np.float32)
    y = (x[:, FEATURES.index("dense")] + 0.5 * rng.normal(size=400) > 0).astype(int)
    able = _without(x, ["cross"], "logreg", y)
    judge = Judge({"features": FEATURES, "pair": able | {"mean": able["mean"][1:], "scale": able["scale"][1:],
                                                         "layers": [(able["layers"][0][0][1:], able["layers"][0][1])]},
                   "answerable": able, "threshold": 0.5})
    probs, first = judge.assess(x[:50])
    changed = x[:50].copy()
    for name in ("cross", "cross_gap", "cross_scored"):
        changed[:, FEATURES.index(name)] = rng.normal(size=50) * 10
    _, second = judge.assess(changed)
    assert np.allclose(first, second)
    assert not np.allclose(first, 0.5)  # it does read the other features
    assert answer_features(x[:2], probs[:2]).shape == (2, len(FEATURES) + 1)
