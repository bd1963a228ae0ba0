"""`citeqa remove SOURCE...` takes documents out of the index by the name `citeqa documents` lists or
by their file's path; `citeqa ask` no longer cites them; a name that is not indexed is an error naming
it (exit 1 when nothing matched, 3 when some did)."""

import json

from test_cli import citeqa
from test_cli_emptied_folder import CAT, FERRY, QUESTION


def run(tmp_path, *args):
    return citeqa(*args, "--index", tmp_path / "index", cwd=tmp_path)


def test_remove_by_listed_name_and_by_path(tmp_path):
    for folder, name, text in (("a", "cat.txt", CAT), ("b", "ferry.txt", FERRY)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text)
    assert run(tmp_path, "ingest", "a", "b", "--no-progress").returncode == 0

    out = run(tmp_path, "remove", "a/cat.txt")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.strip() == ("removed a/cat.txt (1 passages); its file is still there: "
                                  "the next ingest of its folder adds it back")
    asked = run(tmp_path, "ask", QUESTION, "--json")
    assert asked.returncode == 0 and "a/cat.txt" not in asked.stdout and "Biscuit" not in asked.stdout
    assert [d["source"] for d in json.loads(run(tmp_path, "documents", "--json").stdout)] == ["b/ferry.txt"]

    # Once removed it is not indexed: alone, that is an error (1); beside a real match, partial (3).
    out = run(tmp_path, "remove", "a/cat.txt")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == "error: a/cat.txt is not in the index (`citeqa documents` lists what is).\n"
    out = run(tmp_path, "remove", tmp_path / "b" / "ferry.txt", "nowhere.txt", "--json")
    assert out.returncode == 3 and "error: nowhere.txt is not in the index" in out.stderr
    assert json.loads(out.stdout) == {"removed": ["b/ferry.txt"], "not_indexed": ["nowhere.txt"], "passages_total": 0}
    assert json.loads(run(tmp_path, "documents", "--json").stdout) == []


def test_remove_needs_a_source(tmp_path):
    out = run(tmp_path, "remove")
    assert out.returncode == 2 and "the following arguments are required: SOURCE" in out.stderr
