"""Tables and the chat are drawn, not only present in the DOM (issue 9.1): checked with ui_checks, which
looks at what covers each row, its opacity, its colour contrast and its pixels. A page with the old
overlay bug injected must fail the same check, so the check can fail."""


import pytest
from ui_checks import assert_drawn

from app_support import ARTIFACTS, QUESTION, chat_page, chromium, seed_app  # noqa: F401  (chromium is a fixture)




@pytest.fixture(scope="module")
def served(seed_app):
    return seed_app


@pytest.fixture
def page(chromium, served):
    with chat_page(chromium, served) as page:
        yield page


def _open_tab(page, name):
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(700)


def test_sources_table_rows_are_drawn(page):
    _open_tab(page, "Sources")
    page.wait_for_function("() => document.querySelector('#cq-documents').innerText.includes('000_b943be75029e422a')")
    assert_drawn(page, "#cq-documents", "Thailand Champions")
    assert_drawn(page, "#cq-documents", "content hash")  # the header row too
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sources-table.png"))


def test_regression_table_rows_are_drawn(page):
    _open_tab(page, "Regression")
    page.locator("#cq-run").click()
    page.wait_for_function("() => /passed/.test(document.body.innerText) && document.querySelector('#cq-regression td')",
                           timeout=120_000)
    assert_drawn(page, "#cq-regression", "reasons")  # the header row
    assert_drawn(page, "#cq-regression", "pass")  # a result cell
    page.screenshot(path=str(ARTIFACTS / "regression-table.png"))


def test_chat_answer_is_drawn(page):
    page.locator("#cq-question textarea").fill(QUESTION)
    page.locator("#cq-send").click()
    page.wait_for_function("() => document.querySelector('#cq-chat').innerText.includes('Hanoi')", timeout=60_000)
    page.wait_for_timeout(800)  # the answer is revealed in a few steps
    assert_drawn(page, "#cq-chat", "Hanoi")
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"))


def test_the_check_catches_a_covered_table(page):
    """The bug once shipped: descendants forced to opacity 1, so the table's drop overlay hid the rows."""
    _open_tab(page, "Sources")
    page.wait_for_function("() => document.querySelector('#cq-documents').innerText.includes('000_b943be75029e422a')")
    page.add_style_tag(content="#cq-documents * { opacity: 1 !important; }")
    page.wait_for_timeout(300)
    with pytest.raises(AssertionError, match="covered|no ink|faded"):
        assert_drawn(page, "#cq-documents", "Thailand Champions")
