"""Incremental ingest: unchanged costs nothing, changed is replaced, deleted disappears, bad files are skipped."""

import shutil

import pytest

from citeqa.chat import Assistant
from citeqa.errors import InputError

from conftest import SEED_DOC


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED_DOC, folder / "seed.txt")
    (folder / "notes.md").write_text("# Notes\n\nThe museum opens at nine. It closes at five.\n")
    return folder


def test_first_then_unchanged(make_settings, corpus):
    a = Assistant(make_settings(corpus_path=corpus))
    r = a.ingest(progress=False)
    assert sorted(r.added) == ["docs/notes.md", "docs/seed.txt"] and r.passages_written == r.passages_total > 0
    r2 = a.ingest(progress=False)
    assert r2.unchanged == ["docs/notes.md", "docs/seed.txt"]
    assert r2.added == r2.changed == r2.removed == [] and r2.passages_written == r2.passages_embedded == 0
    assert r2.passages_total == r.passages_total
    assert "0 added, 0 changed, 2 unchanged, 0 removed" in r2.summary()


def test_changed_document_replaced_and_unchanged_passages_reuse_vectors(make_settings, corpus):
    a = Assistant(make_settings(corpus_path=corpus))
    a.ingest(progress=False)
    old_ids = {p.id for p in a.store.document_passages("docs/seed.txt")}
    text = (corpus / "seed.txt").read_text()
    (corpus / "seed.txt").write_text(text + "\nA new final sentence about Chiang Mai was added.\n")
    r = a.ingest(progress=False)
    assert r.changed == ["docs/seed.txt"] and r.unchanged == ["docs/notes.md"]
    assert 0 < r.passages_embedded < r.passages_written  # only passages with new text were embedded
    new = a.store.document_passages("docs/seed.txt")
    assert not old_ids & {p.id for p in new}
    assert a.store.collection.get(ids=sorted(old_ids))["ids"] == []  # old vectors gone
    assert a.store.collection.count() == a.store.passage_count()
    hit = a.retriever.invoke("Chiang Mai sentence")
    assert any("Chiang Mai" in d.page_content for d in hit)


def test_deleted_document_disappears(make_settings, corpus):
    a = Assistant(make_settings(corpus_path=corpus))
    a.ingest(progress=False)
    (corpus / "notes.md").unlink()
    r = a.ingest(progress=False)
    assert r.removed == ["docs/notes.md"]
    assert [d["source"] for d in a.documents()] == ["docs/seed.txt"]
    assert all("museum" not in d.page_content for d in a.retriever.invoke("When does the museum open?"))


def test_ingesting_another_folder_keeps_the_first(make_settings, corpus, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("Otters hold hands while they sleep.")
    a = Assistant(make_settings(corpus_path=corpus))
    a.ingest(progress=False)
    r = a.ingest([other], progress=False)
    assert r.added == ["other/x.txt"] and r.removed == []
    assert len(a.documents()) == 3


def test_bad_file_is_skipped_and_loses_nothing(make_settings, corpus):
    a = Assistant(make_settings(corpus_path=corpus))
    a.ingest(progress=False)
    before = {p.id for p in a.store.document_passages("docs/notes.md")}
    (corpus / "notes.md").write_bytes(b"# Notes\n\nThe caf\xc3\xa9 opens at nine. Na\xefve.")  # UTF-8 and cp1252 mixed
    (corpus / "new.txt").write_text("Penguins live in the southern hemisphere.")
    r = a.ingest(progress=False)
    assert len(r.failed) == 1 and "not valid UTF-8" in r.failed[0][1]
    assert r.added == ["docs/new.txt"] and r.removed == []
    assert {p.id for p in a.store.document_passages("docs/notes.md")} == before  # old version still indexed
    assert "skipped" in r.summary()


def test_missing_and_empty_corpus(make_settings, tmp_path):
    a = Assistant(make_settings(corpus_path=tmp_path / "nope"))
    with pytest.raises(InputError, match="does not exist"):
        a.ingest(progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No documents"):
        a.ingest([tmp_path / "empty"], progress=False)


def test_changing_the_embedding_model_reembeds(make_settings, corpus):
    a = Assistant(make_settings(corpus_path=corpus))
    a.ingest(progress=False)
    a.store.set_meta("embedding_model", "some-other-model")
    r = a.ingest(progress=False)
    assert sorted(r.added) == ["docs/notes.md", "docs/seed.txt"] and r.passages_embedded == r.passages_written


def test_index_from_an_older_schema_is_rebuilt(make_settings, corpus):
    a = Assistant(make_settings(corpus_path=corpus))
    a.ingest(progress=False)
    a.store.set_meta("schema", "1")
    b = Assistant(make_settings(corpus_path=corpus))
    assert b.store.passage_count() == 0 and b.store.collection.count() == 0
    r = b.ingest(progress=False)
    assert sorted(r.added) == ["docs/notes.md", "docs/seed.txt"]
    assert all(p.vectors is not None and len(p.vectors) == len(p.sentences) for p in b.store.document_passages("docs/seed.txt"))


def test_new_passage_length_resplits_without_reembedding(make_settings, corpus):
    Assistant(make_settings(corpus_path=corpus, passage_chars=600)).ingest(progress=False)
    b = Assistant(make_settings(corpus_path=corpus, passage_chars=300))
    r = b.ingest(progress=False)
    assert sorted(r.changed) == ["docs/notes.md", "docs/seed.txt"] and r.passages_embedded == 0
    assert max(len(p.text) for p in b.store.document_passages("docs/seed.txt")) < 600
