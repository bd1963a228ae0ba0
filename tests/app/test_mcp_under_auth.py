"""Under --auth there is no MCP server (MCP clients cannot log in, and its tool list would be readable
without the login): /gradio_api/mcp/ answers no tool list to anyone, while the page's routes still
require the login."""

import importlib.util
import json
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from queue_client import auth_app, login_cookie  # noqa: F401 (a fixture)

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
INITIALIZE = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
              "params": {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def _post(url: str, body: dict, cookie: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        with urlopen(Request(url, data=json.dumps(body).encode(), method="POST", headers=headers), timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_no_mcp_tool_list_under_auth(auth_app):
    url, _work, log_path = auth_app
    mcp = url + "gradio_api/mcp/"
    cookie = login_cookie(url, "bob", "bob-secret-pw")
    for who in (None, cookie):
        for body in (INITIALIZE, LIST_TOOLS):
            status, text = _post(mcp, body, who)
            assert status >= 400 and '"tools"' not in text and "ask" not in text, (status, text[:300])
    for route in ("gradio_api/info", "config"):
        try:
            urlopen(url + route, timeout=10)
            raise AssertionError(f"/{route} answered without the login")
        except HTTPError as e:
            assert e.code == 401
    assert "MCP server" not in log_path.read_text()
    if importlib.util.find_spec("mcp") is not None:  # installed: it would have been served without --auth
        assert "MCP: off under --auth" in log_path.read_text()
