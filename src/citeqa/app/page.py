"""citeqa chat front end (Gradio): Chat, Sources, Settings and Regression tabs, and named API endpoints.

    python app.py [--host 127.0.0.1] [--port 7860] [--no-ingest] [--auth user:pass]

Every piece of document text and every question is escaped before it reaches the chat's Markdown
renderer (which also sanitises HTML), and the document panel is built from `html.escape`d text, so a
document holding `<script>` or `<img onerror=...>` is shown as text. The conversation (earlier
questions, shown messages, the answers whose [n] can be clicked) lives in per-session gr.State, never
in a global. Errors a user can act on (citeqa.errors.CiteqaError) become one message; anything else
is logged on the server and the user gets one sentence, never a traceback.

The [n] markers of an answer (and the entries of its source list) are links to `#cite-<turn>-<n>`; a
click listener installed by the document panel turns a click on one into the panel's `cite` event,
which renders that citation's document with the cited span marked and scrolls to it.
"""

# No `from __future__ import annotations`: gr.api derives the endpoint's schema from real type hints.

import argparse
import html
import ipaddress
import json
import logging
import os
import re
import shutil
import string
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import citeqa  # noqa: F401  (sets the offline environment before gradio or a model library imports)
from citeqa.errors import CiteqaError, InputError
from citeqa.ui_views import (
    DOCUMENT_HEADERS,
    MAX_UPLOAD_BYTES,
    citation_panel,
    cite_id,
    conversation_markdown,
    corpus_collection,
    document_rows,
    example_questions,
    find_citation,
    inside,
    panel_placeholder,
    parse_cite_id,
    sanitize_upload_name,
)

log = logging.getLogger("citeqa.ui")

EXIT_ERROR = 1
EXIT_USAGE = 2
MAX_HISTORY = 20  # earlier questions passed on; the answerers use only the last few
SHOWN_QUESTION_CHARS = 500  # a pasted 100,000-character "question" is not echoed in full
UNEXPECTED = "Something went wrong while answering; the details are in the server log."
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STREAM_STEPS = 12  # an answer is shown in this many growing pieces before its sources appear
STREAM_DELAY = 0.025

