"""The chat as a newcomer uses it, in Chromium (issue 9): each answer's quote shown once (3), an
overview question answered with several cited sentences (4), the small things (7: an empty question,
Download with nothing to download, a refusal's mark), and conversations kept across a reload (9).
Screenshots go to artifacts/ui/."""


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


def ask(page, question, wait_for="Sources"):
    bots = page.locator("#cq-chat [data-testid=bot]").count()
    page.locator("#cq-question textarea").fill(question)
    page.locator("#cq-send").click()
    page.wait_for_function(
        "([n, text]) => { const b = document.querySelectorAll('#cq-chat [data-testid=bot]');"
        " return b.length > n && b[b.length - 1].innerText.includes(text); }", arg=[bots, wait_for], timeout=60_000)
    page.wait_for_timeout(600)
    return page.locator("#cq-chat [data-testid=bot]").last


def test_the_cited_sentence_is_shown_once(page):
    message = ask(page, QUESTION)
    text = message.inner_text()
    assert text.count("legally binding global framework") == 1, text
    assert "line 7" in text
    assert_drawn(page, "#cq-chat", "Hanoi")
    page.screenshot(path=str(ARTIFACTS / "answer-once.png"))


def test_an_overview_question_gets_several_cited_sentences(page):
    message = ask(page, "Summarise the document")
    links = message.locator("a[href^='#cite-']")
    numbers = {link.inner_text().split("]")[0] for link in links.all()}
    assert len(numbers) >= 3, message.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))


def test_small_things(page):
    # An empty question does nothing: no bubble, no error.
    page.locator("#cq-send").click()
    page.wait_for_timeout(1200)
    assert page.locator("#cq-chat [data-testid=bot]").count() == 0
    assert "Error" not in page.locator("#cq-chat").inner_text()
    # Download with an empty conversation says why nothing downloads.
    page.locator("#cq-download").click()
    page.wait_for_function("() => document.body.innerText.includes('Nothing to download yet')", timeout=10_000)
    # A refusal's mark is a character every text font has, not an emoji.
    message = ask(page, "Who is the prime minister of Thailand?", wait_for="No answer from the documents")
    assert "⊘" in message.inner_text() and "🚫" not in message.inner_text()


def test_conversations_survive_a_reload_and_can_be_renamed_and_deleted(page):
    ask(page, QUESTION)
    page.reload()
    page.wait_for_selector("#cq-question")
    page.wait_for_timeout(1200)
    assert page.locator("#cq-chat [data-testid=bot]").count() == 0  # a fresh page starts empty...
    entries = page.locator("#cq-history-list [data-testid$='-radio-label']")  # the sidebar's list, always shown
    assert any(QUESTION in t for t in entries.all_inner_texts())  # ...and lists the earlier one
    entries.filter(has_text=QUESTION).first.click()  # a click opens it
    page.wait_for_function("() => document.querySelector('#cq-chat').innerText.includes('Hanoi')", timeout=10_000)
    page.locator("#cq-chat a[href^='#cite-']").first.click()  # its citations still open their passage
    page.wait_for_function("() => document.querySelector('#cq-panel mark.cq-hit')", timeout=10_000)
    assert "Hanoi" in page.locator("#cq-panel mark.cq-hit").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "conversation-reopened.png"))

    page.locator("#cq-history-edit").get_by_text("Rename or delete").click()  # acts on the opened one
    page.locator("#cq-history-name input, #cq-history-name textarea").first.fill("Treaty question")
    page.locator("#cq-history-rename").click()
    page.wait_for_function("() => document.querySelector('#cq-history-status').innerText.includes('Renamed')")
    assert any("Treaty question" in t for t in entries.all_inner_texts())
    page.locator("#cq-history-delete").click()
    page.wait_for_function("() => document.querySelector('#cq-history-status').innerText.includes('Deleted')")
    page.wait_for_timeout(300)
    assert not any("Treaty question" in t for t in entries.all_inner_texts())
