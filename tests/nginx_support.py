"""Running the deployment's nginx configurations (src/citeqa/deploy/) on this machine, their service names
swapped for local addresses, so the tests check the files that ship. Needs an `nginx` binary."""

import shutil
import subprocess
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from conftest import ROOT, free_port, stop_process

DEPLOY = ROOT / "src" / "citeqa" / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")


class Nginx:
    """`text` as an nginx.conf (a full one) or as a server block (`server=True`), run in `folder`."""

    def __init__(self, folder: Path, text: str, server: bool = False):
        self.folder = folder
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        conf = folder / "nginx.conf"
        head = f"pid {folder}/nginx.pid;\nerror_log {folder}/logs/error.log;\n"
        if server:
            text = f"events {{}}\nhttp {{ access_log off; {text} }}\n"
        conf.write_text(head + text.replace("worker_processes auto;", "worker_processes 1;"))
        self.conf = conf

    def __enter__(self):
        test = subprocess.run([NGINX, "-p", str(self.folder), "-c", str(self.conf), "-t"], capture_output=True, text=True)
        assert test.returncode == 0, test.stderr
        self.proc = subprocess.Popen([NGINX, "-p", str(self.folder), "-c", str(self.conf), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def wait(self, url: str) -> None:
        for _ in range(100):
            try:
                urlopen(url, timeout=1).close()
                return
            except OSError as e:
                if getattr(e, "code", None):  # an HTTP error is an answer: nginx is up
                    return
                time.sleep(0.05)
        pytest.fail(f"nginx did not answer: {(self.folder / 'logs' / 'error.log').read_text()[-2000:]}")

    def __exit__(self, *exc):
        stop_process(self.proc)


__all__ = ["DEPLOY", "Nginx", "free_port", "needs_nginx"]
