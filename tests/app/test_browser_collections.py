"""Collections in Chromium (issue 16), as an operator does it: create a collection on the Sources tab,
upload the newcomer's five documents into it, tick the harbour survey in the Sources list, and ask for
its summary in the chat: the line above the chat names the collection and the ticked document, and
every citation opens the survey. The uploads are in the collection's own folder, not in seeds/.
Screenshots go to artifacts/ui/ (collections-*.png)."""

from pathlib import Path

import pytest
from ui_checks import assert_drawn

from app_support import ARTIFACTS, chat_page, chromium, served_app  # noqa: F401  (chromium is a fixture)
from newcomer import write_newcomer_corpus

PASSWORD = "collections-operator-pw"
NAME = "Harbour files"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    work = tmp_path_factory.mktemp("ui-collections")
    with served_app(work, env={"CITEQA_OPERATOR_PASSWORD": PASSWORD}) as url:
        yield url, work


def _sign_in(page) -> None:
    page.get_by_role("tab", name="Settings").click()
    page.fill("#cq-operator-password input", PASSWORD)
    page.click("#cq-sign-in")
    page.get_by_text("Role: operator").wait_for(timeout=15_000)


def _create_and_upload(page, docs: Path) -> None:
    page.get_by_role("tab", name="Sources").click()
    page.locator("#cq-collections").get_by_text("Collections: create").click()
    page.fill("#cq-collection-name textarea", NAME)
    page.click("#cq-collection-create")
    page.wait_for_function("() => document.querySelector('#cq-collection-status textarea').value.includes('Created')",
                           timeout=20_000)
    page.wait_for_function(f"() => document.querySelector('#cq-sources-info').innerText.includes('{NAME}')", timeout=20_000)
    page.set_input_files("#cq-upload input[type=file]", [str(p) for p in sorted(docs.iterdir())])
    page.wait_for_function("() => (document.querySelector('#cq-sources-status textarea').value.match(/✓/g) || []).length >= 5",
                           timeout=180_000)


def test_a_ticked_document_is_all_a_summary_cites(chromium, served, tmp_path):
    url, work = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    docs = write_newcomer_corpus(tmp_path / "newcomer")
    with chat_page(chromium, url) as page:
        _sign_in(page)
        _create_and_upload(page, docs)
        [folder] = [p for p in (work / "index").glob("c-harbour-files-*") if p.is_dir()]
        assert sorted(p.name for p in (folder / "files").iterdir()) == sorted(p.name for p in docs.iterdir())
        assert sorted(p.name for p in (work / "seeds").iterdir()) == ["000_b943be75029e422a.txt"]  # untouched

        page.locator("#cq-scope label").filter(has_text="Harbour Survey 2030").click()
        page.wait_for_timeout(800)
        assert_drawn(page, "#cq-documents", "harbour_report.pdf")
        page.screenshot(path=str(ARTIFACTS / "collections-sources.png"), full_page=True)

        page.get_by_role("tab", name="Chat").click()
        line = page.locator("#cq-scope-line")
        line.get_by_text("1 ticked").wait_for(timeout=10_000)
        assert NAME in line.inner_text() and "Harbour Survey 2030" in line.inner_text()
        assert page.locator("#cq-collection input").input_value() == NAME
        page.locator("#cq-question textarea").fill("Summarise the document")
        page.locator("#cq-send").click()
        page.wait_for_function("() => { const b = document.querySelectorAll('#cq-chat [data-testid=bot]');"
                               " return b.length && b[b.length - 1].innerText.includes('Sources'); }", timeout=60_000)
        page.wait_for_timeout(600)
        answer = page.locator("#cq-chat [data-testid=bot]").last
        assert "Read only: Harbour Survey 2030" in answer.inner_text()
        hrefs = sorted({link.get_attribute("href") for link in answer.locator("a[href^='#cite-']").all()})
        assert len(hrefs) >= 2, answer.inner_text()
        for href in hrefs:  # every citation opens the survey
            n = href.rsplit("-", 1)[1]
            answer.locator(f"a[href='{href}']").first.click()
            page.wait_for_function(f"() => document.querySelector('#cq-panel .cq-panel[data-n=\"{n}\"]')", timeout=10_000)
            assert page.locator("#cq-panel .cq-panel").get_attribute("data-source") == "uploads/harbour_report.pdf"
        assert_drawn(page, "#cq-chat", "Read only: Harbour Survey 2030")
        assert_drawn(page, "#cq-scope-line", NAME)
        page.screenshot(path=str(ARTIFACTS / "collections-answer.png"))
