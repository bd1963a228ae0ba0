"""Documents the format tests write for themselves: PDFs drawn line by line with reportlab (so a test
knows where every line is on the page), Word files with python-docx, web pages as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FONT, SIZE, LEADING = "Helvetica", 10, 13
PAGE_W, PAGE_H = 595.0, 842.0
MARGIN, GUTTER = 50.0, 24.0


@dataclass
class Drawn:
    page: int
    text: str
    x: float
    baseline: float

    def box(self) -> tuple[float, float, float, float]:
        """Where the line's glyphs are: x0, y0, x1, y1 in PDF points (origin bottom left)."""
        from reportlab.pdfbase.pdfmetrics import getAscent, getDescent, stringWidth

        return (self.x, self.baseline + getDescent(FONT, SIZE), self.x + stringWidth(self.text, FONT, SIZE),
                self.baseline + getAscent(FONT, SIZE))


def wrap(paragraph: str, width: float) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return simpleSplit(paragraph, FONT, SIZE, width)


def two_column_pdf(path: Path, pages: list[tuple[list[list[str]], list[list[str]]]], title: str = "",
                   heading: str = "", password: str | None = None) -> list[Drawn]:
    """Each page: (left column paragraphs, right column paragraphs), each paragraph a list of lines as
    they are to be drawn (a line may end in a hyphen). A heading, when given, spans both columns of page 1.
    Returns every line drawn."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    enc = StandardEncryption(password, ownerPassword=password + "-owner") if password else None
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt=enc)
    if title:
        c.setTitle(title)
    col_w = (PAGE_W - 2 * MARGIN - GUTTER) / 2
    drawn: list[Drawn] = []
    for number, columns in enumerate(pages, start=1):
        top = PAGE_H - MARGIN - SIZE
        if heading and number == 1:
            c.setFont(FONT + "-Bold", 16)
            c.drawString(MARGIN, top, heading)
            top -= 36
        c.setFont(FONT, SIZE)
        for k, paragraphs in enumerate(columns):
            x = MARGIN + k * (col_w + GUTTER)
            y = top
            for para in paragraphs:
                for line in para:
                    c.drawString(x, y, line)
                    drawn.append(Drawn(number, line, x, y))
                    y -= LEADING
                y -= LEADING * 0.8  # paragraph spacing
        c.showPage()
    c.save()
    return drawn


def columns_of(text_paragraphs: list[str], col_w: float | None = None) -> list[list[str]]:
    col_w = col_w or (PAGE_W - 2 * MARGIN - GUTTER) / 2
    return [wrap(p, col_w) for p in text_paragraphs]


def image_only_pdf(path: Path, pages: int = 1) -> None:
    """A 'scanned' PDF: each page is a picture of text, with no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).text((20, 80), "This page was scanned; its words are pixels only.", fill="black")
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    for _ in range(pages):
        c.drawImage(ImageReader(img), 50, 500, width=500, height=166)
        c.showPage()
    c.save()


def mixed_pdf(path: Path) -> None:
    """Page 1 has text, page 2 is an image only."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    c.setFont(FONT, SIZE)
    c.drawString(MARGIN, 700, "The lighthouse keeper logged every passing ship in a green ledger.")
    c.showPage()
    c.drawImage(ImageReader(Image.new("RGB", (200, 100), "gray")), 50, 500, width=400, height=200)
    c.showPage()
    c.save()


def report_docx(path: Path, title: str = "") -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.title = title
    doc.add_heading("Harbour Survey", 0)
    doc.add_paragraph("The survey counted boats in the old harbour every spring.")
    doc.add_heading("Results", 1)
    doc.add_paragraph("Fishing boats outnumbered yachts for the first time since 1990.")
    table = doc.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Kind", "Count"), ("Fishing boats", "412"), ("Yachts", "388")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    doc.add_heading("Methods", 1)
    doc.add_paragraph("Volunteers counted from the harbour wall at dawn.", style="List Bullet")
    doc.save(str(path))
