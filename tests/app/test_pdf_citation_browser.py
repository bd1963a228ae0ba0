"""A PDF citation in a real browser: Chromium clicks [1], the panel shows the rendered page with the
cited sentence's boxes lit where the sentence is drawn, scrolled into view, with page navigation and the
text as read; a Word citation shows its section. Screenshots go to artifacts/ui/ for a person to look at.
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from makedocs import PAGE_H, PAGE_W, report_docx, two_column_pdf
from app_support import ARTIFACTS, chromium  # noqa: F401  (a fixture)
from test_browser import ask_once

from conftest import free_port, shared, stop_process, wait_for_app

ROOT = Path(__file__).resolve().parents[2]
FILLER = "Harbour records from the nineteenth century describe the quays, the fish market and the ropewalk"
CITED = ["The lighthouse on the point was automated in", "1984 and its last keeper retired to the village."]


def _pages():
    left1 = [[FILLER + f" in volume {i}."[:46], "and in the ledgers kept by the harbour master."] for i in range(1, 4)]
    right1 = [["Ferries to the island of Lindholm leave every", "hour in summer and twice a day in winter."]]
    left2 = [["The northern pier was rebuilt in 1911 after a", "storm destroyed the old timber frame."]] * 1
    filler2 = [["Fishermen mended their nets on the long quay", "beside the customs house every morning."]] * 14
    return [(left1, right1), (left2 + filler2, filler2[:10] + [CITED])]


@pytest.fixture(scope="session")
def pdf_app(tmp_path_factory):
    """The app serving a two-column PDF and a Word report; one for the whole run (four modules use it)."""
    yield from shared("pdf_app", lambda: _pdf_app(tmp_path_factory))


@contextmanager
def _pdf_app(tmp_path_factory):
    work = tmp_path_factory.mktemp("ui-pdf")
    corpus = work / "seeds"
    corpus.mkdir()
    drawn = two_column_pdf(corpus / "harbour.pdf", _pages(), title="Harbour Report", heading="The Harbour")
    report_docx(corpus / "survey.docx")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               CITEQA_CONFIG=str(work / "absent.toml"))
    log_path = work / "app.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], cwd=work, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_app(proc, url, log_path)
        yield url, drawn
    finally:
        stop_process(proc)
        assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture
def page(chromium, pdf_app):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(pdf_app[0])
    pg.wait_for_selector("#cq-question textarea")
    yield pg
    context.close()
    assert not errors, errors


def _to_points(box: dict, img: dict) -> tuple[float, float, float, float]:
    """A screen rectangle over the page image -> PDF points (origin bottom left)."""
    x0 = (box["x"] - img["x"]) / img["width"] * PAGE_W
    x1 = (box["x"] + box["width"] - img["x"]) / img["width"] * PAGE_W
    y1 = PAGE_H - (box["y"] - img["y"]) / img["height"] * PAGE_H
    y0 = PAGE_H - (box["y"] + box["height"] - img["y"]) / img["height"] * PAGE_H
    return x0, y0, x1, y1


def test_pdf_citation_lights_the_sentence_on_its_page(page, pdf_app):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    drawn = pdf_app[1]
    answer = ask_once(page, "When was the lighthouse automated?", "1984")
    assert "harbour.pdf p.2" in answer.inner_text()  # the source list names the page
    answer.locator('a[href^="#cite-"]').first.click()
    hit = page.locator("#cq-panel .cq-box#cq-hit")
    hit.wait_for(timeout=15_000)
    assert page.locator("#cq-panel .cq-page").get_attribute("data-page") == "2"
    head = page.locator("#cq-panel .cq-head").inner_text()
    assert "harbour.pdf" in head and "page 2" in head and "Harbour Report" in head
    page.wait_for_timeout(400)

    # Each lit box sits on a drawn line of the cited sentence, and together they cover it.
    img = page.locator("#cq-panel .cq-page img").bounding_box()
    lit = [_to_points(b.bounding_box(), img) for b in page.locator("#cq-panel .cq-box").all()]
    lines = [d for d in drawn if d.page == 2 and d.text in CITED]
    assert len(lit) == len(lines) == 2
    for (x0, y0, x1, y1), line in zip(sorted(lit, key=lambda b: -b[3]), lines):
        dx0, dy0, dx1, dy1 = line.box()
        assert abs(x0 - dx0) < 3 and abs(x1 - dx1) < 3, ((x0, x1), (dx0, dx1))
        assert y0 <= dy0 + 2 and y1 >= dy1 - 2 and (y1 - y0) < 2.5 * (dy1 - dy0), ((y0, y1), (dy0, dy1))

    # The first lit box is scrolled into the visible part of the page view; the text as read is marked too.
    view, box = page.locator("#cq-doc").bounding_box(), hit.bounding_box()
    assert view["y"] <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"]
    assert page.locator("#cq-panel mark#cq-hit-text").inner_text().startswith("The lighthouse on the point was automated in 1984")
    page.screenshot(path=str(ARTIFACTS / "pdf-citation.png"))

    # Page navigation: page 1 has no lit boxes; back on page 2 they are there again.
    page.locator("#cq-panel a.cq-pagelink", has_text="page 1").click()
    page.wait_for_function("() => document.querySelector('#cq-panel .cq-page')?.dataset.page === '1'", timeout=10_000)
    assert page.locator("#cq-panel .cq-box").count() == 0
    assert "Ferries to the island of Lindholm" in page.locator("#cq-panel #cq-text").inner_text()
    page.screenshot(path=str(ARTIFACTS / "pdf-page-1.png"))
    page.locator("#cq-panel a.cq-pagelink", has_text="page 2").click()
    page.wait_for_function("() => document.querySelector('#cq-panel .cq-page')?.dataset.page === '2'", timeout=10_000)
    assert page.locator("#cq-panel .cq-box").count() == 2


def test_word_citation_shows_section_and_headings(page):
    answer = ask_once(page, "How many fishing boats were counted?", "412")
    assert "survey.docx § Harbour Survey › Results › Table 1" in answer.inner_text()
    answer.locator('a[href^="#cite-"]').first.click()
    page.locator("#cq-panel mark#cq-hit").wait_for(timeout=10_000)
    assert "412" in page.locator("#cq-panel mark#cq-hit").inner_text()
    assert "§ Harbour Survey › Results › Table 1" in page.locator("#cq-panel .cq-head").inner_text()
    assert "Results" in [h.inner_text().strip() for h in page.locator("#cq-panel .cq-h .cq-tx").all()]
    time.sleep(0.2)
    page.screenshot(path=str(ARTIFACTS / "docx-citation.png"))
