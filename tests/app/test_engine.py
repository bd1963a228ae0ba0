"""The chat's server-side operations: uploads (sanitised, size-limited, indexed), removal, re-index,
settings and corpus changes without a restart, and the regression tab's runner."""

from pathlib import Path

import pytest

from citeqa.errors import InputError
from citeqa.app.access import OPERATOR
from citeqa.app.engine import Engine
from citeqa.app.regression import run_regression
from citeqa.app.engine import MAX_UPLOAD_BYTES

from conftest import SEED_DOC


@pytest.fixture
def engine(tmp_path, make_settings):
    from citeqa.chat import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.txt").write_bytes(SEED_DOC.read_bytes())
    assistant = Assistant(make_settings(corpus_path=corpus))
    assistant.ingest(progress=False)
    return Engine(assistant)


def _sources(engine):
    return sorted(Path(d["source"]).name for d in engine.documents())


def test_upload_sanitises_limits_and_indexes(engine, tmp_path):
    up = tmp_path / "uploads"
    (up / "a").mkdir(parents=True)
    good = up / "a" / "Harbour notes.md"
    good.write_text("# Harbour\n\nThe harbour pilot programme began in Rotterdam in 2019.\n", encoding="utf-8")
    traversal = up / "..%2f..%2fescape.txt"
    traversal.write_text("Escape attempt text here.", encoding="utf-8")
    big = up / "big.txt"
    big.write_bytes(b"a" * (MAX_UPLOAD_BYTES + 1))
    binary = up / "latin1.txt"
    binary.write_bytes("caf\xe9".encode("latin-1"))
    exe = up / "tool.exe"
    exe.write_bytes(b"MZ")
    message = engine.upload([str(good), str(traversal), str(big), str(binary), str(exe)], actor=OPERATOR)
    corpus = Path(engine.assistant.settings.corpus_path)
    # Uploads land in the collection's own folder under the index, never in the corpus folder.
    uploads = engine.active_collection().files_folder(engine.assistant.settings.index_path)
    assert "✓ Harbour notes.md added" in message
    assert "the limit is 5 MB" in message and ".exe is not a supported format" in message
    assert "✓ latin1.txt added" in message  # one byte outside ASCII: read as windows-1252 (documents/encoding.py)
    assert sorted(p.name for p in corpus.iterdir()) == ["seed.txt"]
    assert sorted(p.name for p in uploads.iterdir()) == ["Harbour notes.md", "_2f._2fescape.txt", "latin1.txt"]
    assert _sources(engine) == ["Harbour notes.md", "_2f._2fescape.txt", "latin1.txt", "seed.txt"]
    result = engine.assistant.ask("Where did the harbour pilot programme begin?")
    assert "Rotterdam" in result["answer"] and result["citations"][0]["source"].endswith("Harbour notes.md")

    removed = engine.remove(next(d["source"] for d in engine.documents() if d["source"].endswith("Harbour notes.md")), actor=OPERATOR)
    assert "moved to <index>/removed/" in removed and not (uploads / "Harbour notes.md").exists()
    assert "Re-indexed corpus" in engine.reindex(actor=OPERATOR)
    assert "Harbour notes.md" not in _sources(engine)  # re-indexing does not bring it back
    with pytest.raises(InputError):
        engine.remove("nope.txt", actor=OPERATOR)


