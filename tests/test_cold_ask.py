"""A cold `citeqa ask` imports neither torch nor sentence-transformers (they cost seconds), and the first
`citeqa ask` on an empty index indexes the corpus folder first."""

import json
import subprocess
import sys

from conftest import SEEDS

PROBE = """
import sys
from citeqa.cli import main
rc = main(["ask", "In which city did Thailand sign the UN convention against cybercrime?", "--index", sys.argv[1]])
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers", "gradio") if m in sys.modules)
print("HEAVY:", heavy)
sys.exit(rc)
"""


def test_first_ask_indexes_then_a_cold_ask_stays_light(tmp_path):
    index = tmp_path / "index"
    first = subprocess.run([sys.executable, "-m", "citeqa.cli", "ask", "Where did Thailand sign the convention?",
                            "--index", str(index), "--corpus", str(SEEDS)], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "The index is empty: indexing" in first.stderr and "1 added" in first.stderr
    assert "Hanoi" in first.stdout

    cold = subprocess.run([sys.executable, "-c", PROBE, str(index)], capture_output=True, text=True, timeout=300)
    assert cold.returncode == 0, cold.stderr
    assert "Hanoi" in cold.stdout
    assert "HEAVY: []" in cold.stdout, cold.stdout

    # The command's fast exit: the whole JSON arrives, and the refusal's exit status with it.
    refused = subprocess.run([sys.executable, "-m", "citeqa.cli", "ask", "What is the population of Bangkok?",
                              "--index", str(index), "--json", "--fail-on-refusal"], capture_output=True, text=True,
                             timeout=300)
    assert refused.returncode == 4, refused.stderr
    assert json.loads(refused.stdout)["refused"] is True
