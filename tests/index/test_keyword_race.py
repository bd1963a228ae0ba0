"""Issue 10 item 9: keyword-index rebuilds are atomic per process. Two processes rebuild the same index
folder 150 times each, at the same time, while also reading it: no error, and every read sees a whole
index (its passages and its version agree)."""

import json
import subprocess
import sys

WORKER = r"""
import json, sys, uuid
from pathlib import Path
from citeqa.index.keyword import KeywordIndex
folder, tag, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
errors, reads = [], 0
for i in range(rounds):
    n = 20 + (i % 7)
    ids = [f"{tag}-{i}-{j}" for j in range(n)]
    texts = [f"passage {j} about lighthouses and glaciers number {i}" for j in range(n)]
    try:
        KeywordIndex(folder).build(ids, texts, f"{tag}-{i}-{n}")
        reader = KeywordIndex(folder)
        hits = reader.search("lighthouses glaciers", 100)
        version = reader._version
        # A whole index: the hits all come from the build its version names, and all of it.
        prefix, count = version.rsplit("-", 1)
        assert len(hits) == int(count) and all(h.startswith(prefix + "-") for h, _ in hits), (version, hits[:2])
        reads += 1
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")
print(json.dumps({"errors": errors[:5], "n_errors": len(errors), "reads": reads}))
"""


def test_two_processes_rebuilding_at_once_never_fail(tmp_path):
    folder = tmp_path / "keyword"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(folder), tag, "150"], stdout=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert [r["n_errors"] for r in results] == [0, 0], results
    assert [r["reads"] for r in results] == [150, 150]
    assert not [f.name for f in folder.iterdir() if f.name.startswith("current.json.")]  # every pointer swapped in
    assert json.loads((folder / "current.json").read_text())["format"] > 0
