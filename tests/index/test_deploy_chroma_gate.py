"""Issue 19 items 4 and 5: the deployment's token gate (src/citeqa/deploy/chroma-gate.conf.template, run by
nginx as compose.yaml runs it) in front of a real `chroma run`: citeqa with CITEQA_CHROMA_TOKEN gets
through, citeqa without it, or with another, is told so in one sentence."""

import pytest

from citeqa.errors import StoreError
from citeqa.index import chroma

from nginx_support import DEPLOY, Nginx, free_port, needs_nginx

pytestmark = [pytest.mark.server, needs_nginx]


def test_gate_lets_through_only_the_token(tmp_path, make_settings, chroma_server):
    port, token = free_port(), "0f3c9a77d1e24b5c8e6a"
    text = (DEPLOY / "chroma-gate.conf.template").read_text()
    assert "${CHROMA_TOKEN}" in text and "http://chroma:8000" in text and "listen 8000;" in text
    text = (text.replace("${CHROMA_TOKEN}", token)  # what the nginx image's envsubst does
            .replace("http://chroma:8000", chroma_server).replace("listen 8000;", f"listen 127.0.0.1:{port};"))
    url = f"http://127.0.0.1:{port}"
    with Nginx(tmp_path / "gate", text, server=True) as gate:
        gate.wait(f"{url}/api/v2/heartbeat")
        chroma.forget()  # (clients are cached by URL: each try here opens its own)
        client = chroma.client(make_settings(chroma_url=url, chroma_token=token))
        assert client.heartbeat() > 0
        for token_given, said in ((None, "asks for a token"), ("f" * 20, "refused the token")):
            chroma.forget()
            with pytest.raises(StoreError, match=said) as refused:
                chroma.client(make_settings(chroma_url=url, chroma_token=token_given))
            assert str(refused.value).startswith(f"The Chroma server at {url} ") and "\n" not in str(refused.value)
    chroma.forget()
