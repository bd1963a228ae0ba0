"""The text as read of a PDF citation lies below the page image, under the fold at 1280x800: a control at
the top of the panel brings it into the window, with the cited sentence marked in it, and another takes
the reader back to the page. A screenshot goes to artifacts/ui/.
"""

from app_support import ARTIFACTS, chromium  # noqa: F401  (a fixture)
from test_browser import ask_once
from test_pdf_citation_browser import page, pdf_app  # noqa: F401  (fixtures)

IN_WINDOW = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight + 1 && r.height > 0;  // +1: sub-pixel layout
}"""


def test_text_as_read_is_one_click_away(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    answer = ask_once(page, "When was the lighthouse automated?", "1984")
    answer.locator('a[href^="#cite-"]').first.click()
    page.locator("#cq-panel .cq-box#cq-hit").wait_for(timeout=15_000)
    page.wait_for_timeout(400)
    assert not page.evaluate(IN_WINDOW, "#cq-panel #cq-text")  # below the fold, as the issue says

    jump = page.locator("#cq-panel button.cq-jump", has_text="Text as read")
    assert jump.bounding_box()["y"] < page.locator("#cq-panel #cq-doc").bounding_box()["y"]  # above the page
    jump.click()
    page.wait_for_function(IN_WINDOW, arg="#cq-panel #cq-text", timeout=5_000)
    page.wait_for_function(IN_WINDOW, arg="#cq-panel mark#cq-hit-text", timeout=5_000)
    assert page.locator("#cq-panel mark#cq-hit-text").inner_text().startswith("The lighthouse on the point")
    page.screenshot(path=str(ARTIFACTS / "pdf-text-as-read.png"))

    page.locator("#cq-panel button.cq-jump", has_text="Page").click()
    page.wait_for_function("() => document.querySelector('#cq-panel #cq-doc').getBoundingClientRect().top >= 0",
                           timeout=5_000)
