"""Load benchmark: `python app.py` on 127.0.0.1 and N concurrent gradio_client clients, bounded rounds.

    python -m citeqa.benchmarks load [--clients 20] [--rounds 10] [--corpus DIR] [--json out.json] [--quick]

Every figure comes from one run, so the ratios compare like with like on a shared machine:
- CPU seconds per ask: the app's own CPU time (/proc/<pid>/stat) over asks from one client, one at a
  time, after a warm-up; the CPU bound is then cores / (CPU seconds per ask) asks a second;
- throughput under load: requests (each client sends /ask then /chat per round) per second of wall
  time, against that bound (target >= 70%); p50/p95 latency (target p95 <= 1 s); errors;
- conversation leaks: after the rounds each client's /conversation must hold exactly its own /chat
  questions, in order;
- the app's RSS after each round (target: the last within ±10% of the first);
- the cores the app actually got during the rounds and the machine's load average: on a machine shared
  with other jobs the app gets less than `cores`, so the ratio is also given against what it got.
The clients run in this process (threads); their CPU is reported too, since it shares the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.request import urlopen

from citeqa.benchmarks.processes import free_port, stop
from citeqa.benchmarks.speed import BENCH, ROOT

TARGETS = {"throughput_ratio": (">=", 0.70), "p95_s": ("<=", 1.0), "rss_drift": ("<=", 0.10)}
SEED_QUESTIONS = [
    "In which city did Thailand sign the UN convention against cybercrime?",
    "When did Bangkok host the conference on online scams?",
    "Who co-organised the conference?",
    "What did Thailand sign in 2025?",
    "What is the capital of Mongolia?",  # refused: the seed does not say
]
_TICKS = os.sysconf("SC_CLK_TCK")


def _log(msg: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) / 1024.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def questions_for(corpus: Path) -> list[str]:
    qfile = corpus.parent / "questions.jsonl"
    if qfile.is_file():
        rows = [json.loads(line) for line in qfile.read_text().splitlines() if line.strip()]
        return [r["question"] for r in rows if r.get("question")][:200]
    return SEED_QUESTIONS


def start_app(index: Path, corpus: Path, workdir: Path, **extra: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env.update(CITEQA_INDEX_PATH=str(index), CITEQA_CORPUS_PATH=str(corpus), CITEQA_NO_MCP="1",
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", **extra)
    log = workdir / "app.log"
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--no-ingest", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=workdir, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while True:
        if "Serving on" in log.read_text():
            try:
                with urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return proc, url, log
            except OSError:
                pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise SystemExit(f"app.py did not start: {log.read_text()[-2000:]}")
        time.sleep(0.25)


def run(clients: int, rounds: int, corpus: Path, solo: int, cores: int, index: Path | None = None) -> dict:
    from gradio_client import Client

    questions = questions_for(corpus)
    with tempfile.TemporaryDirectory(prefix="citeqa-load-") as tmp:
        tmp = Path(tmp)
        index = (index or tmp / "index").resolve()  # a given one is reused (ingest is incremental)
        _log(f"indexing {corpus}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
        done = subprocess.run([sys.executable, "-m", "citeqa.cli", "ingest", str(corpus.resolve()), "--index", str(index), "--no-progress"],
                              capture_output=True, text=True, env=env, cwd=tmp)
        if done.returncode != 0:
            raise SystemExit(f"ingest failed: {done.stderr[-2000:]}")
        proc, url, log = start_app(index, corpus, tmp)
        try:
            _log(f"app up at {url}; {clients} clients x {rounds} rounds")
            pool: list = [None] * clients

            # gradio_client makes every HTTP call with a fresh httpx client, and with ssl_verify=True each
            # loads the CA bundle into a new SSL context (~45 ms of CPU a request, 10x the client's other
            # work, even over plain http). One shared context keeps the load generator off the app's cores.
            context = ssl.create_default_context()

            def connect(i: int) -> None:
                pool[i] = Client(url, verbose=False, analytics_enabled=False, ssl_verify=context)

            threads = [threading.Thread(target=connect, args=(i,)) for i in range(clients)]
            [t.start() for t in threads]
            [t.join() for t in threads]

            # One client, one ask at a time: the CPU an ask costs the app (after a warm-up).
            for q in questions[:3]:
                pool[0].predict(q, [], api_name="/ask")
            solo_lat = []
            cpu0 = cpu_seconds(proc.pid)
            for i in range(solo):
                t = time.perf_counter()
                pool[0].predict(questions[i % len(questions)], [], api_name="/ask")
                solo_lat.append(time.perf_counter() - t)
            cpu_per_ask = (cpu_seconds(proc.pid) - cpu0) / solo
            rss_start = rss_mb(proc.pid)

            latencies: dict[str, list[float]] = {"ask": [], "chat": []}
            errors: list[str] = []
            sent: list[list[str]] = [[] for _ in range(clients)]
            rss_rounds, lock = [], threading.Lock()

            def client_round(i: int, r: int, barrier: threading.Barrier) -> None:
                rng = random.Random(r * 1000 + i)
                barrier.wait()
                for kind in ("ask", "chat"):
                    q = rng.choice(questions)
                    t = time.perf_counter()
                    try:
                        if kind == "ask":
                            result = pool[i].predict(q, [], api_name="/ask")
                        else:
                            result = pool[i].predict(q, api_name="/chat")
                            sent[i].append(q.strip()) if not result.get("error") else None
                        assert result["question"] == q.strip(), "answer to another question"
                        ok = True
                    except Exception as e:  # counted, not raised: the figure is how many failed
                        ok = False
                        with lock:
                            errors.append(f"{kind}: {type(e).__name__}: {str(e)[:200]}")
                    with lock:
                        if ok:
                            latencies[kind].append(time.perf_counter() - t)

            my_cpu0, app_cpu0 = time.process_time(), cpu_seconds(proc.pid)
            started = time.perf_counter()
            for r in range(rounds):
                barrier = threading.Barrier(clients)
                threads = [threading.Thread(target=client_round, args=(i, r, barrier)) for i in range(clients)]
                [t.start() for t in threads]
                [t.join() for t in threads]
                rss_rounds.append(round(rss_mb(proc.pid), 1))
                _log(f"round {r + 1}/{rounds}: app RSS {rss_rounds[-1]:.0f} MB, errors so far {len(errors)}")
            wall = time.perf_counter() - started
            app_cpu, my_cpu = cpu_seconds(proc.pid) - app_cpu0, time.process_time() - my_cpu0
            load_average = os.getloadavg()[0]  # other jobs on the same cores: context for every timing

            leaks = 0
            for i in range(clients):
                conv = pool[i].predict(api_name="/conversation")
                if conv["questions"] != sent[i]:
                    leaks += 1
        finally:
            stop(proc)

    done_requests = len(latencies["ask"]) + len(latencies["chat"])
    everything = latencies["ask"] + latencies["chat"]
    bound = cores / cpu_per_ask if cpu_per_ask > 0 else float("inf")
    throughput = done_requests / wall
    return {
        "clients": clients, "rounds": rounds, "cores": cores, "corpus": str(corpus),
        "solo_asks": solo, "solo_p50_s": round(statistics.median(solo_lat), 3),
        "cpu_s_per_ask": round(cpu_per_ask, 4), "cpu_bound_per_s": round(bound, 2),
        "requests": done_requests, "wall_s": round(wall, 2), "throughput_per_s": round(throughput, 2),
        "throughput_ratio": round(throughput / bound, 3),
        "app_cpu_s_per_request_under_load": round(app_cpu / max(1, done_requests), 4),
        "app_cores_used": round(app_cpu / wall, 2), "load_average": round(load_average, 1),
        # The same ratio against the cores the app actually got (other jobs share the machine).
        "throughput_ratio_cores_used": round(throughput * cpu_per_ask / (app_cpu / wall), 3) if app_cpu > 0 else None,
        "client_cpu_s_per_request": round(my_cpu / max(1, done_requests), 4),
        "p50_s": round(statistics.median(everything), 3) if everything else None,
        "p95_s": round(percentile(everything, 0.95), 3) if everything else None,
        "ask_p95_s": round(percentile(latencies["ask"], 0.95), 3) if latencies["ask"] else None,
        "chat_p95_s": round(percentile(latencies["chat"], 0.95), 3) if latencies["chat"] else None,
        "errors": len(errors), "error_samples": errors[:5], "conversation_leaks": leaks,
        "rss_before_mb": round(rss_start, 1), "rss_per_round_mb": rss_rounds,
        "rss_drift": round(abs(rss_rounds[-1] - rss_rounds[0]) / rss_rounds[0], 3) if rss_rounds else None,
    }


def verdicts(r: dict) -> dict[str, str]:
    out = {}
    for key, (op, limit) in TARGETS.items():
        value = r.get(key)
        ok = value is not None and (value >= limit if op == ">=" else value <= limit)
        out[key] = f"{'pass' if ok else 'MISS'} ({op} {limit:g})"
    return out


def report(r: dict) -> str:
    v = verdicts(r)
    rows = [
        ("CPU s per ask (one client, the app's CPU)", f"{r['cpu_s_per_ask'] * 1000:.0f} ms", ""),
        (f"CPU bound ({r['cores']} cores / CPU s per ask)", f"{r['cpu_bound_per_s']:.1f} req/s", ""),
        (f"throughput, {r['clients']} clients x {r['rounds']} rounds", f"{r['throughput_per_s']:.1f} req/s", ""),
        ("throughput / CPU bound", f"{r['throughput_ratio']:.0%}", v["throughput_ratio"]),
        ("latency p50 (ask + chat)", f"{r['p50_s']:.3f} s", ""),
        ("latency p95 (ask + chat)", f"{r['p95_s']:.3f} s", v["p95_s"]),
        ("one client alone, p50", f"{r['solo_p50_s']:.3f} s", ""),
        ("errors / conversation leaks", f"{r['errors']} / {r['conversation_leaks']}", ""),
        ("app RSS per round (MB)", " ".join(f"{x:.0f}" for x in r["rss_per_round_mb"]), ""),
        ("RSS drift, last vs first round", f"{r['rss_drift']:+.1%}", v["rss_drift"]),
        ("app CPU s per request under load", f"{r['app_cpu_s_per_request_under_load'] * 1000:.0f} ms", ""),
        ("client CPU s per request (same cores)", f"{r['client_cpu_s_per_request'] * 1000:.0f} ms", ""),
        ("app CPU used during the rounds", f"{r['app_cores_used']:.2f} cores", ""),
        ("machine load average (1 min) at the end", f"{r['load_average']:.1f}", ""),
        ("throughput / bound of the cores the app got", f"{r['throughput_ratio_cores_used']:.0%}", ""),
    ]
    lines = ["| figure | measured | target |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m citeqa.benchmarks load", description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--solo", type=int, default=30, help="asks from one client that measure the CPU per ask")
    default_corpus = BENCH / "squad2" / "docs"
    p.add_argument("--corpus", type=Path, default=default_corpus if default_corpus.is_dir() else ROOT / "seeds")
    p.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--quick", action="store_true", help="4 clients x 3 rounds, 10 solo asks, the seeds (the CI case)")
    p.add_argument("--index", type=Path, metavar="DIR", help="index folder to (re)use; default: a scratch one")
    p.add_argument("--json", type=Path, metavar="FILE")
    args = p.parse_args(argv)
    if args.quick:
        args.clients, args.rounds, args.solo, args.corpus = 4, 3, 10, ROOT / "seeds"
    if not 1 <= args.clients <= 200 or not 1 <= args.rounds <= 100:
        p.error("--clients must be 1-200 and --rounds 1-100 (the load is bounded)")
    r = run(args.clients, args.rounds, args.corpus, args.solo, args.cores, args.index)
    r["verdicts"] = verdicts(r)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
