"""No run-time download: ingest and ask in a fresh interpreter whose sockets may only reach 127.0.0.1.

The interpreter starts without HF_HUB_OFFLINE and friends, so the test proves citeqa itself keeps
every library offline, not the test environment.
"""

import json
import os
import subprocess
import sys

from conftest import SEED_DOC

GUARD = r'''
import json, socket, sys
attempts = []
LOCAL = ("127.0.0.1", "localhost", "::1")

def _check(host):
    host = str(host)
    if not (host.startswith("127.") or host in LOCAL):
        attempts.append(host)
        raise OSError(f"network blocked by test: {host}")

_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address[0])
    return _connect(self, address)
def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address[0])
    return _connect_ex(self, address)
def getaddrinfo(host, *a, **k):
    _check(host)
    return _getaddrinfo(host, *a, **k)
socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo

# The guard itself works (blocked before any packet is sent):
try:
    socket.getaddrinfo("example.invalid", 443)
    raise SystemExit("guard failed")
except OSError:
    pass
assert attempts == ["example.invalid"]
attempts.clear()

from citeqa import Assistant, load_settings
a = Assistant(load_settings(index_path=sys.argv[1], corpus_path=sys.argv[2]))
report = a.ingest(progress=False)
result = a.ask("In which city did Thailand sign the UN convention against cybercrime?")
print(json.dumps({"attempts": attempts, "added": report.added, "answer": result["answer"]}))
'''


def test_ingest_and_ask_with_network_blocked(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "TRANSFORMERS_", "CITEQA_")) and k not in ("GRADIO_ANALYTICS_ENABLED", "ANONYMIZED_TELEMETRY")}
    out = subprocess.run(
        [sys.executable, "-c", GUARD, str(tmp_path / "index"), str(SEED_DOC.parent)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["attempts"] == [], f"tried to reach {data['attempts']}"
    assert data["added"] and "Hanoi" in data["answer"]
