"""Issue 10 item 7: Chroma and the passage table are reconciled. A kill between the SQLite commit and
the Chroma delete (exact, via CITEQA_CRASH_AT) leaves orphan vectors: `citeqa check` reports them
(exit 3), the next ingest deletes them; vectors missing from Chroma are rebuilt by `check --repair`
from the stored sentence vectors, without loading the embedding model."""

import json
import subprocess
import sys

from citeqa.chat import Assistant
from citeqa.index.consistency import find_drift

from crashing import cli, ingest_json, make_corpus


def check(index, *flags):
    run = cli("check", "--index", index, "--json", *flags)
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads(run.stdout)


def test_kill_after_commit_leaves_orphans_that_check_reports_and_ingest_removes(tmp_path, make_settings):
    corpus, index = make_corpus(tmp_path / "docs", 3), tmp_path / "index"
    a = Assistant(make_settings(corpus_path=corpus, index_path=index))
    a.ingest(progress=False)
    old = len(a.store.document_passages(a.documents()[0]["source"]))
    (corpus / "doc0.txt").write_text((corpus / "doc0.txt").read_text() + "\nA closing line was added later.\n")
    ingest_json(corpus, index, crash_at="document-committed:1")  # doc0's new passages in, old vectors not deleted

    rc, report = check(index)
    assert rc == 3 and report["before"]["orphans"] == old and report["before"]["missing"] == 0
    again = ingest_json(corpus, index)
    assert again["repaired"] == {"orphans": old, "missing": 0} and again["unchanged"]
    assert check(index) == (0, {"before": {**report["before"], "orphans": 0, "vectors": report["before"]["passages"],
                                            "clean": True}})


def test_kill_after_a_removal_and_before_upsert_commit(tmp_path):
    corpus, index = make_corpus(tmp_path / "docs", 3), tmp_path / "index"
    ingest_json(corpus, index)
    (corpus / "doc2.txt").unlink()
    ingest_json(corpus, index, crash_at="document-removed:1")
    rc, report = check(index)
    assert rc == 3 and report["before"]["orphans"] > 0
    rc, report = check(index, "--repair")
    assert rc == 0 and report["after"]["clean"] and report["after"]["orphans"] == 0

    (corpus / "doc3.txt").write_text("Walruses use their tusks to haul out onto ice floes.\n")
    ingest_json(corpus, index, crash_at="vectors-upserted:1")  # vectors written, passages never committed
    rc, report = check(index)
    assert rc == 3 and report["before"]["orphans"] == 1
    again = ingest_json(corpus, index)
    assert [s.rsplit("/", 1)[-1] for s in again["added"]] == ["doc3.txt"] and again["repaired"]["orphans"] == 1
    assert check(index)[0] == 0


def test_missing_vectors_are_rebuilt_without_the_model(tmp_path, make_settings):
    corpus, index = make_corpus(tmp_path / "docs", 2), tmp_path / "index"
    a = Assistant(make_settings(corpus_path=corpus, index_path=index))
    a.ingest(progress=False)
    gone = sorted(a.store.passage_ids())[:3]
    a.store.delete_vectors(gone)
    assert find_drift(a.store).missing == gone

    # A fresh process: the repair must not import the embedding model.
    code = (
        "import sys, json; from citeqa.cli import main; rc = main(['check', '--repair', '--json', '--index', sys.argv[1]]);"
        "print(json.dumps({'rc': rc, 'model': 'sentence_transformers' in sys.modules}))"
    )
    run = subprocess.run([sys.executable, "-c", code, str(index)], capture_output=True, text=True, timeout=300)
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last == {"rc": 0, "model": False}, run.stdout + run.stderr
    b = Assistant(make_settings(corpus_path=corpus, index_path=index))
    assert find_drift(b.store).clean
    rebuilt = b.store.collection.get(ids=gone, include=["embeddings"])
    assert sorted(rebuilt["ids"]) == gone
    # The rebuilt vector is the passage's: a dense search with it finds the passage first.
    p = b.store.passages([gone[0]])[gone[0]]
    vec = p.vectors.mean(axis=0)
    assert b.store.dense_search(vec / (vec ** 2).sum() ** 0.5, 1)[0][0] == gone[0]
