"""The chat in a real browser: Playwright driving Debian's Chromium against `python app.py`.

Asks the seed question, clicks its first citation and checks the side panel shows the seed document
with the cited span highlighted; uploads a document full of markup and checks it shows as text and
never runs. Screenshots go to artifacts/ui/ (git-ignored) for a human to look at.
"""


import pytest

from app_support import ARTIFACTS, QUESTION, chromium, served_app  # noqa: F401  (chromium is a fixture)

SEED = "seeds/000_b943be75029e422a.txt"
EVIL = '<img src=x onerror="window.__xss=1">'
EVIL_DOC = (
    f"# Harbour notes {EVIL}\n\n"
    f"The harbour pilot programme began in Rotterdam in 2019. {EVIL} <script>window.__xss=2</script>\n\n"
    "It was run by the port authority with three tugboats.\n"
)
OPERATOR_PASSWORD = "browser-operator-pw"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`python app.py` from a scratch folder holding a copy of the seed corpus (uploads land in that
    copy, never in the project's seeds/), with an operator password to sign in with."""
    work = tmp_path_factory.mktemp("ui-browser")
    with served_app(work, env={"CITEQA_OPERATOR_PASSWORD": OPERATOR_PASSWORD}) as url:
        yield url, work


@pytest.fixture
def page(chromium, app_url):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url[0])
    page.wait_for_selector("#cq-question textarea")
    yield page
    context.close()
    assert not errors, errors


def ask_once(page, question: str, expect: str):
    before = page.locator("#cq-chat [data-testid=bot]").count()
    page.fill("#cq-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        """([before, expect]) => {
            const bots = document.querySelectorAll('#cq-chat [data-testid=bot]');
            if (bots.length <= before) return false;
            const last = bots[bots.length - 1].innerText;
            return last.includes(expect) && last.includes('Sources');
        }""",
        arg=[before, expect],
        timeout=30_000,
    )
    return page.locator("#cq-chat [data-testid=bot]").last


def test_citation_click_opens_highlighted_passage(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    answer = ask_once(page, QUESTION, "Hanoi")
    page.screenshot(path=str(ARTIFACTS / "answer.png"))
    markers = answer.locator('a[href^="#cite-"]')
    assert markers.count() >= 2  # the [1] in the text and its entry in the source list
    markers.first.click()
    hit = page.locator("#cq-panel mark#cq-hit")
    hit.wait_for(timeout=10_000)
    assert "Hanoi" in hit.inner_text()
    panel = page.locator("#cq-panel .cq-panel")
    assert panel.get_attribute("data-source") == SEED
    head = page.locator("#cq-panel .cq-head").inner_text()
    assert SEED in head and "line 7" in head and "Thailand Champions International Cooperation" in head
    # The highlighted span is scrolled into the visible part of the document view.
    page.wait_for_timeout(300)
    box, view = hit.bounding_box(), page.locator("#cq-doc").bounding_box()
    assert view["y"] <= box["y"] and box["y"] + 10 <= view["y"] + view["height"]
    page.screenshot(path=str(ARTIFACTS / "passage.png"))

    # The entry in the list under the answer opens the same passage; a follow-up uses the conversation.
    page.locator("#cq-panel").evaluate("el => el.querySelector('.cq-panel').remove()")
    markers.last.click()
    page.locator("#cq-panel mark#cq-hit").wait_for(timeout=10_000)
    follow = ask_once(page, "When did it sign it?", "2025")
    assert "Hanoi" in follow.inner_text() or "2025" in follow.inner_text()
    page.get_by_text("Export conversation (Markdown)").click()
    exported = page.locator("#cq-export textarea").input_value()
    assert QUESTION in exported and f"[1] {SEED}, line 7" in exported and "> Earlier in 2025" in exported

    # New chat empties the conversation and the panel.
    page.click("#cq-new-chat")
    page.wait_for_function("() => document.querySelectorAll('#cq-chat [data-testid=bot]').length === 0")
    assert page.locator("#cq-panel mark").count() == 0


def test_uploaded_markup_shows_as_text_and_never_runs(page, app_url, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = tmp_path / "harbour notes.md"
    doc.write_text(EVIL_DOC, encoding="utf-8")
    # A visitor sees the operator's controls disabled, with the reason.
    page.get_by_role("tab", name="Sources").click()
    page.get_by_text("Operator only: sign in as operator").first.wait_for()
    assert page.locator("#cq-reindex").is_disabled() and page.locator("#cq-remove").is_disabled()
    assert page.locator("#cq-upload input[type=file]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "sources-visitor.png"))
    page.get_by_role("tab", name="Settings").click()
    assert page.locator("#cq-apply").is_disabled()
    page.fill("#cq-operator-password input", OPERATOR_PASSWORD)
    page.click("#cq-sign-in")
    page.get_by_text("Role: operator").wait_for(timeout=15_000)
    assert page.locator("#cq-apply").is_enabled()
    page.screenshot(path=str(ARTIFACTS / "settings-operator.png"))
    page.get_by_role("tab", name="Sources").click()
    page.locator("#cq-reindex").wait_for()
    assert page.locator("#cq-reindex").is_enabled()
    page.set_input_files("#cq-upload input[type=file]", str(doc))
    page.wait_for_function("() => document.querySelector('#cq-sources-status textarea').value.includes('harbour')",
                           timeout=30_000)
    assert "✓ harbour notes.md added" in page.input_value("#cq-sources-status textarea")
    assert (app_url[1] / "index" / "citeqa" / "files" / "harbour notes.md").is_file()  # the collection's folder
    assert not (app_url[1] / "seeds" / "harbour notes.md").exists()
    table = page.locator("#cq-documents")
    table.get_by_text("uploads/harbour notes.md").wait_for()
    assert EVIL in table.inner_text()  # the title, shown as text
    page.screenshot(path=str(ARTIFACTS / "sources.png"))

    page.get_by_role("tab", name="Chat").click()
    answer = ask_once(page, "Where did the harbour pilot programme begin?", "Rotterdam")
    assert EVIL in answer.inner_text() and answer.locator("img, script").count() == 0
    answer.locator('a[href^="#cite-"]').first.click()
    page.locator("#cq-panel mark#cq-hit").wait_for(timeout=10_000)
    panel = page.locator("#cq-panel")
    assert EVIL in panel.inner_text() and "<script>window.__xss=2</script>" in panel.inner_text()
    assert panel.locator("img, script").count() == 0
    assert "Rotterdam" in page.locator("#cq-hit").inner_text()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "markup-as-text.png"))


def test_other_tabs_render(page):
    page.get_by_role("tab", name="Settings").click()
    page.get_by_text("Effective settings").wait_for()
    # The effective settings arrive with the tab's select event: wait for them, do not race them.
    page.wait_for_function("""() => document.body.innerText.includes('"answerer"')""", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "settings.png"))
    page.get_by_role("tab", name="Regression").click()
    page.click("#cq-run")
    # The bundled set runs in a scratch index of its own corpus: the first run embeds it (model load included).
    page.wait_for_function("() => /\\d+ passed, \\d+ failed/.test(document.body.innerText)", timeout=180_000)
    assert "conference-when" in page.locator("#cq-regression").inner_text()
    page.screenshot(path=str(ARTIFACTS / "regression.png"))
