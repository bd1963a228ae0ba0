"""The benchmarks' (and tests') servers: a free loopback port to start app.py on, a `chroma run` on one,
and stopping either afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate, and kill if it has not stopped within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def start_chroma(db: Path, log: Path | None = None, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """`chroma run` on a free loopback port over the folder `db` (output to `log`); (process, URL) once its
    heartbeat answers. Raises RuntimeError with the end of its log when it does not start in `timeout` s."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen([exe, "run", "--path", str(db), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        try:
            with urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.2)
    stop(proc)
    said = log.read_text(errors="replace")[-2000:] if log and log.is_file() else ""
    raise RuntimeError(f"chroma run did not start: {said}")
