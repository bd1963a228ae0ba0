"""Stop ends a question set run on the Regression tab early (issue 18.8), in Chromium: pressed while the
progress line counts, the run ends before its last question, the line says it was stopped and after how
many, the table holds the questions that ran, nothing more arrives, and the server falls idle (it asks
no further question). Screenshots go to artifacts/ui/."""

import re

import pytest
from regression_support import open_with_set, progress_seen, server_cpu, write_set

from app_support import ARTIFACTS, chat_page, chromium, seed_app  # noqa: F401  (chromium is a fixture)

TOTAL = 150


@pytest.fixture(scope="module")
def served(seed_app):
    return seed_app


def test_stop_ends_the_run_early(chromium, served, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chat_page(chromium, served) as page:
        open_with_set(page, write_set(tmp_path / "long.yaml", passing=TOTAL))
        page.locator("#cq-run").click()
        page.wait_for_function("() => (window.__progress || []).some(l => /^[1-9]\\d*\\//.test(l))", timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "regression-progress.png"))
        page.locator("#cq-regression-stop").click()
        page.wait_for_function("() => /stopped after \\d+ of/i.test(document.body.innerText)", timeout=30_000)
        stopped = int(re.search(r"stopped after (\d+) of (\d+)", page.locator("body").inner_text(), re.I).group(1))
        assert 0 < stopped < TOTAL, stopped
        assert progress_seen(page)[-1][0] <= stopped
        before = server_cpu(served)
        page.wait_for_timeout(3000)  # nothing more arrives: no later progress, no complete report
        idle = (server_cpu(served) - before) / 3  # and the server asks nothing more (~0.7 while a run goes on)
        assert idle < 0.25, f"the server still works after Stop: {idle:.2f} CPU-s per s"
        text = page.locator("body").inner_text()
        assert f"stopped after {stopped} of {TOTAL}" in text.lower() and f"of {TOTAL}." not in text
        assert "Error" not in text  # a run stopped on purpose is not shown as failed
        assert page.locator("#cq-regression [role=row]").count() == 1 + stopped  # the header, the questions that ran
        page.screenshot(path=str(ARTIFACTS / "regression-stopped.png"))
