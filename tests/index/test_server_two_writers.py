"""Two `citeqa ingest` processes, with their own empty index folders, ingest the same folder into one
Chroma server at once: they take turns through the lease kept in the server, and the server ends with
each document once, every live passage with its vector, and nothing left over."""

import os
import subprocess
import sys

import pytest

from citeqa.index.consistency import find_drift
from citeqa.index.store import Store
from citeqa.settings import load_settings

pytestmark = pytest.mark.server


def test_two_ingests_of_one_folder_at_once(tmp_path, chroma_server):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(6):
        (folder / f"d{i}.md").write_text(f"# Depot {i}\n\nDepot {i} opens at {i + 6} o'clock and keeps {i * 3} vans.\n",
                                         encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")} | {"CITEQA_COLLECTION": "twowriters"}
    procs = [subprocess.Popen([sys.executable, "-m", "citeqa.cli", "ingest", str(folder), "--index", str(tmp_path / f"i{n}"),
                               "--chroma-url", chroma_server, "--no-progress"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    store = Store(load_settings(index_path=tmp_path / "fresh", chroma_url=chroma_server, collection="twowriters"))
    assert sorted(store.documents()) == [f"docs/d{i}.md" for i in range(6)]
    drift = find_drift(store)
    assert drift.clean and drift.passages == drift.vectors == sum(r.passages for r in store.documents().values())
