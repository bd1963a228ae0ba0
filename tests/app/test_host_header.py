"""DNS rebinding: a web page that points its own name at 127.0.0.1 sends that name as Host. The app
answers only to the names it is served as (loopback names when bound to loopback, --allowed-host
names): any other Host gets 400 and one plain line on every route, before Gradio sees it, so no
document text and no CORS echo of the page's origin comes back; its own names still work."""

import json

import pytest

from citeqa.app.hosts import AllowedHosts, allowed_host_names
from queue_client import SEED_NAME, QueueClient, make_workspace, new_session, raw_request, serve

EVIL = "rebind.evil.example"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    work = make_workspace(tmp_path_factory.mktemp("host-app"))
    with serve(work, "--allowed-host", "citeqa.lan") as (url, log_path):
        yield url, log_path


def _routes(url: str) -> list[tuple[str, str, bytes | None]]:
    documents = QueueClient(url).api_index("documents")
    body = json.dumps({"data": [""], "fn_index": documents, "session_hash": new_session()}).encode()  # "": the default collection
    return [("GET", "/", None), ("GET", "/config", None), ("GET", "/gradio_api/info", None),
            ("POST", "/gradio_api/run/predict", body), ("POST", "/gradio_api/queue/join", body),
            ("OPTIONS", "/gradio_api/run/predict", None)]


def test_another_host_name_gets_400_and_nothing_else(served):
    url, log_path = served
    port = url.rstrip("/").rsplit(":", 1)[1]
    for host in (f"{EVIL}:{port}", EVIL, f"{EVIL}.", f"127.0.0.1.{EVIL}:{port}"):
        origin = f"http://{host}"
        for method, path, body in _routes(url):
            status, headers, text = raw_request(url, method, path, body, {
                "Host": host, "Origin": origin, "Content-Type": "application/json",
                "Access-Control-Request-Method": "POST"})
            assert status == 400, (method, path, host, status)
            assert text.decode().startswith("Bad Host header:") and text.count(b"\n") == 1
            assert headers["content-type"].startswith("text/plain")
            assert "access-control-allow-origin" not in headers and "set-cookie" not in headers
            assert SEED_NAME.encode() not in text and b"Hanoi" not in text
    upgrade = {"Host": f"{EVIL}:{port}", "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    assert raw_request(url, "GET", "/gradio_api/queue/data", None, upgrade)[0] == 400  # a websocket too
    assert f"refused a request for host '{EVIL}:{port}'" in log_path.read_text()


def test_the_apps_own_names_work(served):
    url, _log = served
    port = url.rstrip("/").rsplit(":", 1)[1]
    documents = QueueClient(url).api_index("documents")
    body = json.dumps({"data": [""], "fn_index": documents, "session_hash": new_session()}).encode()  # "": the default collection
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "citeqa.lan", f"CITEQA.lan:{port}"):
        assert raw_request(url, "GET", "/config", None, {"Host": host})[0] == 200, host
        status, _headers, text = raw_request(url, "POST", "/gradio_api/run/predict", body,
                                             {"Host": host, "Content-Type": "application/json"})
        assert status == 200 and SEED_NAME in text.decode(), host


def test_which_names_each_binding_allows():
    loopback = AllowedHosts("127.0.0.1", ["citeqa.lan"])
    assert {"localhost:7860", "127.0.0.1", "[::1]:80", "citeqa.lan:443"} <= {h for h in
            ("localhost:7860", "127.0.0.1", "[::1]:80", "citeqa.lan:443") if h in loopback}
    assert not any(h in loopback for h in (EVIL, "10.0.0.5", "", None, "localhost:x", "[::1", "a b"))
    everywhere = AllowedHosts("0.0.0.0")  # any address (an address cannot be rebound), no other name
    assert "192.168.1.20:7860" in everywhere and "[fe80::1]:7860" in everywhere and "localhost" in everywhere
    assert EVIL not in everywhere
    one = AllowedHosts("192.168.1.20")
    assert "192.168.1.20:7860" in one and "192.168.1.21" not in one and "localhost" not in one
    assert allowed_host_names(["a.lan"], "b.lan, c.lan") == ["a.lan", "b.lan", "c.lan"]
    for bad in ("http://a.lan", "a.lan:8080", "a.lan/x"):
        with pytest.raises(ValueError, match="not a host name"):
            allowed_host_names([bad], None)
