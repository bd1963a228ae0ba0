"""A PDF page as an image for the citation panel, with the cited boxes laid over it (no Gradio import).

The page is rendered by pdfium at RENDER_SCALE (144 dpi: an A4 page is 1190 px wide, sharp when the
panel fits it to its width, about 400 px on a 1280x800 screen, or zoomed to 150%), as PNG, and cached per
(file, version, page). Boxes are in PDF points with the origin at the bottom left; they become
percentages of the page, so they stay on the text at any width. A file that changed since it was indexed
is not drawn: its boxes would point at other text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

RENDER_SCALE = 2.0
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 24
_HASHES: dict[tuple[str, int, float], str] = {}
_LOCK = threading.Lock()


@dataclass
class RenderedPage:
    number: int  # 1-based
    count: int
    width: float  # points
    height: float
    png: bytes
    seconds: float


def file_hash(path: Path) -> str | None:
    """sha256 of a file, remembered while its size and mtime stand (a page turn does not re-hash)."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_size, st.st_mtime)
    if key not in _HASHES:
        h = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
        except OSError:
            return None
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def render_page(path: str | Path, number: int, expected_hash: str | None = None) -> RenderedPage | None:
    """Page `number` (clamped to the document) as PNG, or None when the file is gone, changed since it was
    indexed (`expected_hash`), or cannot be rendered."""
    import time

    import pypdfium2 as pdfium

    path = Path(path)
    digest = file_hash(path)
    if digest is None or (expected_hash and digest != expected_hash):
        return None
    with _LOCK:  # pdfium is not thread-safe
        started = time.perf_counter()
        if (digest, int(number)) in _CACHE:
            _CACHE.move_to_end((digest, int(number)))
            return _CACHE[(digest, int(number))]
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            return None
        try:
            count = len(pdf)
            if count == 0:
                return None
            number = min(max(1, int(number)), count)
            key = (digest, number)
            page = pdf[number - 1]
            try:
                width, height = page.get_size()
                image = page.render(scale=RENDER_SCALE).to_pil()
            finally:
                page.close()
        except pdfium.PdfiumError:
            return None
        finally:
            pdf.close()
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="PNG", compress_level=1)
        rendered = RenderedPage(number, count, width, height, buf.getvalue(), time.perf_counter() - started)
        _CACHE[key] = rendered
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return rendered


# The page fits the panel's width unless a zoom is chosen (100%: 1 pt = 4/3 px, as printed); the panel's
# script (style.PANEL_JS) applies it in the browser, without a round trip, and keeps it for the next page.
# "Text as read" jumps to the extracted text below the page (#cq-text, laid out by panel.py), which is
# under the fold at 1280x800.
ZOOM_CONTROLS = (
    '<button type="button" class="cq-jump" data-jump="cq-text" title="The text of this page as citeqa read it">'
    "Text as read ↓</button>"
    '<span class="cq-zoom" role="group" aria-label="Zoom">'
    '<button type="button" data-zoom="fit" aria-pressed="true" title="Fit the page to the panel">Fit</button>'
    '<button type="button" data-zoom="1" aria-pressed="false">100%</button>'
    '<button type="button" data-zoom="1.5" aria-pressed="false">150%</button></span>'
)


def page_html(page: RenderedPage, boxes: list, source: str, cite_ref: str) -> str:
    """The page image with the boxes on this page highlighted (the first has id cq-hit, the scroll
    target), links to the previous and next pages (`#cite-T-N|pK`, read by the panel's click handler),
    the zoom buttons and the jump to the text as read."""
    marks = []
    for box in boxes or []:
        try:
            pg, x0, y0, x1, y1 = (float(v) for v in box)
        except (TypeError, ValueError):
            continue
        if int(pg) != page.number:
            continue
        left, top = 100 * x0 / page.width, 100 * (page.height - y1) / page.height
        w, h = 100 * (x1 - x0) / page.width, 100 * (y1 - y0) / page.height
        hit = ' id="cq-hit"' if not marks else ""
        marks.append(f'<div class="cq-box"{hit} style="left:{left:.3f}%;top:{top:.3f}%;width:{w:.3f}%;height:{h:.3f}%"></div>')
    src = "data:image/png;base64," + base64.b64encode(page.png).decode("ascii")
    nav = ['<div class="cq-pagenav">']
    if page.number > 1:
        nav.append(f'<a href="#{cite_ref}|p{page.number - 1}" class="cq-pagelink" data-page="{page.number - 1}">‹ page {page.number - 1}</a>')
    nav.append(f'<span class="cq-pageno">page {page.number} of {page.count}</span>')
    if page.number < page.count:
        nav.append(f'<a href="#{cite_ref}|p{page.number + 1}" class="cq-pagelink" data-page="{page.number + 1}">page {page.number + 1} ›</a>')
    nav.append(ZOOM_CONTROLS)
    nav.append("</div>")
    # data-w: the page's width in points, for the zoom buttons (the panel's script sizes the page).
    return (
        "".join(nav)
        + f'<div class="cq-doc cq-pdf" id="cq-doc"><div class="cq-page" data-page="{page.number}" '
        f'data-w="{page.width:.2f}" style="aspect-ratio:{page.width:.2f}/{page.height:.2f}">'
        f'<img src="{src}" alt="page {page.number} of {html.escape(source)}" draggable="false">{"".join(marks)}</div></div>'
    )
