"""Uploads take PDF, Word and web pages (same size limit and name sanitising as text); a PDF with no
text layer is refused with its sentence and not kept; a partly scanned PDF is indexed and the Sources
table says which pages were not read; the citation panel shows a PDF citation's page and text as read."""

from makedocs import image_only_pdf, mixed_pdf, report_docx, two_column_pdf

from citeqa.app.access import OPERATOR
from citeqa.app.engine import Engine
from citeqa.app.panel import citation_panel
from citeqa.app.sources import document_rows
from citeqa.chat import Assistant


def test_upload_new_formats(tmp_path, make_settings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("The museum opens at nine.\n")
    assistant = Assistant(make_settings(corpus_path=corpus))
    assistant.ingest(progress=False)
    engine = Engine(assistant)
    up = tmp_path / "up"
    up.mkdir()
    two_column_pdf(up / "harbour report.pdf", [([["The lighthouse was automated in 1984."]], [])], title="Harbour")
    report_docx(up / "survey.docx")
    (up / "ferry.htm").write_text("<html><body><main><p>The ferry sails at noon.</p></main></body></html>")
    image_only_pdf(up / "scan.pdf")
    mixed_pdf(up / "mixed.pdf")
    message = engine.upload([str(up / n) for n in ("harbour report.pdf", "survey.docx", "ferry.htm", "scan.pdf", "mixed.pdf")],
                            actor=OPERATOR)
    for name in ("harbour report.pdf", "survey.docx", "ferry.htm", "mixed.pdf"):
        assert f"✓ {name} added" in message, message
    assert "scan.pdf: no text layer: scanned pages are not read (1 page)" in message
    uploads = engine.active_collection().files_folder(assistant.settings.index_path)  # where uploads are kept
    assert not (uploads / "scan.pdf").exists() and not (corpus / "scan.pdf").exists()  # refused, not kept
    rows = {r[0].split("/")[-1]: r for r in document_rows(engine.documents())}
    assert "⚠ no text layer: scanned pages are not read (page 2)." in rows["mixed.pdf"][1]

    result = engine.public_result(engine.assistant.ask("When was the lighthouse automated?"))  # as the chat has it
    c = result["citations"][0]
    assert c["source"].endswith("harbour report.pdf") and c["page"] == 1
    html = _panel(engine, c)
    assert 'class="cq-page" data-page="1"' in html and 'id="cq-hit"' in html and "data:image/png;base64," in html
    assert '<mark class="cq-hit" id="cq-hit-text">The lighthouse was automated in 1984.</mark>' in html
    # The file goes: the text as read is still shown, the page image is not.
    (uploads / "harbour report.pdf").unlink()
    html = _panel(engine, c)
    assert "cq-page" not in html and "changed or is gone" in html
    assert '<mark class="cq-hit" id="cq-hit">The lighthouse was automated in 1984.</mark>' in html


def _panel(engine, c):
    """The panel as the chat builds it: Engine.cited decides what of the document may be shown."""
    cited = engine.cited(c["source"])
    return citation_panel(c, cited["record"], cited["stored"], cited["text"], cite_ref="cite-0-1", pdf_path=cited["pdf_path"])