def test_settings_and_corpus_change_without_restart(tmp_path, make_settings):
    from citeqa.chat import Assistant

    corpus, other, missing = tmp_path / "corpus", tmp_path / "other", tmp_path / "missing"
    corpus.mkdir()
    other.mkdir()
    (corpus / "seed.txt").write_bytes(SEED_DOC.read_bytes())
    (other / "fruit.md").write_text("# Fruit\n\nThe orchard grows forty kinds of apples.\n", encoding="utf-8")
    before = Assistant(make_settings(corpus_path=corpus, corpus_folders=[other, missing]))
    before.ingest(progress=False)
    engine = Engine(before)
    assert list(engine.corpora) == ["corpus", "other", "missing"]  # labels: no server paths on the page
    message = engine.apply("extractive", 3, "corpus", actor=OPERATOR)
    assert "k = 3" in message and engine.assistant.settings.k == 3
    assert engine.assistant.store is before.store  # same index: nothing re-read
    message = engine.apply("extractive", 3, "other", actor=OPERATOR)
    assert "Indexed other" in message and _sources(engine) == ["fruit.md"]
    assert "apples" in engine.assistant.ask("How many kinds of apples does the orchard grow?")["answer"]
    assert engine.effective()["documents"] == 1 and engine.effective()["collection"] != "citeqa"
    assert engine.effective()["corpus_path"] == "other" and str(tmp_path) not in str(engine.effective())
    # Back to the first corpus: its own collection, untouched.
    engine.apply("extractive", 5, "corpus", actor=OPERATOR)
    assert _sources(engine) == ["seed.txt"]
    for bad in (("extractive", 5, "missing"), ("extractive", 5, str(other)), ("extractive", 5, "/etc"), ("openai", 5, "other")):
        current = engine.assistant
        with pytest.raises(Exception) as e:
            engine.apply(*bad, actor=OPERATOR)
        assert any(words in str(e.value) for words in ("does not exist", "is not one of the corpus folders", "llm_model", "citeqa[llm]"))
        assert engine.assistant is current  # a failed change leaves the running settings alone


def test_regression_runner_reports_pass_and_fail(engine, tmp_path):
    qset = tmp_path / "mine.yaml"
    qset.write_text(
        "name: mine\nquestions:\n"
        "  - id: where\n    question: In which city did Thailand sign the UN convention against cybercrime?\n"
        "    expect: {contains: [Hanoi]}\n"
        "  - id: wrong\n    question: In which city did Thailand sign the UN convention against cybercrime?\n"
        "    expect: {contains: [Paris]}\n",
        encoding="utf-8",
    )
    summary, rows = run_regression(engine.assistant, qset)
    assert "1 passed, 1 failed of 2" in summary
    assert rows[0][:2] == ["wrong", "FAIL"] and rows[1][:2] == ["where", "pass"]  # failures first
    assert "answer lacks 'Paris'" in rows[0][4]
    with pytest.raises(InputError):
        run_regression(engine.assistant, tmp_path / "absent.yaml")


def _cited(engine, source):
    """(record, the text the panel would show, why not)."""
    c = engine.cited(source)
    return c["record"], c["stored"]["text"] if c["stored"] else c["text"], c["why"]


def test_cited_document_reads_only_files_inside_the_active_corpus(engine, tmp_path):
    """The citation panel's reader: a document of the corpus is read; one indexed from outside it, or
    reached through a symlink that leaves it, is not (the panel then shows the quote as indexed)."""
    corpus = Path(engine.assistant.settings.corpus_path)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "vault.txt").write_text("# Vault\n\nThe vault password is hunter2-zebra-42.\n", encoding="utf-8")
    engine.assistant.ingest([secrets / "vault.txt"], progress=False)
    by_name = {Path(d["source"]).name: d["source"] for d in engine.documents()}
    record, text, why = _cited(engine, by_name["seed.txt"])
    assert record and "Thailand" in text and why == ""
    record, text, why = _cited(engine, by_name["vault.txt"])
    assert record and text is None and "outside the corpus folder" in why
    assert _cited(engine, "../secrets/vault.txt") == (None, None, _cited(engine, "nope.txt")[2])
    (corpus / "link.txt").symlink_to(secrets / "vault.txt")
    engine.reindex(actor=OPERATOR)  # the corpus now holds a symlink out of it
    readable = [d["source"] for d in engine.documents() if _cited(engine, d["source"])[1] is not None]
    assert [Path(s).name for s in readable] == ["seed.txt"]
