"""Issue 19 item 4: a Chroma server (here with its own database, chroma_database) that goes away while the
app runs: asks and the conversation list say so in one sentence, and once the server is back (same data,
same address) the same Assistant and conversation store serve again, without a restart."""

import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from citeqa.app.history import new_id
from citeqa.app.history_server import conversation_store
from citeqa.chat import Assistant
from citeqa.errors import StoreError

from conftest import free_port, stop_process
from crashing import make_corpus

pytestmark = pytest.mark.server
QUESTION = "How many sites did the otters survey count?"


def run_chroma(folder: Path, port: int) -> subprocess.Popen:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    proc = subprocess.Popen([exe, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            with urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    stop_process(proc)
    pytest.fail("chroma run did not start")


def test_server_goes_away_and_comes_back(tmp_path, make_settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = run_chroma(tmp_path / "chroma", port)
    try:
        chromadb.AdminClient(ChromaSettings(chroma_api_impl="chromadb.api.fastapi.FastAPI", anonymized_telemetry=False,
                                            chroma_server_host="127.0.0.1", chroma_server_http_port=port)
                             ).create_database("team")
        settings = make_settings(corpus_path=make_corpus(tmp_path / "docs", 1), chroma_url=url,
                                 chroma_database="team", collection="backsrv")
        a = Assistant(settings)
        a.ingest(progress=False)
        assert not a.ask(QUESTION)["refused"]
        store = conversation_store(settings)
        who, conv = store.owners.visitor_folder(new_id()), new_id()
        store.save(who, conv, {"questions": [QUESTION], "turns": [{"question": QUESTION}]}, {})
    finally:
        stop_process(proc)

    for down in (lambda: a.ask(QUESTION), lambda: store.list(who)):
        with pytest.raises(StoreError) as said:
            down()
        message = str(said.value)
        assert message.startswith(f"The Chroma server at {url} ") and "Connection refused" in message
        assert message.endswith(").")
        assert "\n" not in message

    proc = run_chroma(tmp_path / "chroma", port)
    try:
        assert not a.ask(QUESTION)["refused"]  # the same objects, no restart
        assert [d["id"] for d in store.list(who)] == [conv]
    finally:
        stop_process(proc)
