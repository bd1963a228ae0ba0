"""Smoke run of the quality benchmark so it does not rot: two squad2 questions over one article."""

import subprocess
import sys

import pytest

from conftest import ROOT

BENCH = next((p for p in (ROOT.parent / "shared" / "bench", ROOT / "shared" / "bench") if (p / "squad2").is_dir()), None)


@pytest.mark.skipif(BENCH is None, reason="the shared bench folder (../shared/bench) is not beside this checkout")
def test_quality_benchmark_smoke(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "citeqa.benchmarks", "quality", "--bench", str(BENCH), "--sets", "squad2",
         "--limit", "2", "--distractors", "0", "--index-root", str(tmp_path), "--json", str(tmp_path / "q.json")],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for line in ("citeqa (default)", "naive LangChain 1000/200", "BM25 alone", "citation correct", "false refusal"):
        assert line in out.stdout
    import json

    (result,) = json.loads((tmp_path / "q.json").read_text())
    assert result["questions"] == 2 and 0.0 <= result["citeqa"]["hit@5"] <= 1.0
