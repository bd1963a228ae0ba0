"""Helpers for the kill tests: a small corpus of distinct documents and the CLI run as a separate process,
optionally told (CITEQA_CRASH_AT) to SIGKILL itself at an exact point of its writes."""

import json
import os
import signal
import subprocess
import sys

from conftest import SEED_DOC

TOPICS = ["otters", "lighthouses", "glaciers", "beekeeping", "tramways", "orchids"]


def make_corpus(folder, n=5):
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [p for p in SEED_DOC.read_text().split("\n\n") if p.strip()]
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        body = "\n\n".join(paragraphs[j % len(paragraphs)] for j in range(i, i + 3))
        (folder / f"doc{i}.txt").write_text(
            f"Notes on {topic}\n\nThis note number {i} is about {topic} and nothing else. "
            f"The {topic} survey of year {2000 + i} counted {i * 7 + 3} sites.\n\n{body}\n"
        )
    return folder


def cli(*args, crash_at=None, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    if crash_at:
        env["CITEQA_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "citeqa.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def killed(run) -> bool:
    return run.returncode == -signal.SIGKILL


def ingest_json(corpus, index, crash_at=None):
    run = cli("ingest", corpus, "--index", index, "--no-progress", "--json", crash_at=crash_at)
    if crash_at:
        assert killed(run), (run.returncode, run.stdout, run.stderr[-2000:])
        return None
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def documents(index) -> list[str]:
    run = cli("documents", "--index", index, "--json")
    assert run.returncode == 0, run.stderr
    return sorted(d["source"].rsplit("/", 1)[-1] for d in json.loads(run.stdout))
