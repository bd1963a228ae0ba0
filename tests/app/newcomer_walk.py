"""Issue 16's newcomer, replayed in Chromium and printed: an operator signs in, uploads the five small
documents beside the seed article (the default collection), asks about the harbour survey, and runs the
bundled regression set on the Regression tab. Prints where the uploads landed, each answer with the
documents its citations open, and the set's verdict; screenshots go to artifacts/ui/walk-*.png.
A script to read (`python tests/app/newcomer_walk.py`), not a test: test_browser_collections.py and
test_uploads_land_in_the_collection.py pin the same behaviour."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from app_support import ARTIFACTS, CHROMIUM_ARGS, chat_page, served_app  # noqa: E402
from newcomer import write_newcomer_corpus  # noqa: E402

PASSWORD = "walk-operator-pw"
QUESTIONS = ["What are the main points of the Harbour Survey 2030?", "tell me about the harbour survey",
             "summarise the harbour report", 'What does "Harbour Survey 2030" say?']


def sign_in_and_upload(page, docs: Path) -> None:
    page.get_by_role("tab", name="Settings").click()
    page.fill("#cq-operator-password input", PASSWORD)
    page.click("#cq-sign-in")
    page.get_by_text("Role: operator").wait_for(timeout=15_000)
    page.get_by_role("tab", name="Sources").click()
    page.set_input_files("#cq-upload input[type=file]", [str(p) for p in sorted(docs.iterdir())])
    try:
        page.wait_for_function("() => (document.querySelector('#cq-sources-status textarea').value.match(/^[✓=]/gm) || [])"
                               ".length >= 5", timeout=240_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "walk-sources.png"), full_page=True)
    print("Sources status:", page.locator("#cq-sources-status textarea").input_value().replace("\n", " | "))


def ask(page, question: str, shot: str) -> None:
    page.get_by_role("tab", name="Chat").click()
    bots = page.locator("#cq-chat [data-testid=bot]").count()
    page.locator("#cq-question textarea").fill(question)
    page.locator("#cq-send").click()
    page.wait_for_function(f"() => {{ const b = document.querySelectorAll('#cq-chat [data-testid=bot]');"
                           f" return b.length > {bots} && /Sources|do not say|several documents/.test(b[b.length - 1].innerText); }}",
                           timeout=120_000)
    page.wait_for_timeout(600)
    answer = page.locator("#cq-chat [data-testid=bot]").last
    opened = set()
    for href in sorted({a.get_attribute("href") for a in answer.locator("a[href^='#cite-']").all()}):
        n = href.rsplit("-", 1)[1]
        answer.locator(f"a[href='{href}']").first.click()
        page.wait_for_function(f"() => document.querySelector('#cq-panel .cq-panel[data-n=\"{n}\"]')", timeout=10_000)
        opened.add(page.locator("#cq-panel .cq-panel").get_attribute("data-source"))
    text = " ".join(answer.inner_text().split())
    print(f"\nQ: {question}\nA: {text[:400]}{'…' if len(text) > 400 else ''}\n   citations open: {sorted(opened)}")
    page.screenshot(path=str(ARTIFACTS / f"walk-{shot}.png"))


def run_bundled_set(page) -> None:
    page.get_by_role("tab", name="Regression").click()
    page.wait_for_timeout(500)
    page.click("#cq-run")
    page.wait_for_function("() => /passed, \\d+ failed/.test(document.querySelector('#cq-regression-summary').innerText)",
                           timeout=900_000)
    summary = page.locator("#cq-regression-summary").inner_text().strip()
    print("\nRegression tab, bundled set:", summary)
    page.screenshot(path=str(ARTIFACTS / "walk-regression.png"), full_page=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="citeqa-walk-") as tmp:
        work = Path(tmp)
        docs = write_newcomer_corpus(work / "newcomer")
        with served_app(work / "app", env={"CITEQA_OPERATOR_PASSWORD": PASSWORD}) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
            with chat_page(browser, url) as page:
                sign_in_and_upload(page, docs)
                landed = sorted(str(f.relative_to(work / "app")) for f in (work / "app" / "index").rglob("*")
                                if f.is_file() and f.name in {d.name for d in docs.iterdir()})
                print("uploads landed in:", landed)
                print("seeds/ holds:", sorted(f.name for f in (work / "app" / "seeds").iterdir()))
                for i, question in enumerate(QUESTIONS, 1):
                    ask(page, question, f"q{i}")
                run_bundled_set(page)
            browser.close()


if __name__ == "__main__":
    main()
