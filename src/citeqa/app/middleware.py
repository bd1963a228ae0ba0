"""What the server checks before Gradio sees a request: ASGI middleware around everything it serves.

- HostGuard: only the names the app is served as (hosts.py); anything else gets 400 and one line,
  HTTP and websocket alike, so a DNS-rebinding page reads nothing.
- UploadLimit: /gradio_api/upload within a byte budget per client address and in total (limits.py),
  refused with 413 or 429 and the reason before a byte is stored.
- VisitorCookie: a browser without the signed visitor cookie gets one (HttpOnly, SameSite=Lax): the
  owner of an anonymous visitor's conversations (history.py).

`Guards.lifespan` installs them ahead of Gradio's own CORS and compression middleware (see there).
"""

from __future__ import annotations

import logging
import math
from contextlib import asynccontextmanager

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse

from citeqa.app.history import VISITOR_COOKIE, Owners
from citeqa.app.hosts import AllowedHosts
from citeqa.app.limits import UPLOAD_CLIENT_BYTES, UPLOAD_CLIENT_WINDOW, UPLOAD_TOTAL_BYTES, ByteBudget, client_key

log = logging.getLogger("citeqa.app")

UPLOAD_PATH = "/gradio_api/upload"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
REFUSED_HOST = ("Bad Host header: this app answers only to the names it is served as "
                "(start it with --allowed-host NAME to add one).\n")
MB = 1024 * 1024


def _plain(status: int, text: str, **headers: str) -> PlainTextResponse:
    return PlainTextResponse(text, status_code=status, headers={"X-Content-Type-Options": "nosniff", **headers})


class HostGuard:
    def __init__(self, app, hosts: AllowedHosts):
        self.app, self.hosts, self._logged = app, hosts, set()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        host = Headers(scope=scope).get("host")
        if host in self.hosts:
            return await self.app(scope, receive, send)
        if len(self._logged) < 100 and host not in self._logged:  # once per name: the log is not a flood target
            self._logged.add(host)
            log.warning("refused a request for host %r (add it with --allowed-host if it is yours)", host)
        if scope["type"] == "http" or "websocket.http.response" in scope.get("extensions", {}):
            await _plain(400, REFUSED_HOST)(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008})


class UploadLimit:
    def __init__(self, app, budget: ByteBudget):
        self.app, self.budget = app, budget

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope["path"].rstrip("/").endswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        refusal = self.refusal(Headers(scope=scope).get("content-length"), (scope.get("client") or ("",))[0])
        if refusal is None:
            return await self.app(scope, receive, send)
        if refusal.status_code == 429:  # read (and drop) what is within the size limit, so the page gets the reason
            while (message := await receive())["type"] != "http.disconnect" and message.get("more_body"):
                pass
        await refusal(scope, receive, send)

    def refusal(self, length: str | None, host: str) -> PlainTextResponse | None:
        if length is None or not length.strip().isdigit():
            return _plain(411, "An upload must state its size (Content-Length).\n")
        size = int(length)
        if size > self.budget.per_client:
            return _plain(413, f"Too large: one upload request may carry at most {self.budget.per_client // MB} MB.\n")
        refused = self.budget.spend(client_key(host), size)
        if refused is None:
            return None
        which, wait = refused
        minutes = max(1, math.ceil(wait / 60))
        if which == "client":
            text = (f"Upload limit reached: at most {UPLOAD_CLIENT_BYTES // MB} MB per "
                    f"{UPLOAD_CLIENT_WINDOW // 60:.0f} minutes from one address; try again in {minutes} min.\n")
        else:
            text = (f"The server's upload space is full for now (at most {UPLOAD_TOTAL_BYTES // MB} MB of uploads "
                    f"are kept at a time); try again in {minutes} min.\n")
        return _plain(429, text, **{"Retry-After": str(math.ceil(wait))})


class VisitorCookie:
    def __init__(self, app, owners: Owners):
        self.app, self.owners = app, owners

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cookies = cookie_parser(Headers(scope=scope).get("cookie", ""))
        if self.owners.cookie_visitor(cookies.get(VISITOR_COOKIE)) is not None:
            return await self.app(scope, receive, send)
        cookie = (f"{VISITOR_COOKIE}={self.owners.new_cookie()}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; "
                  "SameSite=Lax" + ("; Secure" if scope.get("scheme") == "https" else ""))

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class Guards:
    """The middleware above around one served app: `launch(app_kwargs={"lifespan": guards.lifespan})`,
    then check `guards.installed`."""

    def __init__(self, hosts: AllowedHosts, owners: Owners, uploads: ByteBudget):
        self.hosts, self.owners, self.uploads = hosts, owners, uploads
        self.installed = False

    def wrap(self, app):
        return HostGuard(UploadLimit(VisitorCookie(app, self.owners), self.uploads), self.hosts)

    @asynccontextmanager
    async def lifespan(self, app):
        # Gradio adds its CORS and compression middleware after any given through app_kwargs, so those
        # would run first (a rebinding page's CORS preflight would be answered, its origin echoed,
        # before a Host check). The server runs this before it accepts a connection, and the app's
        # middleware stack is built by then: wrapping that stack puts these checks ahead of it all.
        app.middleware_stack = self.wrap(app.middleware_stack or app.build_middleware_stack())
        self.installed = True
        yield
