"""Calling a served app's events the way an attacker does: raw HTTP to Gradio's queue routes, by
fn_index, with a session_hash of one's own choosing; no page, no gradio_client. Also starts
`python app.py` in a scratch folder for the security tests.

`QueueClient(url).call(fn_index, data, session)` posts /gradio_api/queue/join and reads
/gradio_api/queue/data (server-sent events) until the event completes; events that run outside the
queue go through /gradio_api/run/predict the same way the page sends them (`route=` picks either for
any event). A client keeps the cookies the server sets, as a browser does (`cookies`, to change), and
can connect from another loopback address (`source="127.0.0.2"`: Linux routes all of 127/8 to
loopback), which the server sees as another client.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import HTTPHandler, Request, build_opener, urlopen

import pytest

from conftest import copy_seeds, free_port, shared, stop_process, wait_for_app

ROOT = Path(__file__).resolve().parents[2]
SEED_NAME = "000_b943be75029e422a.txt"
OPERATOR_PASSWORD = "correct-horse-battery-staple"
SECRET = "The vault password is hunter2-zebra-42."
UNQUOTED = "Deliveries of printer paper arrive on Tuesdays at the north gate."


def new_session() -> str:
    return uuid.uuid4().hex[:11]


class _FromAddress(HTTPHandler):
    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def http_open(self, req):
        return self.do_open(partial(http.client.HTTPConnection, source_address=(self.source, 0)), req)


class QueueClient:
    def __init__(self, url: str, cookie: str | None = None, source: str | None = None):
        self.url = url.rstrip("/")
        self.cookies = dict(part.strip().split("=", 1) for part in (cookie or "").split(";") if "=" in part)
        self._opener = build_opener(_FromAddress(source)) if source else None
        self.keep_cookies = True
        self.config = self._get_json("/config")
        self.components = {c["id"]: c for c in self.config["components"]}
        self.by_elem = {c["props"].get("elem_id"): c["id"] for c in self.config["components"] if c.get("props", {}).get("elem_id")}

    # -- finding events ----------------------------------------------------------------------------------
    def dependency(self, elem_id: str, event: str) -> tuple[int, dict]:
        """The fn_index (and the dependency) of the event `event` of the component with `elem_id`."""
        target = self.by_elem[elem_id]
        for i, dep in enumerate(self.config["dependencies"]):
            if [target, event] in [list(t) for t in dep["targets"]]:
                return dep.get("id", i), dep
        raise LookupError(f"no {event} event on #{elem_id}")

    def api_index(self, api_name: str) -> int:
        """The fn_index of a named endpoint, or of a private event by its function's name."""
        for i, dep in enumerate(self.config["dependencies"]):
            if dep.get("api_name") == api_name:
                return dep.get("id", i)
        raise LookupError(f"no event named {api_name}")

    # -- calling ---------------------------------------------------------------------------------------
    def call(self, elem_id: str, event: str, data: list, session: str, event_data: dict | None = None) -> dict:
        """Run the event as the page would (but with any data): the completed message's output, or
        {"error": ...} when the event failed."""
        fn_index, dep = self.dependency(elem_id, event)
        return self.call_index(fn_index, data, session, event_data, self.by_elem[elem_id])

    def call_api(self, api_name: str, data: list, session: str) -> dict:
        """A named endpoint (/chat, /settings, ...) by its fn_index, within `session`."""
        return self.call_index(self.api_index(api_name), data, session)

    def call_index(self, fn_index: int, data: list, session: str, event_data: dict | None = None,
                   trigger_id: int | None = None, route: str | None = None) -> dict:
        """`route`: "predict" or "queue" to send the event that way whatever the page would do."""
        dep = next((d for i, d in enumerate(self.config["dependencies"]) if d.get("id", i) == fn_index), {})
        # Inputs the caller left out are sent as None, as the page sends a gr.State (the server keeps its own).
        data = list(data) + [None] * (len(dep.get("inputs", [])) - len(data))
        body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data,
                "trigger_id": trigger_id}
        if route == "predict" or (route is None and dep.get("queue") is False):
            reply = self._post("/gradio_api/run/predict", body)
            return {"data": reply.get("data"), "error": reply.get("error")}
        self._post("/gradio_api/queue/join", body)
        return self._read_events(session)

    def dependency_by_index(self, fn_index: int) -> dict:
        return next(d for i, d in enumerate(self.config["dependencies"]) if d.get("id", i) == fn_index)

    def inputs_by_type(self, fn_index: int, **values) -> list:
        """Data for an event, each input filled by its component's type (`dropdown=..., textbox=...`;
        None for any other, such as a gr.State, which the server keeps)."""
        return [values.get(self.components[i]["type"]) for i in self.dependency_by_index(fn_index)["inputs"]]

    def output_by_type(self, fn_index: int, reply: dict, kind: str):
        """The reply's value for the event's first output of component type `kind` (None without one)."""
        outputs = self.dependency_by_index(fn_index)["outputs"]
        kinds = [self.components[i]["type"] for i in outputs]
        return (reply.get("data") or [None] * len(kinds))[kinds.index(kind)] if kind in kinds else None

    def outputs(self, reply: dict, elem_id: str, event: str) -> dict:
        """The reply's output values keyed by the output components' elem_id (or id)."""
        _, dep = self.dependency(elem_id, event)
        keys = [self.components[i]["props"].get("elem_id") or i for i in dep["outputs"]]
        return dict(zip(keys, reply.get("data") or []))

    def _read_events(self, session: str) -> dict:
        req = Request(f"{self.url}/gradio_api/queue/data?session_hash={session}", headers=self._headers())
        with self._open(req, timeout=300) as stream:
            for raw in stream:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    out = msg.get("output") or {}
                    return {"data": out.get("data"), "error": out.get("error") if not msg.get("success") else None,
                            "success": msg.get("success")}
        raise AssertionError("the event stream ended without a result")

    def _headers(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def _open(self, req: Request, timeout: float):
        """Open `req` from this client's address, keeping the cookies the answer sets."""
        response = (self._opener.open if self._opener else urlopen)(req, timeout=timeout)
        for header in (response.headers.get_all("Set-Cookie") or []) if self.keep_cookies else []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response

    def _get_json(self, path: str) -> dict:
        with self._open(Request(self.url + path, headers=self._headers()), timeout=30) as r:
            return json.loads(r.read())

    def _post(self, path: str, body: dict) -> dict:
        """The JSON answer; an event that failed (run/predict answers 500) gives its {"error": ...}."""
        req = Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                      headers={"Content-Type": "application/json", **self._headers()})
        try:
            with self._open(req, timeout=300) as r:
                return json.loads(r.read() or b"{}")
        except HTTPError as e:
            if e.code != 500:
                raise
            return {"error": True, **json.loads(e.read() or b"{}")}

    def upload_file(self, path: Path) -> dict:
        """Put a file into Gradio's upload cache (as the page does first) and return its FileData."""
        boundary = uuid.uuid4().hex
        payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path.name}\"\r\n"
                   "Content-Type: text/plain\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        req = Request(self.url + "/gradio_api/upload", data=payload, method="POST",
                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **self._headers()})
        with self._open(req, timeout=60) as r:
            server_path = json.loads(r.read())[0]
        return {"path": server_path, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}

    def sign_in(self, session: str, password: str = OPERATOR_PASSWORD, route: str | None = None) -> dict:
        fn_index, _dep = self.dependency("cq-operator-password", "submit")
        return self.call_index(fn_index, [password, None], session, None, self.by_elem["cq-operator-password"], route)


