"""The page's CSS, and the script the citation panel installs (a click on [n] opens the passage)."""

CSS = """
#cq-header h2 { margin: 0; }
#cq-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); }
#cq-chat .message a[href^="#cite-"] { color: var(--color-accent); font-weight: 600; text-decoration: none;
  border-bottom: 1px dotted currentColor; cursor: pointer; }
#cq-chat .message a[href^="#cite-"]:hover { background: rgba(250, 204, 21, .25); }
.cq-panel { font-size: 14px; line-height: 1.5; }
.cq-empty { color: var(--body-text-color-subdued); padding: 40px 16px; text-align: center;
  border: 1px dashed var(--border-color-primary); border-radius: 8px; }
.cq-head { display: flex; gap: 10px; align-items: flex-start; margin-bottom: 8px; }
.cq-badge { background: #f59e0b; color: #111; font-weight: 700; border-radius: 6px; padding: 2px 8px; }
.cq-title { font-weight: 600; font-size: 15px; }
.cq-meta { color: var(--body-text-color-subdued); font-size: 12px; font-family: var(--font-mono); }
.cq-file { font-weight: 600; color: var(--body-text-color); }
.cq-quote { margin: 6px 0 10px; padding: 6px 10px; border-left: 3px solid #f59e0b; font-size: 13px;
  background: var(--background-fill-secondary); border-radius: 0 6px 6px 0; }
.cq-warn { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: 6px 10px; border-radius: 6px; margin: 6px 0; }
.cq-note { color: var(--body-text-color-subdued); font-size: 12px; margin: 4px 0; }
.cq-doc { position: relative; max-height: 520px; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; padding: 6px 0; background: var(--background-fill-primary); }
.cq-line { display: flex; }
.cq-ln { flex: 0 0 2.6em; text-align: right; padding-right: .7em; color: var(--body-text-color-subdued);
  font-family: var(--font-mono); font-size: 12px; user-select: none; }
.cq-tx { flex: 1; white-space: pre-wrap; overflow-wrap: anywhere; padding-right: 10px; }
.cq-cited { background: rgba(245, 158, 11, .08); box-shadow: inset 3px 0 0 #f59e0b; }
mark.cq-hit { background: #fde047; color: #111; border-radius: 2px; box-shadow: 0 0 0 2px #facc15; }
.cq-h .cq-tx { font-weight: 700; font-size: 15px; }
.cq-doc.cq-pdf { max-height: 430px; padding: 0; background: #e5e7eb; overflow-x: auto; }
/* The panel's width by default (Fit); the zoom buttons set a width in px (the view then scrolls sideways). */
.cq-page { position: relative; width: 100%; background: #fff; }
.cq-page img { display: block; width: 100%; height: 100%; user-select: none; }
.cq-box { position: absolute; background: rgba(250, 204, 21, .38); outline: 2px solid rgba(234, 179, 8, .9);
  border-radius: 2px; mix-blend-mode: multiply; pointer-events: none; }
.cq-pagenav { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; margin: 4px 0 6px; font-size: 13px; }
.cq-pagenav a { color: var(--color-accent); font-weight: 600; text-decoration: none; }
.cq-pageno { color: var(--body-text-color-subdued); }
.cq-label { margin: 8px 0 2px; font-size: 12px; font-weight: 600; color: var(--body-text-color-subdued); }
.cq-doc.cq-asread { max-height: 170px; }
/* -- The citation panel's header and PDF controls (panel.py, pdfview.py) ----------------------------
   The header wraps between fields and between words, never inside one: each field is an inline block
   that moves to the next line whole; one wider than the panel wraps at its spaces, and only a single
   word wider than the panel (a very long file name) is broken. */
.cq-headtext { min-width: 0; }
.cq-meta, .cq-title { overflow-wrap: normal; word-break: normal; }
.cq-field { display: inline-block; max-width: 100%; overflow-wrap: anywhere; }
.cq-zoom { display: inline-flex; margin-left: auto; }
#cq-panel .cq-zoom button, #cq-panel .cq-jump { margin: 0; font-size: 12px; padding: 1px 7px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); }
#cq-panel .cq-zoom button + button { margin-left: -1px; }
.cq-zoom button:first-child { border-radius: 6px 0 0 6px; }
.cq-zoom button:last-child { border-radius: 0 6px 6px 0; }
.cq-zoom button[aria-pressed=true] { position: relative; font-weight: 600;
  background: var(--color-accent-soft); border-color: var(--color-accent); }
.cq-jump { border-radius: 6px; }
#cq-panel .cq-label .cq-jump { margin-left: 8px; font-weight: 400; }
#cq-examples { margin-top: 4px; }
/* -- Upload boxes (Sources: add documents; Regression: a question set) -----------------------------
   Gradio floats a File's label over the top of its drop zone: a label of two or three lines covered
   the upload icon. Here it takes its own lines above the zone, which keeps its full height. */
#cq-upload label[data-testid="block-label"], #cq-set-upload label[data-testid="block-label"] { position: static; }
/* A visitor's stand-in for the Sources upload zone (sources_tab.locked_drop): plainly disabled, greyed
   with a not-allowed cursor, the reason in its middle; there is no file input under it to open a dialog. */
.cq-locked-drop { display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 6px;
  min-height: 140px; padding: 14px 18px; box-sizing: border-box; text-align: center; cursor: not-allowed; user-select: none;
  border: 1px dashed var(--border-color-primary); border-radius: var(--block-radius);
  background: var(--background-fill-secondary); color: var(--body-text-color-subdued); }
.cq-locked-drop strong { color: var(--body-text-color-subdued); font-weight: 600; }
.cq-locked-drop span { color: var(--body-text-color); max-width: 34em; }
/* Tables are read, not edited: full-contrast text, also while another event is pending. Only the
   block itself is kept opaque: forcing opacity on its descendants also showed the table's invisible
   drop-zone overlay, an opaque sheet that hid every row. */
#cq-documents, #cq-regression { opacity: 1 !important; }
#cq-documents td, #cq-regression td, #cq-documents td *, #cq-regression td * { color: var(--body-text-color) !important; }
/* -- Your conversations: the sidebar left of the chat (history_panel.py) ----------------------------
   Two lines at most per conversation, newest first, the whole line a click target (the radio dot hidden but
   kept for the keyboard); the list scrolls on its own so 200 conversations do not stretch the page. */
#cq-history-list .wrap { flex-direction: column; flex-wrap: nowrap; gap: 2px; max-height: 440px; overflow-y: auto; }
#cq-history-list label { width: 100%; box-sizing: border-box; margin: 0; padding: 6px 8px; border-radius: 6px;
  cursor: pointer; background: transparent; border: 1px solid transparent; box-shadow: none; }
#cq-history-list label span { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2;
  overflow: hidden; overflow-wrap: anywhere; margin: 0; font-size: 13px; line-height: 1.35; }
#cq-history-list label:hover { background: var(--background-fill-secondary); }
#cq-history-list label.selected { background: var(--color-accent-soft); border-color: var(--color-accent); }
#cq-history-list input[type=radio] { position: absolute; opacity: 0; width: 1px; height: 1px; pointer-events: none; }
#cq-history-status p { font-size: 12px; color: var(--body-text-color-subdued); margin: 0; }
"""

