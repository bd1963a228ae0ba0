"""The same pipeline against a real Chroma server (`chroma run` on 127.0.0.1), and a server that is down."""

import subprocess
import sys

import pytest

from citeqa.chat import Assistant
from citeqa.errors import StoreError

from conftest import SEED_DOC, free_port

pytestmark = pytest.mark.server


def test_ingest_and_ask_through_chroma_server(make_settings, chroma_server):
    a = Assistant(make_settings(chroma_url=chroma_server, collection="seedsrv"))
    r = a.ingest(progress=False)
    assert r.added and r.passages_total > 0
    assert a.store.collection.count() == r.passages_total
    result = a.ask("In which city did Thailand sign the UN convention against cybercrime?")
    assert "Hanoi" in result["answer"] and not result["refused"]
    c = result["citations"][0]
    assert c["quote"] == SEED_DOC.read_text(encoding="utf-8")[c["start"] : c["end"]]
    assert a.ingest(progress=False).passages_written == 0  # incremental against the server too


def test_server_down_is_one_clear_sentence(make_settings):
    url = f"http://127.0.0.1:{free_port()}"
    a = Assistant(make_settings(chroma_url=url))
    with pytest.raises(StoreError, match=f"Chroma server at {url} cannot be reached"):
        a.ingest(progress=False)


def test_server_down_from_the_cli(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    out = subprocess.run(
        [sys.executable, "-m", "citeqa.cli", "ingest", str(SEED_DOC), "--chroma-url", url, "--index", str(tmp_path / "i")],
        capture_output=True, text=True,
    )
    assert out.returncode == 1
    assert "cannot be reached" in out.stderr and "Traceback" not in out.stderr + out.stdout
