"""Checks that text is really drawn on the page, not only present in the DOM: two tables once rendered
blank (an opaque overlay covered them) while every DOM assertion passed.

`assert_drawn(page, scope, text)` finds the element inside `scope` that shows `text` and checks, as a
person looking at the screen would: it has a size, nothing covers it (the element at its centre is it),
it is not faded, its colour (blended by the opacity of it and its ancestors) stands out from the background behind
it (contrast ratio), and its pixels in a screenshot hold ink, unlike an empty region of the page.
"""

from __future__ import annotations

import io

FIND = """([scope, text]) => {
  const root = document.querySelector(scope);
  if (!root) return {error: 'no element ' + scope};
  let best = null;
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.sizing-body') || !(el.innerText || '').includes(text)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) best = el;  // document order: the last match is the deepest
  }
  if (!best) return {error: 'no element with a size shows ' + JSON.stringify(text)};
  best.scrollIntoView({block: 'center'});
  const r = best.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + Math.min(r.width / 2, 20), r.y + r.height / 2);
  let opacity = 1, el = best, bg = null;
  while (el) {
    const cs = getComputedStyle(el);
    opacity *= parseFloat(cs.opacity);
    if (cs.visibility !== 'visible') opacity = 0;
    if (!bg && cs.backgroundColor && !/rgba\\(.*, 0\\)$/.test(cs.backgroundColor) && cs.backgroundColor !== 'transparent') bg = cs.backgroundColor;
    el = el.parentElement;
  }
  return {rect: [r.x, r.y, r.width, r.height], covered: !(top && (best.contains(top) || top.contains(best))),
          coveredBy: top ? top.tagName + '.' + top.className : null, opacity, color: getComputedStyle(best).color,
          background: bg || 'rgb(255, 255, 255)'};
}"""


def _rgb(css: str) -> tuple[float, float, float]:
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    return tuple(float(p) for p in parts[:3])


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink(page, rect) -> float:
    """Share of pixels in the region that differ clearly from its most common colour."""
    from PIL import Image

    x, y, w, h = rect
    png = page.screenshot(clip={"x": x, "y": y, "width": max(w, 1), "height": max(h, 1)})
    img = Image.open(io.BytesIO(png)).convert("L")
    pixels = list(img.tobytes())
    common = max(set(pixels), key=pixels.count)
    return sum(abs(p - common) > 60 for p in pixels) / len(pixels)


def assert_drawn(page, scope: str, text: str, empty_region=(0, 0, 20, 20), settle_s: float = 4.0) -> None:
    """The text is on screen, readable and painted. A table that is still being re-rendered (a streamed
    run replaces its rows) gets up to settle_s to paint; one that stays blank still fails."""
    import time

    deadline = time.monotonic() + settle_s
    while True:
        try:
            return _assert_drawn_once(page, scope, text, empty_region)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(300)


def _assert_drawn_once(page, scope: str, text: str, empty_region) -> None:
    found = page.evaluate(FIND, [scope, text])
    assert "error" not in found, found.get("error")
    assert not found["covered"], f"{text!r} in {scope} is covered by {found['coveredBy']}"
    assert found["opacity"] >= 0.5, f"{text!r} in {scope} is faded (opacity {found['opacity']:.2f})"
    # The colour as seen: blended with the background by the opacity of the text and its ancestors.
    fg, bg, a = _rgb(found["color"]), _rgb(found["background"]), found["opacity"]
    seen = "rgb(" + ", ".join(str(a * f + (1 - a) * b) for f, b in zip(fg, bg)) + ")"
    ratio = contrast(seen, found["background"])
    assert ratio >= 3, f"{text!r} in {scope}: {seen} on {found['background']} has contrast {ratio:.1f} < 3"
    drawn, empty = ink(page, found["rect"]), ink(page, empty_region)
    assert drawn >= 0.01 and drawn > empty + 0.01, f"{text!r} in {scope}: no ink on screen ({drawn:.3f} vs empty {empty:.3f})"
