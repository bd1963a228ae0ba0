"""Issue 19 item 5: the deployment's load balancer (src/citeqa/deploy/nginx.conf), run by nginx with its app
services swapped for local stand-ins: a client stays with one app process (Gradio's queue and logins
live in one process), the app sees the client's own address (not one it forged) and the Host it asked
for, and a streamed answer is passed on as it is written, not when it ends."""

import json
import re
import threading
import time
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


from nginx_support import DEPLOY, Nginx, free_port, needs_nginx

pytestmark = needs_nginx


def _stand_in(name: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            seen = {"app": name, "xff": self.headers.get("X-Forwarded-For"), "host": self.headers.get("Host")}
            self.wfile.write((json.dumps(seen) + "\n").encode())
            self.wfile.flush()
            if self.path == "/stream":
                time.sleep(1.5)
                self.wfile.write(b"done\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_balancer_keeps_a_client_on_one_app(tmp_path):
    text = (DEPLOY / "nginx.conf").read_text()
    apps = re.findall(r"server (app\d+):7860", text)
    assert "ip_hash;" in text and apps == ["app1", "app2", "app3"]
    stand_ins = {name: _stand_in(name) for name in apps}
    port = free_port()
    for name, server in stand_ins.items():
        text = text.replace(f"server {name}:7860", f"server 127.0.0.1:{server.server_address[1]}")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    try:
        with Nginx(tmp_path / "balancer", text) as balancer:
            balancer.wait(f"http://127.0.0.1:{port}/")
            served = set()
            for _ in range(12):
                conn = HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/", headers={"X-Forwarded-For": "203.0.113.9", "Host": f"chat.example:{port}"})
                seen = json.loads(conn.getresponse().readline())
                conn.close()
                served.add(seen["app"])
                assert seen["xff"] == "127.0.0.1" and seen["host"] == f"chat.example:{port}"
            assert len(served) == 1  # one client, one process

            conn = HTTPConnection("127.0.0.1", port, timeout=10)
            started = time.monotonic()
            conn.request("GET", "/stream")
            reply = conn.getresponse()
            assert json.loads(reply.readline())["app"] in served
            assert time.monotonic() - started < 1.2  # the first event arrived before the answer ended
            assert reply.readline() == b"done\n"
            conn.close()
    finally:
        for server in stand_ins.values():
            server.shutdown()
            server.server_close()
