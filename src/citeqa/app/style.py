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
.cq-meta { color: var(--body-text-color-subdued); font-size: 12px; font-family: var(--font-mono); word-break: break-all; }
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
/* At least 760 px wide: 10 pt text shows at about 13 px, readable at 1280x800 (the view scrolls sideways). */
.cq-page { position: relative; width: 100%; min-width: 760px; background: #fff; }
.cq-page img { display: block; width: 100%; height: 100%; user-select: none; }
.cq-box { position: absolute; background: rgba(250, 204, 21, .38); outline: 2px solid rgba(234, 179, 8, .9);
  border-radius: 2px; mix-blend-mode: multiply; pointer-events: none; }
.cq-pagenav { display: flex; gap: 12px; align-items: center; margin: 4px 0 6px; font-size: 13px; }
.cq-pagenav a { color: var(--color-accent); font-weight: 600; text-decoration: none; }
.cq-pageno { color: var(--body-text-color-subdued); }
.cq-label { margin: 8px 0 2px; font-size: 12px; font-weight: 600; color: var(--body-text-color-subdued); }
.cq-doc.cq-asread { max-height: 170px; }
#cq-examples { margin-top: 4px; }
/* Tables are read, not edited: full-contrast text, also while another event is pending. Only the
   block itself is kept opaque: forcing opacity on its descendants also showed the table's invisible
   drop-zone overlay, an opaque sheet that hid every row. */
#cq-documents, #cq-regression { opacity: 1 !important; }
#cq-documents td, #cq-regression td, #cq-documents td *, #cq-regression td * { color: var(--body-text-color) !important; }
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
const scrollInto = (box, hit) => {
  const b = box.getBoundingClientRect(), h = hit.getBoundingClientRect();
  box.scrollTop = Math.max(0, box.scrollTop + h.top - b.top - box.clientHeight / 3);
  if (box.scrollWidth > box.clientWidth) box.scrollLeft = Math.max(0, box.scrollLeft + h.left - b.left - 12);
};
const scrollToHit = (tries) => {
  const doc = element.querySelector('#cq-doc');
  const hit = element.querySelector('#cq-hit');
  if (!doc || !hit) { if (tries > 0) setTimeout(() => scrollToHit(tries - 1), 50); return; }
  scrollInto(doc, hit);
  const text = element.querySelector('#cq-text');
  const textHit = element.querySelector('#cq-hit-text');
  if (text && textHit) scrollInto(text, textHit);
  const panel = element.querySelector('.cq-panel');
  if (panel && panel.getBoundingClientRect().top < 0) panel.scrollIntoView({block: 'start'});
};
watch('value', () => scrollToHit(10));
"""