# -- rendering -------------------------------------------------------------------------------------
# One pass over the text: HTML-special characters become entities, every other ASCII punctuation
# character is backslash-escaped (CommonMark allows this for all of them), so no Markdown construct,
# autolink, HTML tag or entity can form from document text.
_ESCAPES = {c: "\\" + c for c in string.punctuation}
_ESCAPES.update({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def escape_markdown(text: str) -> str:
    """Text made inert for a Markdown+HTML renderer: shows exactly as written, renders nothing."""
    return str(text).translate(_ESCAPE_TABLE)


def _escape_lines(text: str) -> list[str]:
    # Leading spaces would start an indented code block; tabs likewise.
    return [escape_markdown(line.strip()) for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _paragraphs(text: str) -> str:
    return "\n".join(_escape_lines(text)).strip()


def _blockquote(text: str) -> str:
    lines = _escape_lines(text)
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(f"> {line}" if line else ">" for line in lines) or "> "


def _line_span(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}–{b}"


_UNSUPPORTED = " — ⚠️ **not supported:** this passage does not back the sentence that cites it"


def format_citation(c: dict, turn: int | None = None) -> str:
    n = int(c["n"])
    where = f"{escape_markdown(c['source'])}, {_line_span(int(c['line_start']), int(c['line_end']))}"
    if turn is None:
        head = f"**\\[{n}\\]** {where}"
    else:
        link = f"#{cite_id(turn, n)}"
        head = f"**[\\[{n}\\]]({link})** [{where}]({link})"
    if not c.get("supported", True):
        head += _UNSUPPORTED
    return f"{head}\n\n{_blockquote(c['quote'])}"


def _link_markers(escaped: str, citations: list[dict], turn: int) -> str:
    """In escaped answer text, `\\[n\\]` of a real citation becomes a link to it (⚠️ when unsupported)."""
    by_n = {int(c["n"]): c for c in citations}

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        c = by_n.get(n)
        if c is None:
            return m.group(0)
        flag = " ⚠️" if not c.get("supported", True) else ""
        return f"[\\[{n}\\]{flag}](#{cite_id(turn, n)})"

    return re.sub(r"\\\[(\d{1,4})\\\]", sub, escaped)


def format_answer_markdown(result: dict, turn: int | None = None) -> str:
    """The assistant's chat message for one `Assistant.ask` result: the answer, then its citations.
    With `turn` (the answer's index in the conversation) every [n] is a link that opens the passage."""
    if result.get("error"):
        return f"⚠️ **Error:** {_paragraphs(result['error'])}"
    if result.get("refused"):
        return f"🚫 **No answer from the documents.** {_paragraphs(result['answer'])}"
    citations = result.get("citations") or []
    answer = _paragraphs(result["answer"])
    if turn is not None:
        answer = _link_markers(answer, citations, turn)
    parts = [answer]
    if citations:
        parts.append("**Sources**" + (" *(click one to see it in its document)*" if turn is not None else ""))
        parts.extend(format_citation(c, turn) for c in citations)
    else:
        parts.append("*(no citations)*")
    return "\n\n".join(parts)


def format_error(message: str) -> str:
    return f"⚠️ **Error:** {_paragraphs(message)}"


def format_question(question: str) -> str:
    shown = question.strip()
    if len(shown) > SHOWN_QUESTION_CHARS:
        return f"{_paragraphs(shown[:SHOWN_QUESTION_CHARS])} … *({len(shown):,} characters)*"
    return _paragraphs(shown)


# -- conversations -----------------------------------------------------------------------------------
def parse_history(history: Any) -> list[str]:
    """History from the API: a list of strings, a JSON array of strings, or nothing."""
    if history is None or history == "":
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError:
            raise InputError("The history must be a list of earlier questions (strings) or a JSON array of them.") from None
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise InputError("The history must be a list of earlier questions (strings) or a JSON array of them.")
    return history[-MAX_HISTORY:]


def new_conversation() -> dict:
    """questions: the history passed on; messages: the chat as shown; results: answers by turn (the
    [n] links point into it); turns: question + result or error, for the export."""
    return {"questions": [], "messages": [], "results": [], "turns": []}


def _ask(assistant, question: Any, conversation: dict) -> tuple[dict | None, str | None]:
    """(result, None) or (None, error message shown to the user)."""
    try:
        return assistant.ask(question, history=list(conversation.get("questions", []))[-MAX_HISTORY:]), None
    except CiteqaError as e:
        return None, str(e)
    except Exception:
        log.exception("answering failed")
        return None, UNEXPECTED


def _ask_stream(assistant, question: Any, conversation: dict):
    """Events of one answer: ("delta", text so far) while a generative answerer writes, then
    ("done", (result, error)) as _ask gives them."""
    history = list(conversation.get("questions", []))[-MAX_HISTORY:]
    try:
        for kind, value in assistant.stream(question, history=history):
            if kind == "delta":
                yield "delta", value
            else:
                yield "done", (value, None)
    except CiteqaError as e:
        yield "done", (None, str(e))
    except Exception:
        log.exception("answering failed")
        yield "done", (None, UNEXPECTED)


def _record(conversation: dict | None, question: Any, result: dict | None, error: str | None, echo: bool = True) -> dict:
    """A new conversation dict with this turn added (the input is not mutated)."""
    conversation = conversation or new_conversation()
    questions = list(conversation.get("questions", []))
    messages = list(conversation.get("messages", []))
    results = list(conversation.get("results", []))
    turns = list(conversation.get("turns", []))
    question = question if isinstance(question, str) else ""
    if echo and question.strip():
        messages.append({"role": "user", "content": format_question(question)})
    if result is None:
        reply = format_error(error or UNEXPECTED)
        if question.strip():
            turns.append({"question": question.strip()[:SHOWN_QUESTION_CHARS], "result": None, "error": error})
    else:
        turn = len(results)
        results.append(result)
        reply = format_answer_markdown(result, turn)
        turns.append({"question": question.strip(), "result": result, "error": None})
        if not result.get("error"):
            questions.append(question.strip())
    messages.append({"role": "assistant", "content": reply})
    return {"questions": questions, "messages": messages, "results": results, "turns": turns}


def chat_turn(assistant, question: Any, conversation: dict | None) -> dict:
    """One turn of the chat: a new conversation dict (the input is not mutated)."""
    conversation = conversation or new_conversation()
    result, error = _ask(assistant, question, conversation)
    return _record(conversation, question, result, error)


def _stream_pieces(result: dict | None) -> list[str]:
    """Growing prefixes of the answer text (escaped), shown while the answer 'types' in."""
    if not result or result.get("error") or result.get("refused"):
        return []
    words = re.split(r"(\s+)", str(result.get("answer", "")))
    if len(words) < 4:
        return []
    step = max(1, len(words) // STREAM_STEPS)
    return [_paragraphs("".join(words[:i])) + " ▌" for i in range(step, len(words), step)]


# -- the shared engine: one Assistant, swapped without a restart -------------------------------------------
class Engine:
    """The Assistant every session uses, and the operations that change it (settings, corpus, uploads).
    Swaps happen under a lock; a question already being answered finishes on the Assistant it started with."""

    def __init__(self, assistant):
        self._assistant = assistant
        self.lock = threading.RLock()
        self.configured = assistant.settings
        self.default_corpus = Path(assistant.settings.corpus_path)

    @property
    def assistant(self):
        return self._assistant

    def documents(self) -> list[dict]:
        return self._assistant.documents()

    def effective(self) -> dict:
        s = self._assistant.settings
        d = s.public_dict()
        d["documents"] = len(self.documents())
        d["corpus_path"] = str(Path(s.corpus_path).resolve())
        return d

    def apply(self, answerer: str, k: int, corpus: str, progress=None) -> str:
        from citeqa.evaluate import assistant_for

        with self.lock:
            current = self._assistant
            overrides: dict[str, Any] = {"answerer": answerer, "k": int(k)}
            corpus_path = Path(str(corpus or "").strip() or self.default_corpus).expanduser()
            if not corpus_path.is_dir():
                raise InputError(f"The corpus folder {corpus_path} does not exist (give a folder of .txt/.md files).")
            changed_corpus = corpus_path.resolve() != Path(current.settings.corpus_path).resolve()
            if changed_corpus:
                overrides["corpus_path"] = corpus_path
                overrides["collection"] = corpus_collection(self.configured.collection, corpus_path, self.default_corpus)
            new = assistant_for(current, overrides)
            new.answerer  # noqa: B018  (a backend that is not installed or configured fails here, not mid-chat)
            note = ""
            if changed_corpus:
                if progress:
                    progress(None, desc=f"Indexing {corpus_path} …")
                report = new.ingest(progress=False)
                note = f" Indexed {corpus_path}: {report.summary()}."
            self._assistant = new
        s = new.settings
        return f"Applied: answerer {s.answerer}, k = {s.k}, corpus {s.corpus_path}.{note}"

    # -- sources ------------------------------------------------------------------------------------
    def upload(self, files: list[str], progress=None) -> str:
        from citeqa.converters import READERS

        with self.lock:
            assistant = self._assistant
            corpus = Path(assistant.settings.corpus_path)
            corpus.mkdir(parents=True, exist_ok=True)
            messages, saved = [], []
            for f in files or []:
                original = Path(str(f)).name
                try:
                    size = os.path.getsize(f)
                    if size > MAX_UPLOAD_BYTES:
                        raise ValueError(f"{original!r} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
                    name = sanitize_upload_name(original, set(READERS))
                    dest = corpus / name
                    if not inside(corpus, dest):  # cannot happen after sanitising; kept as a guard
                        raise ValueError(f"{original!r} is not a usable file name.")
                    existed = dest.exists()
                    shutil.copyfile(f, dest)
                    saved.append((dest, existed))
                except (ValueError, OSError) as e:
                    messages.append(f"✗ {e}")
            for i, (dest, existed) in enumerate(saved):
                if progress:
                    progress((i, len(saved)), desc=f"Indexing {dest.name}")
                try:
                    report = assistant.ingest([dest], progress=False)
                except CiteqaError as e:
                    report = None
                    messages.append(f"✗ {dest.name}: {e}")
                if report is not None and report.failed:
                    messages.extend(f"✗ {err}" for _p, err in report.failed)
                    if not existed:
                        dest.unlink(missing_ok=True)
                elif report is not None:
                    verb = "updated" if report.changed else ("unchanged" if report.unchanged else "added")
                    messages.append(f"✓ {dest.name} {verb} ({report.passages_total} passages in the index)")
            if progress:
                progress((len(saved), len(saved)), desc="Done")
        return "\n".join(messages) or "Nothing uploaded."

    def remove(self, source: str) -> str:
        with self.lock:
            assistant = self._assistant
            record = next((d for d in assistant.documents() if d["source"] == source), None)
            if record is None:
                raise InputError(f"{source} is not in the index.")
            assistant.store.remove_document(source)
            corpus = Path(assistant.settings.corpus_path)
            path = Path(record["path"])
            moved = ""
            if path.exists() and inside(corpus, path):
                # Out of the corpus folder (so re-indexing does not bring it back), but not deleted.
                bin_ = Path(assistant.settings.index_path) / "removed"
                bin_.mkdir(parents=True, exist_ok=True)
                target = bin_ / f"{time.strftime('%Y%m%d-%H%M%S')}-{path.name}"
                shutil.move(str(path), target)
                moved = f"; the file was moved to {target}"
            assistant.store.refresh_keyword_index()
        return f"Removed {source} from the index{moved}."

    def reindex(self, progress=None) -> str:
        with self.lock:
            if progress:
                progress(None, desc="Re-indexing the corpus folder …")
            report = self._assistant.ingest(progress=False)
        lines = [f"Re-indexed {self._assistant.settings.corpus_path}: {report.summary()}."]
        lines += [f"✗ {err}" for _p, err in report.failed]
        return "\n".join(lines)


# -- regression sets ---------------------------------------------------------------------------------
def question_set_files() -> list[Path]:
    seen, out = set(), []
    for folder in (Path.cwd() / "tests" / "regression", PROJECT_ROOT / "tests" / "regression"):
        for p in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                out.append(p)
    return out


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_regression(assistant, path: str | Path, progress=None) -> tuple[str, list[list]]:
    from citeqa.evaluate import assistant_for, load_question_set, run_question

    qset = load_question_set(path)
    runner = assistant_for(assistant, qset.settings)
    rows, passed, failed, known = [], 0, 0, 0
    total = len(qset.questions)
    for i, q in enumerate(qset.questions):
        if progress:
            progress((i, total), desc=f"{q.id}")
        result, check = run_question(runner, q)
        if check.passed:
            status = "pass" if not q.xfail else "pass (marked xfail)"
            passed += 1
        elif q.xfail:
            status = "known failure"
            known += 1
        else:
            status = "FAIL"
            failed += 1
        reasons = "; ".join(check.reasons) if check.reasons else ""
        if q.xfail and not check.passed:
            reasons = f"known limitation: {q.xfail} — {reasons}"
        rows.append([q.id, status, q.question, _short(result.get("answer", "")), reasons])
    order = {"FAIL": 0, "known failure": 1}
    rows.sort(key=lambda r: order.get(r[1], 2))  # failures first (stable: set order within each group)
    summary = f"**{qset.name}** ({Path(path).name}): {passed} passed, {failed} failed" + (f", {known} known failures (xfail)" if known else "") + f" of {total}."
    return summary, rows


# -- the app -----------------------------------------------------------------------------------------
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
#cq-examples { margin-top: 4px; }
/* Tables are read, not edited: full-contrast text, also while another event is pending. */
#cq-documents, #cq-regression, #cq-documents *, #cq-regression * { opacity: 1 !important; }
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
const scrollToHit = (tries) => {
  const doc = element.querySelector('#cq-doc');
  const hit = element.querySelector('#cq-hit');
  if (!doc || !hit) { if (tries > 0) setTimeout(() => scrollToHit(tries - 1), 50); return; }
  doc.scrollTop = Math.max(0, hit.offsetTop - doc.clientHeight / 3);
  const panel = element.querySelector('.cq-panel');
  if (panel && panel.getBoundingClientRect().top < 0) panel.scrollIntoView({block: 'start'});
};
watch('value', () => scrollToHit(10));
"""


def build_app(assistant):
    """The chat UI (Chat, Sources, Settings, Regression tabs) and the named API endpoints over one
    Assistant (wrapped in an Engine so settings and the corpus can change without a restart)."""
    import gradio as gr

    from citeqa.backends import CHAT_BACKENDS
    from citeqa.converters import READERS

    engine = assistant if isinstance(assistant, Engine) else Engine(assistant)
    export_dir = Path(tempfile.mkdtemp(prefix="citeqa-export-"))

    # -- API functions ----------------------------------------------------------------------------
    def ask(question: str, history: list[str] | str | None = None) -> dict:
        """Answer a question about the indexed documents, every claim cited. `history`: the earlier questions of the conversation, oldest first (a list of strings or a JSON array). Returns the `citeqa ask --json` object."""
        try:
            return engine.assistant.ask(question, history=parse_history(history))
        except CiteqaError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception:
            log.exception("/ask failed")
            raise gr.Error(UNEXPECTED, print_exception=False) from None

    def documents() -> list[dict]:
        """The indexed documents: source, title, hash (sha256 of the file), size (bytes), passages, indexed_at (Unix time)."""
        # No server paths (and no "path" key, which gradio_client would take for a file to download).
        return [{k: v for k, v in d.items() if k != "path"} for d in engine.documents()]

    def settings() -> dict:
        """The effective settings of the running app (the API key masked) and the number of documents."""
        return engine.effective()

    def api_chat(question, conversation):
        result, error = _ask(engine.assistant, question, conversation or new_conversation())
        if result is None:
            raise gr.Error(error, print_exception=False)
        return result, _record(conversation, question, result, None)

    def api_conversation(conversation):
        conversation = conversation or new_conversation()
        return {"questions": conversation["questions"], "turns": len(conversation["turns"]),
                "markdown": conversation_markdown(conversation)}

    # -- chat handlers ----------------------------------------------------------------------------
    def show_question(question, conversation):
        # Fast first step: echo the question and clear the box while the answer is computed.
        conversation = conversation or new_conversation()
        messages = list(conversation["messages"])
        if isinstance(question, str) and question.strip():
            messages.append({"role": "user", "content": format_question(question)})
        return "", question, messages

    def answer(pending, conversation):
        conversation = conversation or new_conversation()
        echoed = list(conversation["messages"])
        if isinstance(pending, str) and pending.strip():
            echoed.append({"role": "user", "content": format_question(pending)})
        result, error, streamed = None, UNEXPECTED, False
        for kind, value in _ask_stream(engine.assistant, pending, conversation):
            if kind == "delta":  # a generative answerer's words as they come; citations follow when it is done
                streamed = True
                yield gr.skip(), echoed + [{"role": "assistant", "content": _paragraphs(value) + " ▌"}], gr.skip(), gr.skip(), gr.skip()
            else:
                result, error = value
        # The extractive answer is computed whole in milliseconds; it is revealed in a few steps instead.
        for piece in [] if streamed else _stream_pieces(result):
            yield gr.skip(), echoed + [{"role": "assistant", "content": piece}], gr.skip(), gr.skip(), gr.skip()
            time.sleep(STREAM_DELAY)
        conversation = _record(conversation, pending, result, error)
        markdown = conversation_markdown(conversation)
        yield conversation, conversation["messages"], None, markdown, _export_file(markdown)

    def _export_file(markdown: str):
        if not markdown:
            return gr.update(value=None, interactive=False)
        path = Path(tempfile.mkdtemp(dir=export_dir)) / "citeqa-conversation.md"
        path.write_text(markdown, encoding="utf-8")
        return gr.update(value=str(path), interactive=True)

    def reset():
        conversation = new_conversation()
        return conversation, [], None, "", panel_placeholder(), "", gr.update(value=None, interactive=False)

    def show_citation(conversation, evt: gr.EventData):
        parsed = parse_cite_id(getattr(evt, "id", "") if evt is not None else "")
        if parsed is None:
            return panel_placeholder("That link is not a citation.")
        citation = find_citation(conversation, *parsed)
        if citation is None:
            return panel_placeholder("That citation belongs to a conversation that was cleared.")
        try:
            docs = engine.documents()
        except CiteqaError as e:
            docs = []
            log.warning("document list unavailable: %s", e)
        # A fresh marker each time: clicking the same [n] again re-renders and scrolls back to it.
        return citation_panel(citation, docs).replace('<div class="cq-panel"', f'<div class="cq-panel" data-opened="{time.time_ns()}"', 1)

    def examples_update():
        try:
            from citeqa.evaluate import load_question_set

            sets = []
            for p in question_set_files():
                try:
                    sets.append(load_question_set(p))
                except CiteqaError:
                    pass
            qs = example_questions(engine.documents(), sets)
        except CiteqaError:
            qs = []
        return gr.Dataset(samples=[[q] for q in qs], visible=bool(qs))

    # -- sources / settings / regression handlers ---------------------------------------------------
    def sources_view():
        docs = engine.documents()
        s = engine.assistant.settings
        info = (f"**{len(docs)}** document(s), **{sum(int(d['passages']) for d in docs)}** passages · corpus folder "
                f"`{html.escape(str(Path(s.corpus_path).resolve()))}` · collection `{html.escape(s.collection)}`")
        return document_rows(docs), info, gr.Dropdown(choices=[d["source"] for d in docs], value=None)

    def do_upload(files, progress=gr.Progress()):
        try:
            message = engine.upload([f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])], progress)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, None, *sources_view())

    def do_remove(source):
        if not source:
            return ("Choose a document to remove.", *sources_view())
        try:
            message = engine.remove(source)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, *sources_view())

    def do_reindex(progress=gr.Progress()):
        try:
            message = engine.reindex(progress)
        except CiteqaError as e:
            message = f"✗ {e}"
        return (message, *sources_view())

    def settings_view():
        s = engine.assistant.settings
        return (gr.update(value=s.answerer), gr.update(value=s.k), gr.update(value=str(s.corpus_path)),
                engine.effective(), _header_md())

    def do_apply(answerer_name, k, corpus, progress=gr.Progress()):
        try:
            message = "✓ " + engine.apply(answerer_name, k, corpus, progress)
        except CiteqaError as e:
            message = f"✗ Not applied: {e}"
        return (message, *settings_view())

    def regression_choices():
        out = []
        for p in question_set_files():
            try:
                label = p.resolve().relative_to(Path.cwd().resolve()).as_posix()
            except ValueError:
                label = f"tests/regression/{p.name}" if p.parent.resolve() == (PROJECT_ROOT / "tests" / "regression").resolve() else str(p)
            out.append((label, str(p)))
        return out

    def do_regression(choice, uploaded, progress=gr.Progress()):
        path = uploaded if uploaded else choice
        if not path:
            return "Choose a question set (or upload one).", []
        if not uploaded and str(choice) not in {str(p) for p in question_set_files()}:
            return "✗ That question set is not one of tests/regression/*.yaml.", []
        try:
            return run_regression(engine.assistant, path, progress)
        except CiteqaError as e:
            return f"✗ {e}", []

    def _header_md():
        s = engine.assistant.settings
        return (f"## citeqa\nAnswers about your documents, every claim cited. Answerer **{s.answerer}** · "
                f"k = {s.k} · corpus `{html.escape(str(s.corpus_path))}`")

    # -- layout -----------------------------------------------------------------------------------
    with gr.Blocks(title="citeqa", analytics_enabled=False) as app:
        conversation = gr.State(new_conversation())
        pending = gr.State(None)
        header = gr.Markdown(_header_md(), elem_id="cq-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=420):
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            elem_id="cq-chat",
                            height=430,
                            sanitize_html=True,
                            render_markdown=True,
                            allow_tags=False,
                            latex_delimiters=[],
                            buttons=["copy"],
                            feedback_options=None,
                            group_consecutive_messages=False,  # an error after an answer gets its own bubble
                            placeholder="Ask a question about the documents. Click any [n] to see the passage; follow-up questions keep the context.",
                        )
                        with gr.Row():
                            box = gr.Textbox(show_label=False, placeholder="Type a question and press Enter",
                                             scale=8, max_lines=6, autofocus=True, elem_id="cq-question")
                            send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="cq-send")
                        with gr.Row():
                            clear = gr.Button("New chat", variant="secondary", size="sm", elem_id="cq-new-chat")
                            download = gr.DownloadButton("Download as Markdown", size="sm", interactive=False,
                                                         elem_id="cq-download")
                        examples = gr.Dataset(components=[box], samples=[], label="Examples", elem_id="cq-examples",
                                              samples_per_page=4)
                        with gr.Accordion("Export conversation (Markdown)", open=False):
                            export_md = gr.Textbox(show_label=False, lines=8, max_lines=20, buttons=["copy"],
                                                   interactive=False, elem_id="cq-export",
                                                   placeholder="The conversation, with each citation's source, lines and quote.")
                    with gr.Column(scale=4, min_width=360):
                        gr.Markdown("**Source passage**")
                        panel = gr.HTML(panel_placeholder(), elem_id="cq-panel", js_on_load=PANEL_JS, padding=False)
            with gr.Tab("Sources", id="sources") as sources_tab:
                sources_info = gr.Markdown()
                table = gr.Dataframe(headers=DOCUMENT_HEADERS, datatype="str", interactive=False, wrap=True,
                                     elem_id="cq-documents", column_widths=["26%", "30%", "9%", "9%", "15%", "11%"])
                with gr.Row():
                    with gr.Column(scale=3):
                        upload = gr.File(label=f"Add documents ({', '.join(sorted(READERS))}; up to {MAX_UPLOAD_BYTES // 2**20} MB each): copied into the corpus folder and indexed",
                                         file_count="multiple", file_types=sorted(READERS),
                                         elem_id="cq-upload", height=140)
                    with gr.Column(scale=2):
                        to_remove = gr.Dropdown(label="Remove a document", choices=[], elem_id="cq-remove-choice")
                        with gr.Row():
                            remove = gr.Button("Remove from index", variant="stop", size="sm", elem_id="cq-remove")
                            reindex = gr.Button("Re-index corpus folder", size="sm", elem_id="cq-reindex")
                        gr.Markdown("Removing moves the file out of the corpus folder into `<index>/removed/`, so re-indexing does not bring it back.",
                                    elem_classes=["cq-note"])
                sources_status = gr.Textbox(label="Status", interactive=False, lines=2, elem_id="cq-sources-status")
            with gr.Tab("Settings", id="settings") as settings_tab:
                backends = ["extractive", *sorted(CHAT_BACKENDS)]
                with gr.Row():
                    with gr.Column():
                        answerer_choice = gr.Dropdown(backends, label="Answerer",
                                                      info="extractive: offline, quotes sentences verbatim; the others need llm_model / llm_base_url configured (citeqa.toml or CITEQA_*)")
                        k_choice = gr.Slider(1, 20, step=1, label="k: passages retrieved per question")
                        corpus_choice = gr.Textbox(label="Active corpus folder",
                                                   info="Another folder is indexed into a collection of its own the first time it is chosen.")
                        apply = gr.Button("Apply", variant="primary", elem_id="cq-apply")
                        settings_status = gr.Textbox(label="Status", interactive=False, elem_id="cq-settings-status")
                    with gr.Column():
                        effective = gr.JSON(label="Effective settings")
            with gr.Tab("Regression", id="regression"):
                gr.Markdown("Run a question set (see `citeqa.evaluate` for the format) against the current settings and index.")
                with gr.Row(equal_height=True):
                    with gr.Column(scale=3):
                        set_choice = gr.Dropdown(label="Question set from tests/regression/", choices=[], elem_id="cq-set")
                        run = gr.Button("Run question set", variant="primary", elem_id="cq-run")
                    set_upload = gr.File(label="…or upload a question set (.yaml); it is used instead while present",
                                         file_types=[".yaml", ".yml"], scale=2, height=130, elem_id="cq-set-upload")
                regression_summary = gr.Markdown()
                regression_table = gr.Dataframe(headers=["id", "result", "question", "answer", "reasons"], datatype="str",
                                                interactive=False, wrap=True, elem_id="cq-regression",
                                                column_widths=["14%", "10%", "24%", "26%", "26%"])

        # Hidden pieces behind the stateful API endpoints (/chat, /conversation, /new_chat).
        api_question = gr.Textbox(visible=False)
        api_result = gr.JSON(visible=False)
        api_go = gr.Button(visible=False)
        api_conv_go = gr.Button(visible=False)
        api_reset_go = gr.Button(visible=False)

        # -- events ---------------------------------------------------------------------------------
        def wire_ask(trigger_dep):
            trigger_dep.then(
                answer,
                inputs=[pending, conversation],
                outputs=[conversation, chatbot, pending, export_md, download],
                concurrency_id="citeqa-ask",
                show_progress="minimal",
                api_visibility="private",
            )

        wire_ask(gr.on(
            triggers=[box.submit, send.click],
            fn=show_question,
            inputs=[box, conversation],
            outputs=[box, pending, chatbot],
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        ))
        wire_ask(examples.click(
            lambda sample, conv: show_question(sample[0] if sample else "", conv),
            inputs=[examples, conversation],
            outputs=[box, pending, chatbot],
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        ))
        reset_outputs = [conversation, chatbot, pending, box, panel, export_md, download]
        clear.click(reset, None, reset_outputs, queue=False, api_visibility="private")
        chatbot.clear(reset, None, reset_outputs, queue=False, api_visibility="private")
        panel.cite(show_citation, inputs=[conversation], outputs=[panel], queue=False, show_progress="hidden",
                   api_visibility="private")

        upload.upload(do_upload, [upload], [sources_status, upload, table, sources_info, to_remove],
                      show_progress="full", api_visibility="private", concurrency_id="citeqa-index") \
            .then(examples_update, None, examples, api_visibility="private")
        remove.click(do_remove, [to_remove], [sources_status, table, sources_info, to_remove],
                     api_visibility="private", concurrency_id="citeqa-index") \
            .then(examples_update, None, examples, api_visibility="private")
        reindex.click(do_reindex, None, [sources_status, table, sources_info, to_remove],
                      api_visibility="private", concurrency_id="citeqa-index") \
            .then(examples_update, None, examples, api_visibility="private")
        apply.click(do_apply, [answerer_choice, k_choice, corpus_choice],
                    [settings_status, answerer_choice, k_choice, corpus_choice, effective, header],
                    api_visibility="private", concurrency_id="citeqa-index") \
            .then(sources_view, None, [table, sources_info, to_remove], api_visibility="private") \
            .then(examples_update, None, examples, api_visibility="private")
        run.click(do_regression, [set_choice, set_upload], [regression_summary, regression_table],
                  api_visibility="private", concurrency_id="citeqa-ask")

        app.load(sources_view, None, [table, sources_info, to_remove], api_visibility="private", queue=False)
        app.load(settings_view, None, [answerer_choice, k_choice, corpus_choice, effective, header],
                 api_visibility="private", queue=False)
        app.load(examples_update, None, examples, api_visibility="private", queue=False)
        def set_choices():
            choices = regression_choices()
            return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

        app.load(set_choices, None, set_choice, api_visibility="private", queue=False)
        settings_tab.select(settings_view, None, [answerer_choice, k_choice, corpus_choice, effective, header],
                            api_visibility="private", queue=False)
        sources_tab.select(sources_view, None, [table, sources_info, to_remove], api_visibility="private", queue=False)

        # -- API --------------------------------------------------------------------------------------
        gr.api(ask, api_name="ask", concurrency_id="citeqa-ask")
        chat_dep = api_go.click(api_chat, [api_question, conversation], [api_result, conversation], api_name="chat",
                     api_description="Ask within this session's conversation (earlier questions are the history); returns the `citeqa ask --json` object.",
                     concurrency_id="citeqa-ask")
        conv_dep = api_conv_go.click(api_conversation, [conversation], [api_result], api_name="conversation",
                          api_description="This session's conversation: its questions, number of turns, and the Markdown export.")
        reset_dep = api_reset_go.click(lambda: (new_conversation(), {"questions": [], "turns": 0, "markdown": ""}), None,
                           [conversation, api_result], api_name="new_chat", api_description="Start this session's conversation over.")
        # The session-bound endpoints are for gradio_client (which keeps a session); MCP tools are stateless.
        for dep in (chat_dep, conv_dep, reset_dep):
            dep.fn._mcp_type = "none"
        gr.api(documents, api_name="documents")
        gr.api(settings, api_name="settings")
    app.citeqa_engine = engine
    return app


# -- serving ---------------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError("Credentials must be given as user:password (both non-empty).")
    return user, password


def mcp_available() -> bool:
    """Gradio's MCP server needs the `mcp` package (gradio[mcp]); serve it when that is installed."""
    if os.environ.get("CITEQA_NO_MCP"):
        return False
    try:
        import mcp  # noqa: F401
    except ImportError:
        return False
    return True


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", description="citeqa chat: answers about your documents, every claim cited.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --auth)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--no-ingest", action="store_true", help="serve the index as it is; do not ingest the corpus folder first")
    p.add_argument("--auth", metavar="USER:PASS", help="require this login (or set CITEQA_AUTH=user:pass)")
    return p


def warm(assistant) -> None:
    """Load the embedding model and the retrieval parts now, so the first question is fast."""
    assistant.embedder.encode_one("warm-up")
    assistant.retriever  # noqa: B018
    assistant.answerer  # noqa: B018
    assistant.store.refresh_keyword_index()


def _warm_quietly(assistant) -> None:
    try:
        warm(assistant)
    except Exception as e:  # the first question reports the problem properly
        log.warning("warm-up failed: %s", e)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        auth = parse_auth(args.auth or os.environ.get("CITEQA_AUTH"))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(args.host) and auth is None:
        print(
            f"error: refusing to serve on {args.host} without a login: anyone who can reach it could read the documents; "
            "pass --auth user:pass (or set CITEQA_AUTH=user:pass), or bind to 127.0.0.1.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        print(f"error: --port must be between 1 and 65535, not {args.port}.", file=sys.stderr)
        return EXIT_USAGE

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # some libraries set their own loggers to DEBUG
    try:
        from citeqa.chat import Assistant
        from citeqa.settings import load_settings

        assistant = Assistant(load_settings())
        if not args.no_ingest:
            report = assistant.ingest(progress=False)
            for _path, error in report.failed:
                print(f"skipped: {error}", file=sys.stderr)
            print(f"ingest: {report.summary()}", flush=True)
        assistant.store.passage_count()  # an index folder that cannot be opened fails here, before serving
        app = build_app(assistant)
    except CiteqaError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

    import warnings

    warnings.filterwarnings("ignore", message="This MCP server includes a tool that has a gr.State input")
    app.queue(default_concurrency_limit=1)
    try:
        app.launch(
            server_name=args.host,
            server_port=args.port,
            share=False,
            auth=auth,
            show_error=False,
            quiet=True,
            inbrowser=False,
            prevent_thread_lock=True,
            ssr_mode=False,
            mcp_server=mcp_available(),
            pwa=False,
            css=CSS,
            max_file_size=MAX_UPLOAD_BYTES,
            enable_monitoring=False,
            run_history=False,
            footer_links=["api"],
        )
    except OSError as e:
        print(f"error: cannot serve on {args.host}:{args.port}: {e}", file=sys.stderr)
        return EXIT_ERROR
    # The page is up now; the embedding model loads in the background (the first question waits for it).
    threading.Thread(target=_warm_quietly, args=(app.citeqa_engine.assistant,), name="citeqa-warm", daemon=True).start()
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving on http://{host}:{args.port} (ready in {time.perf_counter() - started:.1f} s)", flush=True)
    try:
        app.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
