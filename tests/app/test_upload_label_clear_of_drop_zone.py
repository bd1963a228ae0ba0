"""The label of an upload box (Sources: add documents, signed in as operator; Regression: a question set)
never lies over its drop zone's icon or its "Drop File Here" text, at 1280×800 and at 900 px wide:
the label's box meets neither, and the icon lies whole inside the box. (Gradio's label takes no pointer
events, so what lies over the icon is found by geometry, not by elementFromPoint.)"""

import pytest

from app_support import ARTIFACTS, chat_page, chromium, served_app  # noqa: F401 (chromium is a fixture)

PASSWORD = "upload-label-operator-pw"
# Where each drop zone is, and which tab shows it.
ZONES = {"sources": ("Sources", "#cq-upload"), "regression": ("Regression", "#cq-set-upload")}
GEOMETRY = """(zone) => {
  const root = document.querySelector(zone);
  const rect = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                         return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const icon = root.querySelector('[data-testid=upload-icon]');
  const text = root.querySelector('[data-testid=upload-text]');
  return {zone: rect(root), label: rect(root.querySelector('label[data-testid=block-label]')), icon: rect(icon), text: rect(text),
          words: text ? text.innerText : ''};
}"""


def _meet(a, b) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("ui-upload-label"), env={"CITEQA_OPERATOR_PASSWORD": PASSWORD}) as url:
        yield url


@pytest.mark.parametrize("width", [1280, 900])
def test_upload_labels_leave_the_drop_zone_clear(chromium, app_url, width):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chat_page(chromium, app_url) as page:
        page.set_viewport_size({"width": width, "height": 800})
        page.get_by_role("tab", name="Settings").click()
        page.fill("#cq-operator-password input", PASSWORD)
        page.click("#cq-sign-in")
        page.get_by_text("Role: operator").wait_for(timeout=15_000)
        for name, (tab, zone) in ZONES.items():
            page.get_by_role("tab", name=tab).click()
            page.locator(f"{zone} [data-testid=upload-icon]").wait_for(timeout=10_000)
            page.locator(zone).scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / f"upload-label-{name}-{width}.png"))
            g = page.evaluate(GEOMETRY, zone)
            assert g["label"] and g["icon"] and g["text"], g
            assert "Drop File Here" in g["words"], g
            assert not _meet(g["label"], g["icon"]), f"{name} at {width}px: the label lies over the upload icon: {g}"
            zone_box, icon = g["zone"], g["icon"]  # the icon whole inside the box (which clips what overflows)
            assert zone_box["y"] <= icon["y"] and icon["y"] + icon["h"] <= zone_box["y"] + zone_box["h"], g
            # The box of the words "Drop File Here" themselves (the text element spans the whole zone).
            drop = page.evaluate("""(zone) => { const t = document.querySelector(zone + ' [data-testid=upload-text]');
                const walker = document.createTreeWalker(t, NodeFilter.SHOW_TEXT);
                let n; while ((n = walker.nextNode())) if (n.textContent.includes('Drop File Here')) {
                  const r = document.createRange(); r.selectNodeContents(n); const b = r.getBoundingClientRect();
                  return {x: b.x, y: b.y, w: b.width, h: b.height}; } return null; }""", zone)
            assert drop and not _meet(g["label"], drop), f"{name} at {width}px: the label lies over 'Drop File Here': {g} {drop}"
