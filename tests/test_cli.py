"""The CLI as a user runs it: answers with checkable citations, one-sentence errors, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from conftest import SEED_DOC

Q = "In which city did Thailand sign the UN convention against cybercrime?"


def citeqa(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    out = subprocess.run([sys.executable, "-m", "citeqa.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)
    assert "Traceback" not in out.stdout + out.stderr, out.stderr
    return out


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    idx = tmp_path_factory.mktemp("cli") / "index"
    out = citeqa("ingest", SEED_DOC.parent, "--index", idx, "--no-progress")
    assert out.returncode == 0, out.stderr
    assert "1 added, 0 changed, 0 unchanged, 0 removed documents" in out.stdout
    return idx


def test_ask_human_output(index):
    out = citeqa("ask", Q, "--index", index)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0] == "Answer: Hanoi" and lines[1] == ""  # the phrase that answers, first
    assert "Hanoi" in lines[2] and lines[2].endswith("[1]")
    assert lines[4] == "[1] seeds/000_b943be75029e422a.txt:7-7" or lines[4].endswith("000_b943be75029e422a.txt:7-7")
    assert "Hanoi" in " ".join(lines[5:])


def test_ask_json_with_history(index):
    out = citeqa("ask", "Who co-organised it?", "--history",
                 "When did Bangkok host the International Conference on the Global Partnership against Online Scams?",
                 "--index", index, "--json")
    assert out.returncode == 0
    r = json.loads(out.stdout)
    text = SEED_DOC.read_text(encoding="utf-8")
    assert "United Nations Office on Drugs and Crime" in r["answer"]
    for c in r["citations"]:
        assert c["quote"] == text[c["start"] : c["end"]]


def test_ingest_unchanged_and_json(index):
    out = citeqa("ingest", SEED_DOC.parent, "--index", index, "--json", "--no-progress")
    report = json.loads(out.stdout)
    assert report["unchanged"] and report["passages_embedded"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "   "], "question is empty"),
        (["ask", "x" * 100_000], "100,000 characters"),
        (["ingest", "no/such/folder"], "does not exist"),
        (["ask", Q, "--collection", "ab"], "collection"),
        (["ask", Q, "--embedding-model", "/no/model/here"], "never downloads"),
    ],
)
def test_bad_input_is_one_clear_sentence(index, args, message):
    out = citeqa(*args, "--index", index)
    assert out.returncode == 1
    assert message in out.stderr and out.stderr.startswith("error: ") and len(out.stderr.strip().splitlines()) == 1


def test_empty_corpus_and_unreadable_file(tmp_path):
    (tmp_path / "empty").mkdir()
    out = citeqa("ingest", tmp_path / "empty", "--index", tmp_path / "i")
    assert out.returncode == 1 and "No documents to index" in out.stderr
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "bad.txt").write_bytes(b"caf\xc3\xa9 na\xefve")  # UTF-8 and cp1252 mixed: no one encoding
    (tmp_path / "docs" / "good.txt").write_text("Good text about otters.")
    out = citeqa("ingest", tmp_path / "docs", "--index", tmp_path / "i", "--no-progress")
    assert out.returncode == 3  # partial success: something was skipped, the rest indexed
    assert "skipped:" in out.stderr and "bad.txt is not valid UTF-8" in out.stderr
    assert "1 added" in out.stdout
    (tmp_path / "docs" / "good.txt").unlink()
    out = citeqa("ingest", tmp_path / "docs", "--index", tmp_path / "i", "--no-progress")
    assert out.returncode == 1 and "bad.txt is not valid UTF-8" in out.stderr  # nothing could be read


def test_documents_lists_the_index(index):
    out = citeqa("documents", "--index", index)
    assert "000_b943be75029e422a.txt" in out.stdout and "passages" in out.stdout
