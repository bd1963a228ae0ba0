"""Your conversations is a sidebar beside the chat (issue 18.6), in Chromium at 1280×800: on load, with
nothing opened, the list is on screen left of the chat, newest first; its search box filters by title
and by any question asked; a click opens that conversation (its citations still open in the panel on
the right); New conversation there starts over; the list, the chat and the panel do not overlap.
Screenshots go to artifacts/ui/."""

import pytest
from ui_checks import assert_drawn

from app_support import ARTIFACTS, QUESTION, chat_page, chromium, seed_app  # noqa: F401  (chromium is a fixture)

SECOND = "Which city hosted the global conference on online scams?"
FOLLOW_UP = "When did that happen?"  # asked in the first conversation: found by search, not in its title
ENTRIES = "#cq-history-list [data-testid$='-radio-label']"
RECT = "(s) => { const el = document.querySelector(s); if (!el) return null; const r = el.getBoundingClientRect();" \
       " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; }"


@pytest.fixture(scope="module")
def served(seed_app):
    return seed_app


@pytest.fixture
def page(chromium, served):
    with chat_page(chromium, served) as page:
        yield page


def ask(page, question, wait_for):
    bots = page.locator("#cq-chat [data-testid=bot]").count()
    page.locator("#cq-question textarea").fill(question)
    page.locator("#cq-send").click()
    # The whole answer (its sources, or a refusal), not its first streamed piece: it is saved after that.
    page.wait_for_function(
        "([n, text]) => { const b = document.querySelectorAll('#cq-chat [data-testid=bot]');"
        " const last = b.length > n ? b[b.length - 1].innerText : '';"
        " return last.includes(text) && /Sources|No answer/.test(last); }", arg=[bots, wait_for], timeout=120_000)
    page.wait_for_timeout(800)


def entries(page) -> list[str]:
    return page.locator(ENTRIES).all_inner_texts()


def wait_entries(page, count: int):
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[ENTRIES, count],
                           timeout=10_000)


def test_the_conversation_list_is_a_sidebar_beside_the_chat(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ask(page, QUESTION, "Hanoi")
    ask(page, FOLLOW_UP, "")
    page.locator("#cq-new-chat").click()
    ask(page, SECOND, "Bangkok")
    wait_entries(page, 2)  # both kept
    page.reload()
    page.wait_for_selector("#cq-question")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "sidebar-on-load.png"))

    # On load, nothing opened: the list is on screen, left of the chat, which is left of the panel.
    listed, chat, panel = (page.evaluate(RECT, s) for s in ("#cq-history-list", "#cq-chat", "#cq-panel"))
    assert listed and listed["width"] > 150 and listed["height"] > 0, f"the list is not shown: {listed}"
    assert 0 <= listed["left"] and listed["top"] < 800 and listed["right"] <= chat["left"], (listed, chat)
    assert chat["right"] <= panel["left"] and panel["right"] <= 1280, (chat, panel)
    question_box = page.evaluate(RECT, "#cq-question")
    assert question_box["bottom"] <= 800 and question_box["width"] >= 300, question_box  # the chat stays usable
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280  # nothing pushed off to the side
    wait_entries(page, 2)
    texts = entries(page)
    assert SECOND in texts[0] and QUESTION in texts[1], texts  # newest first
    for i in range(2):
        box = page.locator(ENTRIES).nth(i).bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 800 and box["x"] + box["width"] <= chat["left"], box
    assert_drawn(page, "#cq-history-list", "Which city hosted")

    # The search box filters by title, and by a question asked later in a conversation.
    search = page.locator("#cq-history-search textarea, #cq-history-search input").first
    search.fill("conference")
    wait_entries(page, 1)
    assert SECOND in entries(page)[0]
    search.fill("happen")
    page.wait_for_function("([s, q]) => { const e = document.querySelectorAll(s);"
                           " return e.length === 1 && e[0].innerText.includes(q); }",
                           arg=[ENTRIES, QUESTION], timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "sidebar-search.png"))
    search.fill("")
    wait_entries(page, 2)

    # A click opens it; its citation opens in the panel, which still fits beside the chat.
    page.locator(ENTRIES).filter(has_text=QUESTION).first.click()
    page.wait_for_function("() => document.querySelector('#cq-chat').innerText.includes('Hanoi')", timeout=10_000)
    page.locator("#cq-chat a[href^='#cite-']").first.click()
    page.wait_for_function("() => document.querySelector('#cq-panel mark.cq-hit')", timeout=10_000)
    page.wait_for_timeout(500)
    chat, panel, listed = (page.evaluate(RECT, s) for s in ("#cq-chat", "#cq-panel", "#cq-history-list"))
    assert listed["right"] <= chat["left"] and chat["right"] <= panel["left"] and panel["right"] <= 1280, \
        (listed, chat, panel)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(ARTIFACTS / "sidebar-opened.png"))

    # New conversation, in the sidebar, starts over; the list stays.
    page.locator("#cq-history-new").click()
    page.wait_for_function("() => document.querySelectorAll('#cq-chat [data-testid=bot]').length === 0", timeout=10_000)
    assert len(entries(page)) == 2

    # Narrower, still wide (1100 px): the list, the chat and the panel stay side by side, the question box on screen.
    page.set_viewport_size({"width": 1100, "height": 800})
    page.wait_for_timeout(500)
    listed, chat, panel, question_box = (page.evaluate(RECT, s) for s in ("#cq-history-list", "#cq-chat", "#cq-panel",
                                                                           "#cq-question"))
    assert listed["width"] > 150 and listed["top"] < 800 and listed["right"] <= chat["left"], (listed, chat)
    assert chat["right"] <= panel["left"] and panel["right"] <= 1100 and panel["top"] < chat["bottom"], (chat, panel)
    assert question_box["bottom"] <= 800, question_box
    page.screenshot(path=str(ARTIFACTS / "sidebar-1100.png"))
