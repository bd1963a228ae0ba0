"""Run-on text benchmark (issue 10 item 10): a file with no punctuation and no line breaks.

    python -m citeqa.benchmarks runon [--mb 5] [--ingest-mb 0.5] [--json out.json]

Figures, each from a fresh process (so peak RSS is that step's own):
- splitting an --mb file into sentences and passages: seconds, peak RSS, the longest sentence/passage;
- ingesting an --ingest-mb file while another thread asks a question every 0.3 s: ingest seconds and
  peak RSS, ask latency p50/p95 while it runs vs before it starts, and failed asks (the app's case:
  it must keep answering during a long upload). Embedding is what a big file costs (~1 min per
  0.5 MB of run-on text on 2 shared cores), so the ingest step uses a smaller file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

WORDS = ("harbour river market stone light water people city under over between ancient northern record "
         "season valley winter bridge garden letter").split()

SPLIT = r"""
import json, resource, sys, time
from pathlib import Path
from citeqa.documents.chunking import split_document
from citeqa.documents.registry import read_document
t = time.perf_counter()
doc = read_document(Path(sys.argv[1]))
passages = split_document(doc, 1000)
print(json.dumps({"seconds": round(time.perf_counter() - t, 2), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "passages": len(passages), "longest_passage": max(len(p.text) for p in passages),
                  "longest_sentence": max(e - s for p in passages for s, e in p.sentences)}))
"""

INGEST = r"""
import json, resource, statistics, sys, threading, time
from pathlib import Path
from citeqa.chat import Assistant
from citeqa.settings import load_settings
seed, big, index = map(Path, sys.argv[1:4])
a = Assistant(load_settings(index_path=index, corpus_path=seed.parent))
a.ingest([seed], progress=False)
words = "city convention Thailand sign cybercrime Hanoi conference scams year police".split()
n = [0]
def timed():
    # A new question each time: a repeated one would come from the query cache, not the model.
    n[0] += 1
    q = f"In which {words[n[0] % 10]} did Thailand sign the {words[(n[0] // 10) % 10]} convention {n[0]}?"
    t = time.perf_counter(); r = a.ask(q); return time.perf_counter() - t, r
idle = [timed()[0] for _ in range(10)]
during, errors, done = [], [], threading.Event()
def asker():
    while not done.is_set():
        try:
            during.append(timed()[0])
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")
        time.sleep(0.3)
th = threading.Thread(target=asker); th.start()
t = time.perf_counter(); report = a.ingest([big], progress=False); seconds = time.perf_counter() - t
done.set(); th.join()
pct = lambda v, q: sorted(v)[min(len(v) - 1, round(q * (len(v) - 1)))]
print(json.dumps({"seconds": round(seconds, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "passages": report.passages_written, "asks_during": len(during), "ask_errors": len(errors), "error_samples": errors[:3],
                  "idle_p50_s": round(statistics.median(idle), 3),
                  "during_p50_s": round(statistics.median(during), 3) if during else None,
                  "during_p95_s": round(pct(during, 0.95), 3) if during else None}))
"""


def run_on_text(path: Path, mb: float, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w") as f:
        written = 0
        while written < mb * 1_000_000:
            chunk = " ".join(rng.choice(WORDS) for _ in range(5000)) + " "
            f.write(chunk)
            written += len(chunk)


def child(code: str, *args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m citeqa.benchmarks runon", description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=5.0, help="size of the file that is split (default 5)")
    p.add_argument("--ingest-mb", type=float, default=0.5, help="size of the file that is ingested (default 0.5; 0: skip)")
    p.add_argument("--json", type=Path, metavar="FILE")
    args = p.parse_args(argv)
    from citeqa.benchmarks.speed import ROOT

    with tempfile.TemporaryDirectory(prefix="citeqa-runon-") as tmp:
        tmp = Path(tmp)
        run_on_text(tmp / "split.txt", args.mb)
        result = {"split": child(SPLIT, tmp / "split.txt") | {"mb": args.mb}}
        if args.ingest_mb > 0:
            (tmp / "big").mkdir()
            run_on_text(tmp / "big" / "runon.txt", args.ingest_mb)
            seed = next((ROOT / "seeds").glob("*.txt"))
            result["ingest"] = child(INGEST, seed, tmp / "big" / "runon.txt", tmp / "index") | {"mb": args.ingest_mb}
    s = result["split"]
    print(f"split {s['mb']} MB run-on: {s['seconds']} s, peak RSS {s['peak_rss_mb']} MB, {s['passages']} passages, "
          f"longest sentence {s['longest_sentence']} / passage {s['longest_passage']} characters")
    if "ingest" in result:
        i = result["ingest"]
        print(f"ingest {i['mb']} MB run-on: {i['seconds']} s, peak RSS {i['peak_rss_mb']} MB; asks while it ran: "
              f"{i['asks_during']}, p50 {i['during_p50_s']} s, p95 {i['during_p95_s']} s (idle p50 {i['idle_p50_s']} s), "
              f"{i['ask_errors']} failed {i['error_samples']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
