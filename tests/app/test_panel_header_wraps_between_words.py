"""The citation panel's header (title, file, section, characters) wraps between words and fields, never
inside a word, and stays inside the panel: Chromium at 1280x800 opens a Word citation whose header needs
two lines ("§ Harbour Survey › Results › Table 1 · chars 163–182") and, for each word of the header,
counts the lines its glyphs are drawn on, in the panel as laid out and in the panel narrowed step by step. A screenshot goes to artifacts/ui/.
"""

from app_support import ARTIFACTS, chromium  # noqa: F401  (a fixture)
from test_browser import ask_once
from test_pdf_citation_browser import page, pdf_app  # noqa: F401  (fixtures)

# Every word (a run of non-spaces in one text node) of the header, with the number of distinct lines its
# rectangles lie on; and the header's and the panel's right edges.
WORDS = """() => {
  const head = document.querySelector('#cq-panel .cq-head');
  const walker = document.createTreeWalker(head, NodeFilter.SHOW_TEXT);
  const words = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      words.push({word: m[0], lines: tops.size});
    }
  }
  const meta = head.querySelector('.cq-meta').getBoundingClientRect();
  const lines = new Set([...head.querySelectorAll('.cq-meta *')].flatMap(e => [...e.getClientRects()])
    .map(r => Math.round(r.top)));
  return {words, metaRight: meta.right, headRight: head.getBoundingClientRect().right,
          panelRight: document.querySelector('#cq-panel').getBoundingClientRect().right,
          scrollWidth: head.scrollWidth, clientWidth: head.clientWidth, metaLines: lines.size};
}"""


def test_header_wraps_only_between_words(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    answer = ask_once(page, "How many fishing boats were counted?", "412")
    answer.locator('a[href^="#cite-"]').first.click()
    page.locator("#cq-panel mark#cq-hit").wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    page.locator("#cq-panel .cq-head").screenshot(path=str(ARTIFACTS / "panel-header-docx.png"))
    page.screenshot(path=str(ARTIFACTS / "panel-header-docx-page.png"))
    # Where a line ends depends on the panel's width, which depends on the window and the sidebar: look
    # at this layout's panel, then at the panel narrowed step by step (each step is about one letter).
    wrapped = 0
    for width in [None, *range(520, 299, -3)]:
        if width is not None:
            page.evaluate("(w) => { document.querySelector('#cq-panel').style.width = w + 'px'; }", width)
        g = page.evaluate(WORDS)
        assert {w["word"] for w in g["words"]} >= {"seeds/survey.docx", "Survey", "Results", "chars", "163–182"}, g
        broken = [w["word"] for w in g["words"] if w["lines"] != 1]
        assert not broken, f"panel {width or 'as laid out'} px wide: words drawn across a line break: {broken}"
        assert g["metaRight"] <= g["panelRight"] + 0.5 and g["scrollWidth"] <= g["clientWidth"] + 1, (width, g)
        wrapped += g["metaLines"] >= 2
    assert wrapped, "the header never wrapped: the check had no line break to look at"
