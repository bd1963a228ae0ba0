"""`citeqa collections` and `--collection NAME`: an operator makes a collection, ingests into it, asks it
(`ask --json` says which collection and documents it read), runs a question set against it, and deletes
it; the default collection is untouched throughout. In process (cli.main), as the eval tests run."""

import json

from citeqa import cli
from conftest import SEEDS

PILOT = "# Pilot\n\nThe harbour pilot programme began in Rotterdam in 2019.\n"
SET = """name: harbour
questions:
  - id: pilot-where
    question: Where did the harbour pilot programme begin?
    expect: {contains: [Rotterdam], cites: [{source: pilot.md, lines: [3, 3]}]}
"""


def run(capsys, *args):
    code = cli.main([*map(str, args)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_one_collection_at_a_time(tmp_path, capsys):
    flags = ["--index", tmp_path / "index", "--corpus", SEEDS]
    docs = tmp_path / "harbour"
    docs.mkdir()
    (docs / "pilot.md").write_text(PILOT, encoding="utf-8")
    assert run(capsys, "ingest", "--no-progress", *flags)[0] == 0
    code, out, _ = run(capsys, "collections", "create", "Harbour docs", *flags)
    assert code == 0 and out.startswith("created Harbour docs")
    assert run(capsys, "ingest", docs, "--collection", "harbour docs", "--no-progress", *flags)[0] == 0

    code, out, _ = run(capsys, "collections", "--json", *flags)
    listed = {c["name"]: c for c in json.loads(out)}
    assert listed["seeds"]["default"] and listed["seeds"]["documents"] == 1
    assert listed["Harbour docs"]["documents"] == 1 and not listed["Harbour docs"]["default"]

    code, out, _ = run(capsys, "ask", "Where did the harbour pilot programme begin?", "--collection", "Harbour docs",
                       "--json", *flags)
    result = json.loads(out)
    assert code == 0 and "Rotterdam" in result["answer"]
    assert result["scope"]["collection"] == "Harbour docs" and result["scope"]["sources"] == "all"
    assert {c["source"] for c in result["citations"] + result["passages"]} == {"harbour/pilot.md"}  # (cwd: tmp_path)
    code, out, _ = run(capsys, "ask", "Where did the harbour pilot programme begin?", "--collection", "Harbour docs", *flags)
    assert out.startswith("Collection: Harbour docs")  # said when it is not the default
    code, out, _ = run(capsys, "ask", "Where did the harbour pilot programme begin?", "--json", *flags)
    result = json.loads(out)
    assert result["scope"]["collection"] == "seeds" and "pilot.md" not in json.dumps(result)

    (tmp_path / "harbour.yaml").write_text(SET, encoding="utf-8")
    code, out, _ = run(capsys, "eval", tmp_path / "harbour.yaml", "--collection", "Harbour docs", "--no-progress", *flags)
    assert code == 0 and "1/1 questions passed" in out
    assert run(capsys, "eval", tmp_path / "harbour.yaml", "--no-progress", *flags)[0] == 1  # the default lacks it

    code, out, _ = run(capsys, "documents", "--collection", "Harbour docs", "--json", *flags)
    assert [d["title"] for d in json.loads(out)] == ["Pilot"]
    code, out, _ = run(capsys, "collections", "delete", "Harbour docs", *flags)
    assert code == 0 and out.startswith("deleted Harbour docs")
    code, out, err = run(capsys, "ask", "Where?", "--collection", "Harbour docs", *flags)
    assert code == 1 and err == "error: There is no collection 'Harbour docs' (there are: seeds).\n"
    assert (docs / "pilot.md").is_file()  # a folder ingested from is never touched
    code, out, _ = run(capsys, "documents", "--json", *flags)
    assert len(json.loads(out)) == 1  # the default collection, as it was
