"""The load benchmark's CI case (`--quick`: app.py and 4 gradio_client clients x 3 rounds of /ask + /chat
on the seeds). No timing is asserted (the machine is shared): it must run end to end, every request
must succeed, no conversation may leak between clients, and every figure must be reported."""

import json
import os
import subprocess
import sys


def test_quick_load_runs_without_errors_or_leaks(tmp_path):
    out = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    run = subprocess.run([sys.executable, "-m", "citeqa.benchmarks", "load", "--quick", "--json", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["clients"] == 4 and data["rounds"] == 3
    assert data["errors"] == 0, data["error_samples"]
    assert data["conversation_leaks"] == 0
    assert data["requests"] == 4 * 3 * 2
    assert len(data["rss_per_round_mb"]) == 3 and all(x > 0 for x in data["rss_per_round_mb"])
    assert data["cpu_s_per_ask"] > 0 and data["throughput_per_s"] > 0 and data["p95_s"] >= data["p50_s"] > 0
    for figure in ("CPU bound", "throughput / CPU bound", "latency p95", "RSS drift", "conversation leaks"):
        assert figure in run.stdout, run.stdout
    assert set(data["verdicts"]) == {"throughput_ratio", "p95_s", "rss_drift"}
