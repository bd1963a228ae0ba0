"""The speed benchmark's CI smoke (`--quick`): it runs end to end and reports every figure.

No timing is asserted (the machine is shared); this only keeps the benchmark from rotting.
"""

import json
import os
import subprocess
import sys

import pytest

from citeqa.benchmarks import speed

pytestmark = pytest.mark.skipif(
    not (speed.BENCH / "squad2" / "docs").is_dir(), reason=f"benchmark corpora not found under {speed.BENCH}"
)

FIGURES = [
    "ingest throughput ratio citeqa/bare",
    "re-ingest unchanged (in process)",
    "re-ingest unchanged (`citeqa ingest`, new process)",
    "ask p50 @ 300 passages",
    "ask p95 @ 300 passages",
    "answerer sentence-embedding share @ 300",
    "app.py --no-ingest: time to ready",
    "peak RSS: benchmark process",
    "peak RSS: app.py",
    "`citeqa --help`",
    "cold `citeqa ask` (new process)",
    "`python app.py --no-ingest` to its first /ask answer",
]


def test_quick_smoke_reports_every_figure(tmp_path):
    out = tmp_path / "speed.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_") or k == "CITEQA_BENCH_DIR"}
    run = subprocess.run(
        [sys.executable, "-m", "citeqa.benchmarks", "speed", "--quick", "--json", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = run.stdout
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if line.startswith("|") and len(cells) == 6:
            rows[cells[1]] = cells[2]
    for figure in FIGURES:
        measured = next((v for name, v in rows.items() if name.startswith(figure)), None)
        assert measured is not None, f"missing {figure!r} in:\n{table}"
        assert measured and measured != "n/a", (figure, measured)
    for key in ("ingest_ratio", "reingest_s", "app_ready_s", "cold_ask_s"):
        assert f"{speed.TARGETS[key][0]} {speed.TARGETS[key][1]:g}" in table  # targets are shown
    assert "pass" in table or "MISS" in table

    data = json.loads(out.read_text())
    assert data["quick"] is True
    assert set(data["ingest"]) >= {"ingest_ratio", "bare_encode_s", "citeqa_ingest_s", "reingest_s", "reingest_cli_s"}
    ask = data["ask"]["300"]
    assert {"p50_ms", "p95_ms", "mean_ms_by_part", "answerer_embed_share"} <= set(ask)
    assert data["app"]["app_ready_s"] is not None and data["app"]["app_peak_rss_mb"] is not None
    assert data["peak_rss_mb"] > 0
    assert set(data["verdicts"]) == {"ingest_ratio", "reingest_s", "app_ready_s", "cold_ask_s"}
    assert {"help_s", "cold_ask_s", "app_first_answer_s"} <= set(data["cold"])


def test_dispatch_usage():
    from citeqa.benchmarks.__main__ import main

    assert main([]) == 2
    assert main(["--help"]) == 0
