"""The five small documents a new user tried citeqa with (issues 15 and 16): a web page, a Markdown note, a
two-page PDF report, a Word file, and the seed article. `write_newcomer_corpus(folder)` writes them."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEED_DOC

LIGHTHOUSE_HTML = """<!doctype html>
<html><head><title>Lighthouse Keepers of Inishbeg</title></head>
<body>
<h1>Lighthouse Keepers of Inishbeg</h1>
<p>The lighthouse on Inishbeg was built in 1858 on the western cliffs of the island, where the Atlantic
swell breaks against the rocks for most of the year.</p>
<h2>The keepers</h2>
<p>Its first keeper, Thomas Doyle, served for 22 years and kept a logbook of every ship that passed.</p>
<p>The light was automated in 1987, and the last keeper, Mary Coughlan, left the island that spring.</p>
<h2>Visiting</h2>
<p>A ferry from Rossaveal reaches the island in forty minutes between May and September.</p>
</body></html>
"""

LUNAR_GARDEN_MD = """# The Lunar Garden Project

The Lunar Garden Project grows dwarf wheat and radishes under lamps that copy the light of a lunar day.

## Funding

The project was funded by a grant of €40,000 from the Irish Research Council and by donations from
three local seed companies.

## People

The greenhouse is run by Dr. Ingrid Solberg, a botanist from Tromsø who studied plant growth in polar
winters. Seeds were sent by partner schools in Chile, Peru, Norway and Japan.
"""

HARBOUR_PAGES = [
    ["Harbour Survey 2030",
     "The Harbour Survey 2030 reviews the state of the port of Kilrush and sets out works for the next decade.",
     "The survey found that silt has raised the bed of the inner basin by 40 centimetres since 2015.",
     "Vessels must keep to five knots inside the breakwater to limit the wash against the old quay."],
    ["Recommendations",
     "The dredging contract will be tendered in 2026 and the work is expected to take two summers.",
     "The survey recommends a new slipway for the lifeboat and lighting along the whole of the east pier.",
     "The harbour board estimates the cost of the works at 3.2 million euro."],
]


def _harbour_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from makedocs import wrap

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Harbour Survey 2030")
    for lines in HARBOUR_PAGES:
        y = 780
        c.setFont("Helvetica-Bold", 16)
        c.drawString(60, y, lines[0])
        y -= 36
        c.setFont("Helvetica", 11)
        for paragraph in lines[1:]:
            for line in wrap(paragraph, 470):
                c.drawString(60, y, line)
                y -= 15
            y -= 10
        c.showPage()
    c.save()


def _rowing_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.title = "Kilrush Rowing Club Minutes"
    doc.add_heading("Kilrush Rowing Club Minutes", 0)
    doc.add_paragraph("The annual meeting was held in the boathouse on 14 March, with 31 members present.")
    doc.add_heading("Decisions", 1)
    doc.add_paragraph("The club will buy a second coastal four, paid for from the regatta fund.")
    doc.add_paragraph("Siobhán Keane was elected captain for the coming season.")
    doc.save(str(path))


def write_newcomer_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lighthouse.html").write_text(LIGHTHOUSE_HTML, encoding="utf-8")
    (folder / "lunar-garden.md").write_text(LUNAR_GARDEN_MD, encoding="utf-8")
    _harbour_pdf(folder / "harbour_report.pdf")
    _rowing_docx(folder / "rowing-club.docx")
    shutil.copy(SEED_DOC, folder / SEED_DOC.name)
    return folder
