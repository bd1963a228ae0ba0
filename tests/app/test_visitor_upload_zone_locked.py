"""A visitor (not signed in as operator) sees no upload zone that looks active on the Sources tab: in its
place, greyed with a not-allowed cursor, the reason (only an operator can add documents, and where to
sign in); clicking it opens no file dialog. Signed in as operator, the drop zone is back. (The server
refuses a visitor's upload anyway: test_visitor_upload_refused.py.)"""

import pytest

from app_support import ARTIFACTS, chat_page, chromium, served_app  # noqa: F401 (chromium is a fixture)
from ui_checks import assert_drawn

PASSWORD = "locked-zone-operator-pw"
REASON = "Only an operator can add documents — sign in on the Settings tab"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("ui-upload-locked"), env={"CITEQA_OPERATOR_PASSWORD": PASSWORD}) as url:
        yield url


def test_visitor_sees_the_upload_locked_with_the_reason(chromium, app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chat_page(chromium, app_url) as page:
        page.get_by_role("tab", name="Sources").click()
        page.locator("#cq-remove-choice").wait_for()
        page.wait_for_timeout(500)
        locked = page.locator("#cq-upload-locked")
        locked.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "upload-locked-visitor.png"))
        # No drop zone that looks active: no file input, no "Drop File Here" anywhere on the tab.
        assert page.locator("#cq-upload input[type=file]").count() == 0
        assert not page.get_by_text("Drop File Here").is_visible()
        # The reason on the spot, drawn and readable, beside the remove controls (the same row).
        assert locked.is_visible(), "no locked upload zone with its reason"
        assert_drawn(page, "#cq-upload-locked", REASON)
        box, remove = locked.bounding_box(), page.locator("#cq-remove-choice").bounding_box()
        assert box["x"] + box["width"] <= remove["x"] and abs(box["y"] - remove["y"]) < 80, (box, remove)
        assert box["height"] >= 80  # the size of the zone it stands for
        cursor = locked.evaluate("el => getComputedStyle(el.querySelector('.cq-locked-drop') || el).cursor")
        assert cursor == "not-allowed", cursor
        # Clicking it opens no file dialog.
        opened = []
        page.on("filechooser", lambda chooser: opened.append(chooser))
        locked.click()
        page.wait_for_timeout(800)
        assert not opened, "a file dialog opened for a visitor"

        # Signed in as operator: the drop zone replaces the note.
        page.get_by_role("tab", name="Settings").click()
        page.fill("#cq-operator-password input", PASSWORD)
        page.click("#cq-sign-in")
        page.get_by_text("Role: operator").wait_for(timeout=15_000)
        page.get_by_role("tab", name="Sources").click()
        page.locator("#cq-upload input[type=file]").wait_for(state="attached", timeout=10_000)
        page.wait_for_timeout(500)
        page.locator("#cq-upload").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "upload-locked-operator.png"))
        assert page.get_by_text("Drop File Here").first.is_visible()
        assert not page.locator("#cq-upload-locked").is_visible()
