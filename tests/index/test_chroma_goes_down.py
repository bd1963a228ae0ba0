"""Issue 10 item 12: a Chroma server that dies. An ask then says the server cannot be searched in one
sentence (not "failed to count vectors", no ".."); an ingest fails before embedding anything."""

import pytest

from citeqa.benchmarks.processes import start_chroma
from citeqa.chat import Assistant
from citeqa.errors import StoreError

from conftest import stop_process
from crashing import make_corpus

pytestmark = pytest.mark.server


def test_server_dies_ask_and_ingest_say_so_plainly(tmp_path, make_settings):
    proc, url = start_chroma(tmp_path / "chroma")
    corpus = make_corpus(tmp_path / "docs", 2)
    try:
        a = Assistant(make_settings(corpus_path=corpus, chroma_url=url, collection="downsrv"))
        a.ingest(progress=False)
        assert not a.ask("How many sites did the lighthouses survey count?")["refused"]
    finally:
        stop_process(proc)

    with pytest.raises(StoreError) as asked:
        a.ask("How many sites did the lighthouses survey count?")
    message = str(asked.value)
    assert f"Chroma server at {url}" in message and "count vectors" not in message
    assert not message.endswith("..") and message.endswith(".") and message.count("\n") == 0

    (corpus / "new.txt").write_text("Tramways returned to many cities after the year 2000.\n")
    calls = []
    real = a.embedder.encode
    a.embedder.encode = lambda texts, *args, **kw: calls.append(len(texts)) or real(texts, *args, **kw)
    with pytest.raises(StoreError, match="cannot be reached"):
        a.ingest(progress=False)
    assert calls == []  # failed before embedding
