"""A PDF page fits the citation panel at 1280x800: Chromium opens a citation on page 1 (right column) and
on page 2 of the two-page report; the page image is no wider than the panel's view and every lit box lies
inside the view's visible part, horizontally and vertically. The zoom buttons (100%, 150%) widen the page
in the browser, without a server round trip, and keep the lit boxes in view (at 150% a cited line is wider
than the panel: it shows from its start); Fit brings it back. A page with nothing lit opens at its top left. The text
as read, below the page, is one click away from the top of the panel. Screenshots go to artifacts/ui/.
"""

from app_support import ARTIFACTS, chromium  # noqa: F401  (a fixture)
from test_browser import ask_once
from test_pdf_citation_browser import page, pdf_app  # noqa: F401  (fixtures)

from makedocs import PAGE_W

# Where the page image and each lit box are against the page view's visible part (its client box).
GEOMETRY = """() => {
  const view = document.querySelector('#cq-panel #cq-doc');
  const v = view.getBoundingClientRect();
  const inner = {left: v.left + view.clientLeft, top: v.top + view.clientTop};
  inner.right = inner.left + view.clientWidth;
  inner.bottom = inner.top + view.clientHeight;
  const img = view.querySelector('.cq-page img').getBoundingClientRect();
  const boxes = [...view.querySelectorAll('.cq-box')].map(b => {
    const r = b.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  });
  return {view: inner, img: {left: img.left, right: img.right, width: img.width},
          scrollWidth: view.scrollWidth, clientWidth: view.clientWidth, boxes,
          scrollLeft: view.scrollLeft, scrollTop: view.scrollTop,
          panelRight: document.querySelector('#cq-panel').getBoundingClientRect().right};
}"""


def _geometry(page) -> dict:
    page.wait_for_timeout(400)  # the panel scrolls to the lit boxes after it renders
    return page.evaluate(GEOMETRY)


def _lit_boxes_in_view(g: dict) -> None:
    """Each lit box lies inside the view; sideways, a line wider than the view (at 150% a cited line is
    wider than the panel) shows from its start for the view's whole width."""
    assert g["boxes"], "no lit box on the page shown"
    v = g["view"]
    for b in g["boxes"]:
        assert v["top"] - 0.5 <= b["top"] and b["bottom"] <= v["bottom"] + 0.5, (b, v)
        assert v["left"] - 0.5 <= b["left"], (b, v)
        shown = min(b["right"], v["right"]) - b["left"]
        assert shown >= min(b["right"] - b["left"], v["right"] - v["left"] - 24) - 0.5, (b, v)


def _open_first_citation(page, question: str, expect: str, page_no: str) -> None:
    answer = ask_once(page, question, expect)
    answer.locator('a[href^="#cite-"]').first.click()
    page.wait_for_function(
        "(n) => document.querySelector('#cq-panel .cq-page')?.dataset.page === n"
        " && document.querySelector('#cq-panel .cq-box')", arg=page_no, timeout=15_000)


def test_page_fits_the_panel_and_lit_boxes_show(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for question, expect, page_no in [("How often do ferries to Lindholm leave in summer?", "hour", "1"),
                                      ("When was the lighthouse automated?", "1984", "2")]:
        _open_first_citation(page, question, expect, page_no)
        g = _geometry(page)
        page.screenshot(path=str(ARTIFACTS / f"pdf-fit-page-{page_no}.png"))
        # Fit: the whole width of the page is drawn inside the view, with no sideways scrolling.
        assert g["img"]["right"] <= g["view"]["right"] + 0.5 and g["img"]["left"] >= g["view"]["left"] - 0.5, g
        assert g["scrollWidth"] <= g["clientWidth"] + 1, g
        assert g["view"]["right"] <= g["panelRight"] + 0.5, g
        _lit_boxes_in_view(g)

    # 150%: the page is drawn at one and a half times its size (1 pt = 4/3 px), in the browser (the page
    # sends the server nothing); the lit boxes stay in view.
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/gradio_api/" in r.url else None)
    page.locator("#cq-panel .cq-zoom button", has_text="150%").click()
    g = _geometry(page)
    page.screenshot(path=str(ARTIFACTS / "pdf-zoom-150.png"))
    assert not sent, sent
    assert abs(g["img"]["width"] - 1.5 * PAGE_W * 4 / 3) < 2, g
    assert g["scrollWidth"] > g["clientWidth"], g
    _lit_boxes_in_view(g)
    assert page.locator("#cq-panel .cq-zoom button[aria-pressed=true]").inner_text().strip() == "150%"

    # The zoom chosen holds on the next page shown; 100% and Fit keep the lit boxes in view too.
    page.locator("#cq-panel a.cq-pagelink", has_text="page 1").click()
    page.wait_for_function("() => document.querySelector('#cq-panel .cq-page')?.dataset.page === '1'", timeout=10_000)
    g = _geometry(page)
    assert abs(g["img"]["width"] - 1.5 * PAGE_W * 4 / 3) < 2, g
    assert g["scrollLeft"] == 0 and g["scrollTop"] == 0, g  # nothing lit there: it opens at its top left
    page.locator("#cq-panel a.cq-pagelink", has_text="page 2").click()
    page.wait_for_function("() => document.querySelector('#cq-panel .cq-page')?.dataset.page === '2'", timeout=10_000)
    page.locator("#cq-panel .cq-zoom button", has_text="100%").click()
    g = _geometry(page)
    assert abs(g["img"]["width"] - PAGE_W * 4 / 3) < 2, g
    _lit_boxes_in_view(g)
    page.locator("#cq-panel .cq-zoom button", has_text="Fit").click()
    g = _geometry(page)
    assert g["scrollWidth"] <= g["clientWidth"] + 1, g
    _lit_boxes_in_view(g)