def raw_request(url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                source: str | None = None) -> tuple[int, dict, bytes]:
    """One request exactly as given (any Host header, any Content-Length, none at all), from `source`;
    returns (status, headers with lower-case names, body)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60,
                                      source_address=(source, 0) if source else None)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = dict(headers or {})
        if body is not None and "Transfer-Encoding" not in headers:
            headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def app_env(work: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    # GRADIO_TEMP_DIR: the app's upload cache, in the scratch folder where a test can measure it.
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               CITEQA_CONFIG=str(work / "absent.toml"), CITEQA_INDEX_PATH=str(work / "index"),
               GRADIO_TEMP_DIR=str(work / "gradio-cache"), **extra)
    return env


def make_workspace(work: Path) -> Path:
    """A scratch folder: a copy of the seed corpus, and next to it folders the app must never read."""
    copy_seeds(work / "seeds")
    (work / "secrets").mkdir()
    (work / "secrets" / "vault.txt").write_text(f"# Vault\n\n{SECRET}\n\n{UNQUOTED}\n", encoding="utf-8")
    (work / "other").mkdir()
    (work / "other" / "fruit.md").write_text("# Orchard\n\nThe orchard grows forty kinds of apples.\n", encoding="utf-8")
    return work


def ingest_cli(work: Path, *paths: str, env: dict | None = None, cwd: Path | None = None) -> None:
    """`citeqa ingest PATHS` into the workspace's index, as an operator would at the shell."""
    done = subprocess.run([sys.executable, "-m", "citeqa.cli", "ingest", *paths], cwd=cwd or work, env=env or app_env(work),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@contextmanager
def serve(work: Path, *args: str, env: dict | None = None, cwd: Path | None = None):
    """`python app.py ARGS` on a free loopback port, run from `cwd` (default `work`); yields (url, log path)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = work / f"app-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args], cwd=cwd or work,
                                env=env or app_env(work), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_app(proc, url, log_path)
        yield url, log_path
    finally:
        stop_process(proc)


def index_state(url: str) -> list[tuple]:
    """What the app has indexed, through its public /documents endpoint (fn_index, no session needed)."""
    reply = QueueClient(url).call_api("documents", [], new_session())
    return sorted((d["source"], d["hash"], d["passages"]) for d in reply["data"][0])


def snapshot(work: Path) -> dict[str, bytes]:
    """Every document file of the workspace (seeds/, other/, secrets/) with its bytes: to show that
    nothing there was added, changed, moved or removed."""
    return {p.relative_to(work).as_posix(): p.read_bytes() for folder in ("seeds", "other", "secrets")
            for p in sorted((work / folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def visitor_app(tmp_path_factory):
    """One app that visitors attack (nobody signs in on it, so tests can share it): corpus seeds/,
    `other/` configured as a second corpus folder, an operator password the visitors do not know, and
    secrets/vault.txt indexed from outside the corpus folder (by `citeqa ingest`, as an operator may).
    It runs from work/run, so every folder is outside its working folder and the index holds absolute
    sources: the page must still show none. Yields (url, workspace, log path); one app for the whole run."""
    yield from shared("visitor_app", lambda: _visitor_app(tmp_path_factory))


@contextmanager
def _visitor_app(tmp_path_factory):
    work = make_workspace(tmp_path_factory.mktemp("visitor-app"))
    (work / "run").mkdir()
    env = app_env(work, CITEQA_OPERATOR_PASSWORD=OPERATOR_PASSWORD, CITEQA_CORPUS_PATH=str(work / "seeds"),
                  CITEQA_CORPUS_FOLDERS=json.dumps([str(work / "other")]))
    ingest_cli(work, str(work / "secrets" / "vault.txt"), env=env, cwd=work / "run")
    with serve(work, env=env, cwd=work / "run") as (url, log_path):
        yield url, work, log_path


def login_cookie(url: str, user: str, password: str) -> str:
    """Log in through Gradio's /login form (as --auth requires) and return the session cookie."""
    from urllib.parse import urlencode

    req = Request(url.rstrip("/") + "/login", data=urlencode({"username": user, "password": password}).encode(),
                  method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urlopen(req, timeout=30) as r:
        cookies = r.headers.get_all("Set-Cookie") or []
    assert cookies, "the login set no cookie"
    return "; ".join(c.split(";", 1)[0] for c in cookies)


@pytest.fixture(scope="session")
def auth_app(tmp_path_factory):
    """An app under --auth with three logins: alice is an operator (--operator alice), bob and carol are
    not. Yields (url, workspace, log path); one app for the whole run."""
    yield from shared("auth_app", lambda: _auth_app(tmp_path_factory))


@contextmanager
def _auth_app(tmp_path_factory):
    work = make_workspace(tmp_path_factory.mktemp("auth-app"))
    with serve(work, "--auth", "alice:alice-secret-pw", "--auth", "bob:bob-secret-pw", "--auth", "carol:carol-secret-pw",
               "--operator", "alice") as (url, log_path):
        yield url, work, log_path
