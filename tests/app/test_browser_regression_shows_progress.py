"""A question set run on the Regression tab shows its progress as each question finishes (issue 18.8),
in Chromium: "n/N · p passed · f failed" and the last question's verdict, counts that grow before the
report; then the report as before. Stop is live only while the run goes on. Screenshots go to
artifacts/ui/."""

import pytest
from regression_support import open_with_set, progress_seen, write_set

from app_support import ARTIFACTS, chat_page, chromium, seed_app  # noqa: F401  (chromium is a fixture)


@pytest.fixture(scope="module")
def served(seed_app):
    return seed_app


def test_each_question_shows_in_the_progress_line(chromium, served, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = write_set(tmp_path / "six.yaml", passing=5, failing=1)
    with chat_page(chromium, served) as page:
        open_with_set(page, path)
        assert page.locator("#cq-regression-stop").is_disabled()  # nothing to stop yet
        page.locator("#cq-run").click()
        page.wait_for_function("() => /5 passed, 1 failed of 6/.test(document.body.innerText)", timeout=120_000)
        seen = progress_seen(page)
        # At least one state between the start and the end, with its count, before the report.
        assert any(0 < done < 6 and total == 6 and passed + failed == done for done, total, passed, failed in seen), seen
        assert [s[0] for s in seen] == sorted(s[0] for s in seen), seen  # the count only grows
        assert page.locator("#cq-regression [role=row]").count() == 1 + 6  # the header, a row per question
        page.wait_for_function("() => document.querySelector('#cq-regression-stop').disabled", timeout=10_000)
        page.wait_for_timeout(1000)
        assert page.locator("#cq-regression-stop").is_disabled()  # and stays so: the run is over
        page.screenshot(path=str(ARTIFACTS / "regression-report.png"))
