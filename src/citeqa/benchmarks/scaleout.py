"""Scale-out benchmark (issue 19): app processes serving one corpus from a Chroma server.

    python -m citeqa.benchmarks scaleout [--sizes 10000,100000] [--clients 8] [--asks 96] [--json out.json]

All in one run, on this machine, so the ratios compare like with like:
- ingest: the squad2 documents (or the seeds without the bench) into an embedded index and into a
  `chroma run` server, each by a fresh `citeqa ingest` process: the server/embedded time ratio;
- per size (synthetic passages as in the speed benchmark, written through the store into the server):
  a process with an empty index folder copying the server into its cache (the start cost), then CPU
  seconds per ask in the app process and in the Chroma server (/proc/<pid>/stat), and from them how many
  app processes one server core can feed;
- how quickly a write by one process is seen by another (refresh_s 2, the default, and 1), and what a
  version check costs;
- throughput of 1 and of 2 `app.py` processes against the server at the first size, `--clients` clients
  sending /ask (spread over the apps), on the same 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from citeqa.benchmarks.load import cpu_seconds, questions_for
from citeqa.benchmarks.processes import start_chroma, stop
from citeqa.benchmarks.speed import BENCH, ROOT
from citeqa.benchmarks.synthetic import build_scaled_index


def _log(msg: str) -> None:
    print(f"[scaleout {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", CITEQA_NO_MCP="1", **extra)
    return env


def ingest_seconds(corpus: Path, index: Path, cwd: Path, **env) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "citeqa.cli", "ingest", str(corpus), "--index", str(index), "--no-progress"],
                          capture_output=True, text=True, cwd=cwd, env=_env(**env))
    if done.returncode != 0:
        raise SystemExit(f"ingest failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def per_ask(url: str, collection: str, index: Path, questions: list[str], chroma_pid: int, n: int) -> dict:
    """CPU per ask in this process (a fresh Assistant: its cache copied from the server first) and in the server."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    assistant = Assistant(load_settings(index_path=index, chroma_url=url, collection=collection, answerer="extractive"))
    started = time.perf_counter()
    assistant.store.passage_count()  # the first read copies the server into the empty cache
    assistant.store.refresh_keyword_index()
    start_s = time.perf_counter() - started
    for q in questions[:3]:
        assistant.ask(q)  # warm-up: models loaded
    cpu0, server0, wall0 = time.process_time(), cpu_seconds(chroma_pid), time.perf_counter()
    for i in range(n):
        assistant.ask(questions[i % len(questions)])
    app = (time.process_time() - cpu0) / n
    server = (cpu_seconds(chroma_pid) - server0) / n
    return {"cache_copy_s": round(start_s, 2), "app_cpu_ms": round(app * 1000, 1), "server_cpu_ms": round(server * 1000, 2),
            "wall_ms": round((time.perf_counter() - wall0) / n * 1000, 1),
            "apps_per_server_core": round(app / server, 1) if server > 0 else None}


def refresh_delay(url: str, work: Path, refresh_s: float, tries: int = 5) -> dict:
    """Seconds from a write's commit in one process until another process's next question sees it."""
    from citeqa.index.store import Store
    from citeqa.settings import load_settings

    make = lambda name: Store(load_settings(index_path=work / f"refresh-{refresh_s}-{name}", chroma_url=url,  # noqa: E731
                                            collection="refresh-bench", refresh_s=refresh_s))
    writer, reader = make("w"), make("r")
    writer.check_reachable()
    delays, checks = [], []
    for i in range(tries):
        before = reader.passage_count()
        _write_one(writer, i)
        committed = time.perf_counter()
        while reader.passage_count() == before:
            time.sleep(0.02)
        delays.append(time.perf_counter() - committed)
    for _ in range(30):
        t = time.perf_counter()
        reader.server.version()
        checks.append((time.perf_counter() - t) * 1000)
    return {"refresh_s": refresh_s, "median_s": round(statistics.median(delays), 2), "max_s": round(max(delays), 2),
            "version_check_ms": round(statistics.median(checks), 2)}


def _write_one(store, i: int) -> None:
    import numpy as np

    from citeqa.documents.chunking import passage_id
    from citeqa.index.tables import DocumentRecord
    from citeqa.schema import Passage

    text = f"Refresh probe {i} {time.time()}."
    source = f"probe/{i}-{time.time_ns()}.txt"
    p = Passage(passage_id(source, "h", 0), source, "probe", 0, len(text), 1, 1, text, "h", [(0, len(text))])
    p.vectors = np.ones((1, 384), np.float32) / np.sqrt(384)
    store.write_document(DocumentRecord(source, f"/nonexistent/{source}", "probe", "h", len(text), 1, time.time()), [p],
                         p.vectors.copy())


