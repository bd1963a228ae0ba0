"""Issue 17, break 8: a folder whose last file was deleted, ingested again, has its documents taken
out of the index (said on a `removed:` line, exit 0: nothing failed), and `citeqa ask` stops citing them."""

import json

from test_cli import citeqa

CAT = "The lighthouse keeper's cat is named Biscuit. She sleeps on the lamp room stairs.\n"
FERRY = "The ferry to the island leaves at seven in the morning. It returns at six in the evening.\n"
QUESTION = "What is the lighthouse keeper's cat called?"


def run(tmp_path, *args):
    return citeqa(*args, "--index", tmp_path / "index", cwd=tmp_path)


def test_ingest_of_an_emptied_folder_removes_what_it_indexed(tmp_path):
    for folder, name, text in (("a", "cat.txt", CAT), ("b", "ferry.txt", FERRY)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text)
    assert run(tmp_path, "ingest", "a", "b", "--no-progress").returncode == 0
    assert "a/cat.txt" in run(tmp_path, "ask", QUESTION, "--json").stdout  # cited while indexed

    (tmp_path / "a" / "cat.txt").unlink()
    out = run(tmp_path, "ingest", "a", "--no-progress", "--json")
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "removed: 1 document no longer in a: a/cat.txt"
    report = json.loads(out.stdout)
    assert report["removed"] == ["a/cat.txt"] and report["passages_total"] == 1 and not report["failed"]
    docs = json.loads(run(tmp_path, "documents", "--json").stdout)
    assert [d["source"] for d in docs] == ["b/ferry.txt"]  # the other folder's document stays

    asked = run(tmp_path, "ask", QUESTION, "--json")
    assert asked.returncode == 0 and "a/cat.txt" not in asked.stdout and "Biscuit" not in asked.stdout

    # Nothing of it is indexed now: a further ingest of the empty folder is the usual error.
    out = run(tmp_path, "ingest", "a", "--no-progress")
    assert out.returncode == 1 and out.stderr.startswith("error: No documents to index in a")
