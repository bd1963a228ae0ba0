"""The export (the Markdown download and the copy box of "Export conversation") holds what the chat
showed for each turn: the short answer in bold above the sentence that answers, the "Read only" line of
a narrowed question, the sources with document, lines or page and quote, the "not supported" mark, and
a refusal in the chat's words. First on the pure export, then as a person sees it in Chromium."""

import html
import re

import pytest

from app_support import ARTIFACTS, QUESTION, chat_page, chromium, seed_app  # noqa: F401 (chromium is a fixture)
from citeqa.app.conversation import conversation_markdown, record_turn
from citeqa.app.rendering import format_answer_markdown

SENTENCE = "Earlier in 2025, Thailand signed the convention in Hanoi, underscoring its commitment. [1]"
SCOPE = {"sources": ["docs/a.txt", "docs/report.pdf"], "titles": ["A", "Report"], "why": "ticked"}


def _cite(n, **kw):
    c = {"n": n, "source": "docs/a.txt", "title": "A", "start": 0, "end": 10, "line_start": 7, "line_end": 7,
         "quote": "Earlier in 2025, Thailand signed the convention in Hanoi.", "score": 0.5, "supported": True}
    return c | kw


ANSWERED = {"answer": SENTENCE, "refused": False, "scope": SCOPE,
            "short_answer": {"text": "Hanoi", "start": 51, "end": 56, "citation": 1},
            "citations": [_cite(1), _cite(2, source="docs/report.pdf", page=3, quote="Signed in <Hanoi> & Bangkok.",
                                          supported=False)]}
REFUSED = {"answer": "The documents do not say who chairs it.", "refused": True, "citations": [], "scope": SCOPE}


def _plain(markdown: str) -> str:
    """Markdown as a reader takes it in: entities decoded, backslash escapes and bold marks dropped."""
    return re.sub(r"\\(.)", r"\1", html.unescape(markdown)).replace("**", "").replace("*", "")


def _turns():
    conv = record_turn(None, "In which city did Thailand sign it?", ANSWERED, None)
    return record_turn(conv, "Who chairs it?", REFUSED, None)


def test_export_holds_the_short_answer_sentence_and_sources_as_shown():
    md = conversation_markdown(_turns())
    answered, refused = md.split("## 2. ")
    # The bold short answer the chat shows first, on its own line above the sentence.
    assert "\n**Hanoi**\n" in answered, answered
    assert answered.index("**Hanoi**") < answered.index("Earlier in 2025")
    assert "Earlier in 2025, Thailand signed the convention in Hanoi, underscoring its commitment. [1]" in _plain(answered)
    # Every line of what the chat showed for the turn is in the export, in the reader's eyes.
    shown = _plain(format_answer_markdown(ANSWERED))
    for line in ("Read only: A (docs/a.txt), Report (docs/report.pdf)", "Hanoi", "Sources",
                 "not supported: this passage does not back the sentence that cites it"):
        assert line in shown and line in _plain(answered), line
    assert "[1] docs/a.txt, line 7" in answered and "[2] docs/report.pdf p.3" in answered
    assert "> Earlier in 2025, Thailand signed the convention in Hanoi." in answered
    assert "> Signed in &lt;Hanoi&gt; &amp; Bangkok." in answered  # inert: no tag can form
    # A refusal in the chat's words, with what it read.
    assert "⊘ **No answer from the documents.** The documents do not say who chairs it." in refused
    assert "Read only: A (docs/a.txt), Report (docs/report.pdf)" in _plain(refused)


@pytest.fixture(scope="module")
def app_url(seed_app):
    return seed_app


def test_export_in_the_browser_holds_the_bold_short_answer(chromium, app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chat_page(chromium, app_url) as page:
        page.fill("#cq-question textarea", QUESTION)
        page.keyboard.press("Enter")
        page.wait_for_function("""() => { const b = document.querySelectorAll('#cq-chat [data-testid=bot]');
            return b.length && b[b.length - 1].innerText.includes('Sources'); }""", timeout=30_000)
        bot = page.locator("#cq-chat [data-testid=bot]").last
        bold = bot.locator("strong").first.inner_text().strip()  # what the chat shows in bold first
        assert bold == "Hanoi", bold
        page.get_by_text("Export conversation (Markdown)").click()
        box = page.locator("#cq-export textarea")
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "export-box.png"))
        exported = box.input_value()
        assert f"\n**{bold}**\n" in exported, exported
        assert "[1] seeds/000_b943be75029e422a.txt, line 7" in exported and "> Earlier in 2025" in exported
        with page.expect_download() as got:
            page.click("#cq-download")
        downloaded = open(got.value.path(), encoding="utf-8").read()
        assert downloaded == exported
