"""Issue 10 item 8: a running process sees what another process ingested into the same embedded index,
in its dense (Chroma) results too, not only BM25, without a restart; and a write by the process that had
the older view does not erase the other's vectors on disk."""

import json
import subprocess
import sys

from citeqa.chat import Assistant

from crashing import make_corpus

# A long-running process (as app.py is): reads a command a line, answers with one JSON line.
READER = r"""
import json, sys
from citeqa.chat import Assistant
from citeqa.settings import load_settings
a = Assistant(load_settings(index_path=sys.argv[1], corpus_path=sys.argv[2]))
for line in sys.stdin:
    cmd, _, arg = line.strip().partition(" ")
    if cmd == "dense":
        a.store.refresh_keyword_index()
        vec = a.embedder.encode_queries([arg])[0]
        ids = [pid for pid, _ in a.store.dense_search(vec, 5)]
        found = a.store.passages(ids)
        srcs = [found[i].source for i in ids if i in found]
        print(json.dumps({"sources": srcs, "answer": a.ask(arg)["answer"]}), flush=True)
    elif cmd == "remove":
        print(json.dumps({"removed": a.store.remove_document(arg)}), flush=True)
"""


def test_a_running_process_sees_another_process_ingest(tmp_path, make_settings):
    corpus, index = make_corpus(tmp_path / "docs", 2), tmp_path / "index"
    writer = Assistant(make_settings(corpus_path=corpus, index_path=index))
    writer.ingest(progress=False)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(index), str(corpus)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        def ask(line):
            reader.stdin.write(line + "\n")
            reader.stdin.flush()
            return json.loads(reader.stdout.readline())

        question = "What do pangolins do when they are threatened?"
        first = ask(f"dense {question}")
        assert not any("pangolins.txt" in s for s in first["sources"])

        (corpus / "pangolins.txt").write_text("Pangolins roll into a tight ball of scales when they are threatened.\n")
        assert writer.ingest(progress=False).added == [f"{corpus.name}/pangolins.txt"]

        second = ask(f"dense {question}")  # the same process, no restart
        assert second["sources"][0].endswith("pangolins.txt"), second  # found by the dense search itself
        assert "tight ball" in second["answer"]

        # The reader writes now (it had the older view until it reopened): the writer's vectors survive.
        assert ask(f"remove {corpus.name}/doc1.txt")["removed"] > 0
        vec = writer.embedder.encode_queries([question])[0]
        top = writer.store.passages([pid for pid, _ in writer.store.dense_search(vec, 3)])
        assert any(p.source.endswith("pangolins.txt") for p in top.values())
        assert not any(p.source.endswith("doc1.txt") for p in top.values())
        assert writer.store.vector_count() == writer.store.passage_count()
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
