"""A token gate in front of a real `chroma run`, as a deployment puts one (Chroma's cookbook uses Envoy for
1.x): the installed Chroma 1.x server checks no token itself (its 0.x CHROMA_SERVER_AUTHN_* settings
are ignored), so the tests check citeqa's client against this. Like Envoy's RBAC filter it answers 403
`RBAC: access denied` to a request without the token; with `certfile` it speaks https only."""

import http.client
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class Gate:
    def __init__(self, upstream: str, token: str, header: str = "Authorization", certfile: Path | None = None):
        up = urlparse(upstream)
        want = f"Bearer {token}" if header == "Authorization" else token
        self.seen: list[dict] = []  # the headers of every request that reached the gate

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gate.seen.append(dict(self.headers))
                if self.headers.get(header) != want:
                    return self._reply(403, b"RBAC: access denied", "text/plain")
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body or None,
                                 headers={k: v for k, v in self.headers.items() if k.lower() not in HOP})
                    r = conn.getresponse()
                    self._reply(r.status, r.read(), r.getheader("Content-Type", "application/json"))
                finally:
                    conn.close()

            def _reply(self, status, data, kind):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _relay

        gate = self
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if certfile is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def self_signed(folder: Path) -> Path:
    """A certificate (and its key, in the same PEM file) for 127.0.0.1, made by openssl."""
    pem, key = folder / "server.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    pem.write_text((folder / "cert.pem").read_text() + key.read_text())
    return pem
