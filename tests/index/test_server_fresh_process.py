"""With a Chroma server, a process with an empty index folder reads everything from the server: the
documents, their passages with sentence vectors and offsets, the texts as read; and it sees another
process's removal once its refresh time has passed."""

import time

import numpy as np
import pytest

from citeqa.chat import Assistant
from citeqa.index.store import Store
from conftest import SEED_DOC

pytestmark = pytest.mark.server


def test_a_fresh_process_reads_the_corpus_from_the_server(make_settings, chroma_server, tmp_path):
    writer = Assistant(make_settings(chroma_url=chroma_server, collection="freshproc"))
    writer.ingest(progress=False)
    reader = Store(make_settings(chroma_url=chroma_server, collection="freshproc", index_path=tmp_path / "empty",
                                 refresh_s=0.5))
    assert reader.documents().keys() == writer.store.documents().keys()
    source = next(iter(reader.documents()))
    theirs, ours = writer.store.document_passages(source), reader.document_passages(source)
    assert [p.id for p in ours] == [p.id for p in theirs] and [p.sentences for p in ours] == [p.sentences for p in theirs]
    assert all(np.allclose(a.vectors, b.vectors, atol=1e-3) for a, b in zip(ours, theirs))
    assert reader.document_text(source)["text"] == SEED_DOC.read_text(encoding="utf-8")
    writer.remove([source])
    time.sleep(0.6)
    assert reader.documents() == {} and reader.passage_count() == 0


def test_version_checks_are_throttled(make_settings, chroma_server, tmp_path):
    store = Store(make_settings(chroma_url=chroma_server, collection="throttled", index_path=tmp_path / "i", refresh_s=5))
    calls = []
    real = store.server.version
    store.server.version = lambda: calls.append(1) or real()
    for _ in range(50):
        store.passage_count()
    assert len(calls) == 1
