"""Issue 19 item 4: an https Chroma URL. citeqa talks TLS to it, trusting the CA bundle chroma_ca_file
names (here a self-signed certificate made by openssl); a certificate it cannot verify, or a CA file
that is not there, is said in one sentence."""

import shutil

import pytest

from citeqa.errors import StoreError
from citeqa.index import chroma

from chroma_gate import Gate, self_signed

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")]


def _opened(settings):
    chroma.forget()  # clients are cached by URL: each try here must open its own
    return chroma.client(settings)


def test_https_server_trusted_through_its_ca_file(tmp_path, make_settings, chroma_server):
    pem = self_signed(tmp_path)
    with Gate(chroma_server, token="tls-token", certfile=pem) as gate:
        assert gate.url.startswith("https://")
        client = _opened(make_settings(chroma_url=gate.url, chroma_token="tls-token", chroma_ca_file=tmp_path / "cert.pem"))
        name = f"tls-{tmp_path.name[-8:]}".replace("_", "-")
        client.get_or_create_collection(name, embedding_function=None).add(ids=["a"], embeddings=[[1.0]])
        assert client.get_collection(name).count() == 1  # a round trip through TLS
        assert client._server._api_url.startswith("https://")
        client.delete_collection(name)

        with pytest.raises(StoreError) as untrusted:
            _opened(make_settings(chroma_url=gate.url, chroma_token="tls-token"))  # the system's CAs only
        message = str(untrusted.value)
        assert message.startswith(f"The Chroma server at {gate.url} has a certificate citeqa cannot verify (")
        assert "CERTIFICATE_VERIFY_FAILED" in message and message.endswith("set chroma_ca_file to the CA bundle that signed it.")
        assert "\n" not in message and message.endswith(".")

    with pytest.raises(StoreError, match=r"The CA file .*missing\.pem \(chroma_ca_file\) does not exist\."):
        _opened(make_settings(chroma_url="https://127.0.0.1:9", chroma_ca_file=tmp_path / "missing.pem"))
    chroma.forget()
