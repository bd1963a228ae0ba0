"""The text as read is kept in the index: every citation's quote is text_as_read[start:end], the text
outlives its file, bad files are skipped one sentence each without losing what was indexed, and an
index made before texts were kept still opens."""

import json
import sqlite3

from makedocs import image_only_pdf, report_docx, two_column_pdf

from citeqa.chat import Assistant

PAGE = ("<!doctype html><html><head><title>Ferry times</title></head><body><nav>Home</nav><main>"
        "<h1>Ferry times</h1><h2>Winter</h2><p>In winter the ferry to Lindholm sails twice a day.</p></main></body></html>")


def _corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    two_column_pdf(folder / "harbour.pdf", [(
        [["The northern pier was rebuilt in 1911 after a", "storm destroyed the old timber frame."]],
        [["The lighthouse on the point was automated in", "1984 and its keeper retired."]])], title="Harbour Report")
    (folder / "ferry.html").write_text(PAGE)
    report_docx(folder / "survey.docx")
    return folder


def test_citations_point_into_the_stored_text(make_settings, tmp_path):
    folder = _corpus(tmp_path)
    a = Assistant(make_settings(corpus_path=folder))
    r = a.ingest(progress=False)
    assert sorted(r.added) == ["docs/ferry.html", "docs/harbour.pdf", "docs/survey.docx"] and not r.failed
    cases = [
        ("When was the lighthouse automated?", "docs/harbour.pdf", {"page": 1}),
        ("How often does the ferry to Lindholm sail in winter?", "docs/ferry.html", {"section": "Ferry times › Winter"}),
        ("How many fishing boats were counted?", "docs/survey.docx", {"section": "Harbour Survey › Results › Table 1"}),
    ]
    for question, source, expected in cases:
        result = a.ask(question)
        c = result["citations"][0]
        assert c["source"] == source, result
        stored = a.document_text(source)
        assert c["quote"] == stored["text"][c["start"] : c["end"]]
        for key, value in expected.items():
            assert c[key] == value, c
        if source.endswith(".pdf"):
            assert c["format"] == "pdf" and c["boxes"] and all(b[0] == 1 and b[1] > 290 for b in c["boxes"])  # right column
        else:
            assert isinstance(c["block"], int) and "boxes" not in c
    docs = a.retriever.invoke("lighthouse automated")
    assert docs[0].metadata["page"] == 1 and docs[0].metadata["format"] == "pdf" and "provenance" in docs[0].metadata
    # The text as read outlives the file.
    (folder / "harbour.pdf").unlink()
    assert "lighthouse" in a.document_text("docs/harbour.pdf")["text"]


def test_bad_files_skipped_nothing_lost(make_settings, tmp_path):
    folder = _corpus(tmp_path)
    a = Assistant(make_settings(corpus_path=folder))
    a.ingest(progress=False)
    before = a.store.passage_count()
    two_column_pdf(folder / "locked.pdf", [([["Secret."]], [])], password="pw")
    image_only_pdf(folder / "scan.pdf")
    good = (folder / "survey.docx").read_bytes()
    (folder / "survey.docx").write_bytes(good[: len(good) // 2])  # the indexed file is damaged now
    r = a.ingest(progress=False)
    errors = dict(r.failed)
    assert len(errors) == 3
    assert "locked.pdf is an encrypted PDF" in errors[str(folder / "locked.pdf")]
    assert "scan.pdf: no text layer: scanned pages are not read" in errors[str(folder / "scan.pdf")]
    assert "survey.docx is not a readable Word document" in errors[str(folder / "survey.docx")]
    assert a.store.passage_count() == before and "docs/survey.docx" in a.store.documents()
    assert "Fishing boats | 412" in a.document_text("docs/survey.docx")["text"]


def test_index_made_before_texts_were_kept_still_opens(make_settings, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("The museum opens at nine.\n")
    s = make_settings(corpus_path=folder)
    a = Assistant(s)
    a.ingest(progress=False)
    db = sqlite3.connect(a.store.folder / "passages.sqlite")
    db.execute("DROP TABLE texts")  # as an older citeqa left it
    db.commit()
    db.close()
    b = Assistant(s)
    assert b.document_text("docs/notes.txt") is None  # the panel falls back to reading the file
    assert b.ask("When does the museum open?")["citations"][0]["quote"] == "The museum opens at nine."
    r = b.ingest(progress=False)
    assert r.unchanged == ["docs/notes.txt"] and r.passages_embedded == 0
    assert b.document_text("docs/notes.txt")["text"] == "The museum opens at nine.\n"  # filled in, no re-embedding
    assert json.loads(json.dumps(b.documents()))[0]["source"] == "docs/notes.txt"
