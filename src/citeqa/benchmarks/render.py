"""Render plain-text bench documents (paragraphs separated by a blank line) into the other formats: PDF in
one and two columns (reportlab, A4, 10 pt), a web page with boilerplate around the article (navigation,
cookie banner, footer, script) and a Word file. The title goes in each format's metadata only, so the
text as read should be the plain text again."""

from __future__ import annotations

import html
from pathlib import Path

FORMATS = ("txt", "pdf1", "pdf2", "html", "docx")
# A TrueType font with Greek, IPA and most Latin letters (Debian's fonts-dejavu), embedded in the PDFs;
# reportlab's built-in Helvetica has Latin-1 only and draws other letters as boxes. Neither has CJK.
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SUFFIX = {"txt": ".txt", "pdf1": ".pdf", "pdf2": ".pdf", "html": ".html", "docx": ".docx"}


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def to_pdf(paras: list[str], title: str, path: Path, columns: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    style = getSampleStyleSheet()["BodyText"]
    style.fontSize, style.leading, style.spaceAfter = 10, 12.5, 6
    if UNICODE_FONT.is_file():
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(UNICODE_FONT)))
        style.fontName = "DejaVuSans"
    doc = BaseDocTemplate(str(path), pagesize=A4, title=title)
    width, height = A4
    margin, gap = 50, 20
    frame_w = (width - 2 * margin - gap * (columns - 1)) / columns
    frames = [Frame(margin + i * (frame_w + gap), margin, frame_w, height - 2 * margin, id=f"c{i}") for i in range(columns)]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    doc.build([Paragraph(html.escape(p, quote=False), style) for p in paras])


def to_html(paras: list[str], title: str, path: Path) -> None:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        "<script>var analytics = 'not text';</script></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/wiki'>Articles</a></nav>"
        "<div class='cookie-banner'>This site uses cookies.</div>"
        f"<main><article>{body}</article></main><footer>Text under CC BY-SA.</footer></body></html>",
        encoding="utf-8",
    )


def to_docx(paras: list[str], title: str, path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    for p in paras:
        d.add_paragraph(p)
    d.save(str(path))


def render(src: Path, fmt: str, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (src.stem + SUFFIX[fmt])
    if target.exists():
        return target
    text = src.read_text(encoding="utf-8")
    paras, title = paragraphs(text), src.stem.replace("_", " ")
    if fmt == "txt":
        target.write_text(text, encoding="utf-8")
    elif fmt in ("pdf1", "pdf2"):
        to_pdf(paras, title, target, 1 if fmt == "pdf1" else 2)
    elif fmt == "html":
        to_html(paras, title, target)
    else:
        to_docx(paras, title, target)
    return target
