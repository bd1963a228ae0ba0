"""Issue 19 item 3: app processes that start at once against a Chroma server agree on one secret for
owners' names and visitor cookies (so a cookie one issues, another accepts); it is kept per server
database (chroma_database), not per index folder."""

import json
import os
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest

from citeqa.app.history import Owners
from citeqa.app.history_server import conversation_store
from citeqa.index import chroma

pytestmark = pytest.mark.server

PROCESS = """
import json, sys, time
from citeqa.app.history_server import conversation_store
from citeqa.settings import load_settings
store = conversation_store(load_settings())
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))  # every process asks at the same moment
secret = store.secret()
print(json.dumps({"secret": secret, "cookie": store.owners.new_cookie()}))
"""


def test_processes_starting_at_once_share_one_secret(tmp_path, make_settings, chroma_server):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = urlparse(chroma_server)
    admin = chromadb.AdminClient(ChromaSettings(chroma_api_impl="chromadb.api.fastapi.FastAPI", anonymized_telemetry=False,
                                                chroma_server_host=url.hostname, chroma_server_http_port=url.port))
    admin.create_database("secret-race")  # a database no secret was made in yet

    start = time.time() + 8
    procs = []
    for i in range(3):
        env = {**os.environ, "CITEQA_CHROMA_URL": chroma_server, "CITEQA_CHROMA_DATABASE": "secret-race",
               "CITEQA_INDEX_PATH": str(tmp_path / f"index{i}")}
        procs.append(subprocess.Popen([sys.executable, "-c", PROCESS, str(start)], env=env, cwd=tmp_path,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    seen = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        seen.append(json.loads(out.strip().splitlines()[-1]))

    assert len({s["secret"] for s in seen}) == 1 and len(seen[0]["secret"]) == 64
    owners = Owners(seen[0]["secret"])
    assert all(owners.cookie_visitor(s["cookie"]) for s in seen)  # each process's cookie verifies in all
    chroma.forget()  # (clients are cached by URL alone: the default database's must be a fresh one)
    default = conversation_store(make_settings(chroma_url=chroma_server))
    assert default.secret() != seen[0]["secret"]  # each database keeps its own
    assert not any((tmp_path / f"index{i}").exists() for i in range(3))
