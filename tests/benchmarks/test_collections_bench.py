"""The collections benchmark's CI smoke (`--quick`): both parts run end to end, with or without the bench
corpora, and report every figure. No timing is asserted (the machine is shared); this keeps it from rotting."""

import json
import os
import subprocess
import sys


def test_quick_smoke_reports_every_figure(tmp_path):
    out = tmp_path / "collections.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    run = subprocess.run([sys.executable, "-m", "citeqa.benchmarks", "collections", "--quick", "--json", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    figures = json.loads(out.read_text())
    layout, ask = figures["layout"], figures["ask"]
    for name in ("separate_collection", "field_collection", "separate_docs", "field_docs"):
        assert layout[name]["p95_ms"] > 0 and 0 <= layout[name]["recall_at_10"] <= 1
    assert layout["separate_disk_mb"] > 0 and layout["field_delete_collection_s"] >= 0
    assert ask["collections"] == 4 and ask["questions"] > 0
    for mode in ("unscoped", "collection", "collection + 3 documents"):
        assert ask[mode]["p95_ms"] > 0
    assert "p95" in run.stdout and "over unscoped" in run.stdout
