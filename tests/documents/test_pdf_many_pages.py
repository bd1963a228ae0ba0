"""A PDF of thousands of pages: progress is reported per page and memory stays bounded (pages are
read one at a time and closed)."""

import resource

from citeqa.documents.registry import read_document

PAGES = 2000


def test_thousands_of_pages_progress_and_bounded_memory(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "ledger.pdf"
    c = canvas.Canvas(str(path))
    for i in range(1, PAGES + 1):
        c.drawString(72, 720, f"Ledger page {i} records the cargo of ship number {i}.")
        c.showPage()
    c.save()
    seen = []
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    doc = read_document(path, on_page=lambda done, total: seen.append((done, total)))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert seen[0] == (1, PAGES) and seen[-1] == (PAGES, PAGES) and len(seen) == PAGES
    assert len(doc.layout.pages) == PAGES and "ship number 2000." in doc.text
    at = doc.text.index("Ledger page 1234 ")
    assert doc.layout.span(at, at + 10)["page"] == 1234
    assert grown_mb < 150, f"reading {PAGES} pages grew the process by {grown_mb:.0f} MB"
