"""Issue 19 item 4: a Chroma server behind a token. With the right token (sent as Authorization: Bearer
or as X-Chroma-Token, by Chroma's own token client) citeqa indexes and answers through it; without a
token, or with a wrong one, it says so in one sentence, from the library and from the command line
(no traceback). The token is never shown by `citeqa config`."""

import os
import subprocess
import sys

import pytest

from citeqa.chat import Assistant
from citeqa.errors import StoreError
from citeqa.index import chroma

from chroma_gate import Gate
from crashing import make_corpus

pytestmark = pytest.mark.server


def _opened(settings):
    chroma.forget()  # clients are cached by URL: each try here must open its own
    return chroma.client(settings)


def test_token_is_sent_and_a_wrong_or_missing_one_is_said_plainly(tmp_path, make_settings, chroma_server):
    corpus = make_corpus(tmp_path / "docs", 1)
    with Gate(chroma_server, token="s3cret-Token.1") as gate:
        good = make_settings(corpus_path=corpus, chroma_url=gate.url, chroma_token="s3cret-Token.1",
                             collection="tokened")
        chroma.forget()
        a = Assistant(good)
        a.ingest(progress=False)
        assert not a.ask("How many sites did the otters survey count?")["refused"]
        assert gate.seen and all(h.get("Authorization") == "Bearer s3cret-Token.1" for h in gate.seen)

        for settings, said in ((make_settings(chroma_url=gate.url), "asks for a token: set CITEQA_CHROMA_TOKEN"),
                               (make_settings(chroma_url=gate.url, chroma_token="wrong"), "refused the token")):
            with pytest.raises(StoreError) as refused:
                _opened(settings)
            message = str(refused.value)
            assert said in message and f"Chroma server at {gate.url}" in message, message
            assert message.endswith(".") and "\n" not in message and "wrong" not in message

    with Gate(chroma_server, token="other", header="X-Chroma-Token") as gate:
        _opened(make_settings(chroma_url=gate.url, chroma_token="other", chroma_token_header="X-Chroma-Token"))
        assert gate.seen[-1].get("X-Chroma-Token") == "other" and "Authorization" not in gate.seen[-1]

        env = {**os.environ, "CITEQA_CHROMA_URL": gate.url, "CITEQA_CHROMA_TOKEN": "not-it",
               "CITEQA_CHROMA_TOKEN_HEADER": "X-Chroma-Token", "CITEQA_INDEX_PATH": str(tmp_path / "cli")}
        cli = [sys.executable, "-m", "citeqa.cli"]
        run = subprocess.run([*cli, "ingest", str(corpus), "--no-progress"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert run.stderr.strip().splitlines() == [
            f"error: The Chroma server at {gate.url} refused the token (chroma_token, sent as X-Chroma-Token): "
            "check it and chroma_token_header."]
        shown = subprocess.run([*cli, "config", "--json"], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert "not-it" not in shown.stdout + shown.stderr
    chroma.forget()
