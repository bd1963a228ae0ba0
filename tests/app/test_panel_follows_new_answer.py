"""The citation panel follows the conversation: when a new answer arrives, the panel opens that answer's
first citation (no click needed), instead of keeping the previous answer's passage; an answer that cites
nothing (a refusal) empties it. Chromium against the PDF report and the Word survey; screenshots go to
artifacts/ui/.
"""

from app_support import ARTIFACTS, chromium  # noqa: F401  (a fixture)
from test_browser import ask_once
from test_pdf_citation_browser import page, pdf_app  # noqa: F401  (fixtures)

SHOWS = "(source) => document.querySelector('#cq-panel .cq-panel')?.dataset.source === source"


def test_a_new_answer_opens_its_first_citation(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    answer = ask_once(page, "When was the lighthouse automated?", "1984")
    answer.locator('a[href^="#cite-"]').first.click()
    page.wait_for_function(SHOWS, arg="seeds/harbour.pdf", timeout=15_000)

    # The next answer cites the Word survey: the panel shows it, marked, without a click.
    ask_once(page, "How many fishing boats were counted?", "412")
    page.wait_for_function(SHOWS, arg="seeds/survey.docx", timeout=15_000)
    assert "412" in page.locator("#cq-panel mark#cq-hit").inner_text()
    assert "[1]" in page.locator("#cq-panel .cq-badge").inner_text()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "panel-follows-answer.png"))

    # Its [1] opens the same passage; the earlier answer's [1] still opens the PDF.
    bots = page.locator("#cq-chat [data-testid=bot]")
    bots.first.locator('a[href^="#cite-"]').first.click()
    page.wait_for_function(SHOWS, arg="seeds/harbour.pdf", timeout=15_000)

    # A refusal cites nothing: the panel is emptied rather than left on the PDF.
    before = bots.count()
    page.fill("#cq-question textarea", "What colour is the ferry captain's cat?")
    page.keyboard.press("Enter")
    page.wait_for_function("(n) => document.querySelectorAll('#cq-chat [data-testid=bot]').length > n"
                           " && !document.querySelector('#cq-chat .generating')", arg=before, timeout=30_000)
    page.wait_for_function("() => !document.querySelector('#cq-panel .cq-head')", timeout=15_000)
    assert bots.last.locator('a[href^="#cite-"]').count() == 0  # it was a refusal
    assert page.locator("#cq-panel .cq-empty").count() == 1
    page.screenshot(path=str(ARTIFACTS / "panel-cleared-on-refusal.png"))
