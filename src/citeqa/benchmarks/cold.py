"""Whole-process timings for the speed benchmark: what a person waits for at a shell.

`citeqa --help`, a cold `citeqa ask` on an existing index, and `python app.py --no-ingest` until its
first answer through the served /ask endpoint; each run `runs` times as a new process, median reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from citeqa.benchmarks.processes import free_port, stop

QUESTION = "In which year did the Normans conquer England?"


def _timed(cmd: list[str], env: dict, cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - t0


def _app_first_answer(root: Path, env: dict, cwd: Path, timeout: float = 120.0) -> float:
    """Seconds from starting app.py to the first answer of its /ask endpoint."""
    from gradio_client import Client

    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(root / "app.py"), "--port", str(port), "--no-ingest"], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None or time.perf_counter() - t0 > timeout:
                raise RuntimeError("app.py did not start")
            try:
                client = Client(f"http://127.0.0.1:{port}/", analytics_enabled=False, verbose=False)
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        client.predict(QUESTION, [], api_name="/ask")
        return time.perf_counter() - t0
    finally:
        stop(proc, timeout=10)


def bench_cold(root: Path, index: Path, corpus: Path, workdir: Path, runs: int = 3) -> dict:
    env = {**os.environ, "CITEQA_INDEX_PATH": str(index), "CITEQA_CORPUS_PATH": str(corpus), "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "citeqa.cli"]
    help_s = [_timed([*cli, "--help"], env, workdir) for _ in range(runs)]
    ask_s = [_timed([*cli, "ask", QUESTION], env, workdir) for _ in range(runs)]
    app_s = [_app_first_answer(root, env, workdir) for _ in range(runs)]
    return {
        "help_s": round(statistics.median(help_s), 2),
        "cold_ask_s": round(statistics.median(ask_s), 2),
        "app_first_answer_s": round(statistics.median(app_s), 2),
        "runs": runs,
    }
