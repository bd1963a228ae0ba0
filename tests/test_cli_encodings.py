"""Issue 18 item 9, as a user meets it: a Notepad (windows-1252) file and a UTF-16 file with a byte-order
mark are indexed, not skipped; every quote `citeqa ask` gives is the stored text as read at its offsets,
accents intact (offsets count decoded characters, not bytes); `citeqa documents` names the encoding.

Each document is one sentence, so whichever passage the answerer cites, its quote is that sentence."""

import json

import pytest

from citeqa import cli
from citeqa.chat import Assistant
from citeqa.settings import load_settings

MENU = "The café on the quay serves a naïve visitor crème brûlée for four euros.\r\n"
FERRY = "The ferry to Sønderborg leaves the Môle at nine every morning.\n"
CASES = [("What does the café on the quay serve?", "menu.txt", ("café", "naïve")),
         ("When does the ferry to Sønderborg leave?", "ferry.txt", ("Sønderborg", "Môle"))]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("encodings")
    docs = root / "docs"
    docs.mkdir()
    (docs / "menu.txt").write_bytes(MENU.encode("cp1252"))
    (docs / "ferry.txt").write_bytes(b"\xff\xfe" + FERRY.encode("utf-16-le"))
    assert cli.main(["ingest", str(docs), "--index", str(root / "index"), "--no-progress"]) == 0
    return root / "index"


def cli_json(capsys, *args):
    code = cli.main([*args, "--json"])
    out = capsys.readouterr()
    assert code == 0 and "Traceback" not in out.err, out.err
    return json.loads(out.out)


@pytest.mark.parametrize("question, name, words", CASES)
def test_quotes_are_the_stored_text_at_their_offsets(index, capsys, question, name, words):
    result = cli_json(capsys, "ask", question, "--index", str(index))
    stored = Assistant(load_settings(index_path=index))
    spans = result["citations"] + result["passages"]
    assert any(s["source"].endswith(name) for s in result["passages"]), result["passages"]
    for s in spans:
        text = stored.document_text(s["source"])["text"]
        assert s["quote"] == text[s["start"] : s["end"]]
        if s["source"].endswith(name):
            assert all(w in s["quote"] for w in words), s["quote"]
    for c in result["citations"]:
        assert "Ã" not in c["quote"] and "\ufeff" not in c["quote"]  # no mojibake, no byte-order mark


def test_documents_names_the_encoding(index, capsys):
    docs = {d["source"].rsplit("/", 1)[-1]: d for d in cli_json(capsys, "documents", "--index", str(index))}
    assert docs["menu.txt"]["notes"][0].endswith("menu.txt: read as windows-1252 (not UTF-8; detected from its bytes).")
    assert docs["ferry.txt"]["notes"][0].endswith("ferry.txt: read as UTF-16LE (its byte-order mark says so).")
    assert cli.main(["documents", "--index", str(index)]) == 0
    listing = capsys.readouterr().out
    assert "    note: read as windows-1252 (not UTF-8; detected from its bytes)." in listing