def throughput(url: str, collection: str, work: Path, apps: int, clients: int, asks: int, questions: list[str]) -> dict:
    from gradio_client import Client

    from citeqa.benchmarks.load import start_app

    procs = []
    try:
        for n in range(apps):
            folder = work / f"app{apps}-{n}"
            folder.mkdir(parents=True, exist_ok=True)
            procs.append(start_app(folder / "index", folder, folder, CITEQA_CHROMA_URL=url, CITEQA_COLLECTION=collection))
        context = ssl.create_default_context()
        pool = [Client(procs[i % apps][1], verbose=False, analytics_enabled=False, ssl_verify=context) for i in range(clients)]
        for c in pool[:apps]:
            c.predict(questions[0], [], api_name="/ask")  # warm-up of each app
        done, lock = [], threading.Lock()

        def worker(i: int) -> None:
            for k in range(i, asks, clients):
                t = time.perf_counter()
                pool[i].predict(questions[k % len(questions)], [], api_name="/ask")
                with lock:
                    done.append(time.perf_counter() - t)

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        wall = time.perf_counter() - started
    finally:
        for proc, *_ in procs:
            stop(proc)
    return {"apps": apps, "clients": clients, "asks": len(done), "per_s": round(len(done) / wall, 2),
            "p50_s": round(statistics.median(done), 3)}


def run(sizes: list[int], clients: int, asks: int) -> dict:
    bench = BENCH / "squad2" / "docs"
    corpus = bench if bench.is_dir() else ROOT / "seeds"
    questions = questions_for(corpus)
    out: dict = {"corpus": str(corpus), "load_average_start": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="citeqa-scaleout-") as tmp:
        work = Path(tmp)
        chroma, url = start_chroma(work / "db", work / "chroma.log")
        try:
            _log(f"chroma run at {url}; ingest {corpus} embedded, then into the server")
            embedded = ingest_seconds(corpus, work / "embedded", work)
            served = ingest_seconds(corpus, work / "served", work, CITEQA_CHROMA_URL=url)
            out["ingest"] = {"embedded_s": round(embedded, 1), "server_s": round(served, 1), "ratio": round(served / embedded, 2)}
            out["sizes"] = {}
            for size in sizes:
                _log(f"{size} passages into the server")
                built = build_scaled_index(size, work / "embedded", corpus, work / f"w{size}", [corpus], collection=f"s{size}",
                                           chroma_url=url)
                out["sizes"][size] = {"write_s": built["write_s"]} | per_ask(url, f"s{size}", work / f"r{size}", questions,
                                                                            chroma.pid, 30)
                _log(f"{size}: {out['sizes'][size]}")
            out["refresh"] = [refresh_delay(url, work, r) for r in (2.0, 1.0)]
            _log(f"refresh: {out['refresh']}")
            out["throughput"] = [throughput(url, f"s{sizes[0]}", work, n, clients, asks, questions) for n in (1, 2)]
            _log(f"throughput: {out['throughput']}")
        finally:
            stop(chroma)
    out["load_average_end"] = round(os.getloadavg()[0], 2)
    return out


def report(r: dict) -> str:
    lines = ["| figure | measured |", "| --- | --- |",
             f"| ingest of {Path(r['corpus']).parent.name or r['corpus']}: embedded / into the server | "
             f"{r['ingest']['embedded_s']} s / {r['ingest']['server_s']} s (x{r['ingest']['ratio']}) |"]
    for size, s in r["sizes"].items():
        lines += [f"| {size} passages: a fresh process copying the server into its cache | {s['cache_copy_s']} s |",
                  f"| {size} passages: CPU per ask, app process / Chroma server | {s['app_cpu_ms']} ms / {s['server_cpu_ms']} ms |",
                  f"| {size} passages: app processes one server core can feed | {s['apps_per_server_core']} |"]
    for f in r["refresh"]:
        lines.append(f"| a write seen by another process, refresh_s = {f['refresh_s']:g}: median / max | {f['median_s']} s / {f['max_s']} s |")
    lines.append(f"| a version check (once per refresh_s at most) | {r['refresh'][0]['version_check_ms']} ms |")
    for t in r["throughput"]:
        lines.append(f"| {t['apps']} app process(es), {t['clients']} clients, {t['asks']} asks | {t['per_s']} asks/s, p50 {t['p50_s']} s |")
    lines.append(f"| load average at start / end | {r['load_average_start']} / {r['load_average_end']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m citeqa.benchmarks scaleout", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000", help="passages in the server, comma-separated (e.g. 10000,100000)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--asks", type=int, default=96, help="asks in each throughput run")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    result = run([int(s) for s in args.sizes.split(",")], args.clients, args.asks)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0