# Installed once by the document panel: a click on a #cite-T-N link (an [n] in an answer, or a source
# list entry) becomes the panel's `cite` event; after each new panel value, scroll to the marked span.
PANEL_JS = """
if (!window.__citeqaClicks) {
  window.__citeqaClicks = true;
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href^="#cite-"]');
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    trigger('cite', {id: a.getAttribute('href').slice(1)});
  }, true);
}
// Scroll `box` so the union of the hits' rectangles shows: a third of the way down (centred sideways)
// when it fits, else from its top left corner. The browser clamps what it cannot scroll.
const reveal = (box, hits) => {
  const rects = hits.flatMap((h) => [...h.getClientRects()]);
  if (!rects.length) return;
  const b = box.getBoundingClientRect();
  const top = Math.min(...rects.map((r) => r.top)), bottom = Math.max(...rects.map((r) => r.bottom));
  const left = Math.min(...rects.map((r) => r.left)), right = Math.max(...rects.map((r) => r.right));
  const roomY = box.clientHeight - (bottom - top), roomX = box.clientWidth - (right - left);
  box.scrollTop += top - b.top - box.clientTop - (roomY > 0 ? Math.min(box.clientHeight / 3, roomY / 2) : 8);
  box.scrollLeft += left - b.left - box.clientLeft - (roomX > 0 ? roomX / 2 : 12);
};
// A PDF page's zoom: 'fit' (the panel's width, the default) or a factor of its printed size (1 pt =
// 4/3 px). Set by the panel's buttons in the browser, no round trip; kept for this page's session, so
// the next page or citation opens at the zoom chosen.
const applyZoom = () => {
  const zoom = window.__citeqaZoom || 'fit', page = element.querySelector('.cq-page');
  if (page) page.style.width = zoom === 'fit' ? '' : `${parseFloat(page.dataset.w) * 4 / 3 * parseFloat(zoom)}px`;
  for (const z of element.querySelectorAll('.cq-zoom button')) z.setAttribute('aria-pressed', String(z.dataset.zoom === zoom));
};
const litOnPage = (doc) => [...doc.querySelectorAll('.cq-box, mark.cq-hit')];
const scrollToHit = (tries) => {
  const doc = element.querySelector('#cq-doc');
  const hit = element.querySelector('#cq-hit');
  if (doc) {
    applyZoom();
    if (!hit) { doc.scrollTop = 0; doc.scrollLeft = 0; }  // nothing lit here: open at the top left
  }
  if (!doc || !hit) { if (tries > 0) setTimeout(() => scrollToHit(tries - 1), 50); return; }
  reveal(doc, litOnPage(doc));
  const text = element.querySelector('#cq-text');
  if (text) reveal(text, [...text.querySelectorAll('mark.cq-hit')]);
  const panel = element.querySelector('.cq-panel');
  if (panel && panel.getBoundingClientRect().top < 0) panel.scrollIntoView({block: 'start'});
};
if (!element.__citeqaControls) {
  element.__citeqaControls = true;
  element.addEventListener('click', (e) => {
    const zoom = e.target.closest && e.target.closest('.cq-zoom button');
    const jump = e.target.closest && e.target.closest('button.cq-jump');
    if (zoom) {
      window.__citeqaZoom = zoom.dataset.zoom;
      applyZoom();
      const doc = element.querySelector('#cq-doc');
      if (doc) reveal(doc, litOnPage(doc));
    } else if (jump) {  // down to the text as read (mid-window, its label in view), or back up to the page
      const down = jump.dataset.jump === 'cq-text';
      const target = element.querySelector(down ? '#cq-text' : '.cq-panel');
      if (!target) return;
      target.scrollIntoView({block: down ? 'center' : 'start'});
      if (down) target.focus({preventScroll: true});
    }
  });
}
watch('value', () => scrollToHit(10));
"""
