"""The Chat tab: the conversation, the question box, the examples row, the export, and the citation
panel beside it. A click on an [n] (a `#cite-<turn>-<n>` link) becomes the panel's `cite` event,
which renders that citation's document with the cited span marked and scrolls to it."""

# No `from __future__ import annotations`: Gradio reads real type hints (gr.EventData) off handlers.

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from citeqa.app.conversation import ASK_CONCURRENCY, UNEXPECTED, ask_stream, conversation_markdown, new_conversation, record_turn
from citeqa.app.history_panel import build_history_panel
from citeqa.app.panel import cite_id, citation_panel, find_citation, panel_placeholder, parse_cite_id, parse_cite_page
from citeqa.app.regression import question_set_files
from citeqa.app.rendering import format_question, paragraphs, stream_pieces
from citeqa.app.sources import example_questions
from citeqa.app.style import PANEL_JS
from citeqa.errors import CiteqaError, InputError
from citeqa.evaluation.loader import load_question_set

log = logging.getLogger("citeqa.app")

STREAM_DELAY = 0.025  # seconds between the growing pieces of an extractive answer


@dataclass
class ChatTab:
    examples: gr.Dataset
    refresh_examples: object  # (scope, role, request) -> gr.Dataset: the examples row for the session's collection
    collection: gr.Dropdown  # the collection this session asks
    scope_line: gr.Markdown  # which collection and documents a question is asked of
    history: object  # the conversation list (history_panel.HistoryPanel)


def build_chat_tab(app: gr.Blocks, engine, conversation: gr.State, pending: gr.State, scopes, scope: gr.State,
                   role: gr.State) -> ChatTab:
    """`scopes` (app/scopes.py) checks the session's `scope` state for every ask, with the caller's `role`."""
    export_dir = Path(tempfile.mkdtemp(prefix="citeqa-export-"))

    def show_question(question, conversation):
        # Fast first step: echo the question and clear the box while the answer is computed.
        conversation = conversation or new_conversation()
        messages = list(conversation["messages"])
        if isinstance(question, str) and question.strip():
            messages.append({"role": "user", "content": format_question(question)})
        return "", question, messages

    def answer(pending, conversation, scope, role, request: gr.Request):
        if not isinstance(pending, str) or not pending.strip():
            # An empty question: nothing to answer, and no error bubble either.
            yield (gr.skip(),) * 6
            return
        conversation = conversation or new_conversation()
        echoed = list(conversation["messages"])
        if isinstance(pending, str) and pending.strip():
            echoed.append({"role": "user", "content": format_question(pending)})
        result, error, streamed = None, UNEXPECTED, False
        try:  # the collection and documents it is asked of, checked now for this caller (scopes.py)
            asked = scopes.resolve(scope, role, request)
            events = ask_stream(asked.assistant, pending, conversation, asked.sources)
        except CiteqaError as e:
            asked, events = None, iter([("done", (None, str(e)))])
        for kind, value in events:
            if kind == "delta":  # a generative answerer's words as they come; citations follow when it is done
                streamed = True
                yield chat_only(echoed + [{"role": "assistant", "content": paragraphs(value) + " ▌"}])
            else:
                result, error = value
                # Sources as the page shows them (no server paths), and the collection it asked.
                result = scopes.public(result, asked) if asked is not None else result
        # The extractive answer is computed whole in milliseconds; it is revealed in a few steps instead.
        for piece in [] if streamed else stream_pieces(result):
            yield chat_only(echoed + [{"role": "assistant", "content": piece}])
            time.sleep(STREAM_DELAY)
        conversation = record_turn(conversation, pending, result, error)
        markdown = conversation_markdown(conversation)
        yield (conversation, conversation["messages"], None, markdown, export_file(markdown),
               answer_panel(conversation, result, role, request))

    def chat_only(messages):
        """The answer's outputs while it is revealed: only the chat changes (the panel waits for the end)."""
        return (gr.skip(), messages) + (gr.skip(),) * 4

    def export_file(markdown: str):
        if not markdown:
            return gr.update(value=None)
        path = Path(tempfile.mkdtemp(dir=export_dir)) / "citeqa-conversation.md"
        path.write_text(markdown, encoding="utf-8")
        return gr.update(value=str(path))

    def reset():
        return new_conversation(), [], None, "", panel_placeholder(), "", gr.update(value=None), None, None

    def download_empty(conversation):
        if not (conversation or {}).get("turns"):
            gr.Info("Nothing to download yet: ask a question first.")

    def show_citation(conversation, role, request: gr.Request, evt: gr.EventData):
        value = getattr(evt, "id", "") if evt is not None else ""
        parsed = parse_cite_id(value)
        if parsed is None:
            return panel_placeholder("That link is not a citation.")
        return open_citation(conversation, *parsed, role, request, page=parse_cite_page(value))

    def answer_panel(conversation, result, role, request):
        """The panel once a new answer is shown: its first citation, so the panel never keeps an earlier
        answer's passage beside it; emptied when the answer cites nothing (a refusal, an error)."""
        citations = (result or {}).get("citations") or []
        if not citations:
            return panel_placeholder("The last answer cites no passage.")
        turn = len(conversation["results"]) - 1  # record_turn added the answer last
        return open_citation(conversation, turn, int(citations[0].get("n", 1)), role, request)

    def open_citation(conversation, turn: int, n: int, role, request, page: int | None = None) -> str:
        """Citation [n] of answer `turn` in its document, as the panel shows it (`page`: a PDF page to show)."""
        citation = find_citation(conversation, turn, n)
        if citation is None:
            return panel_placeholder("That citation belongs to a conversation that was cleared.")
        try:
            cited = engine.cited(str(citation.get("source", "")), cited_collection(conversation, turn, role, request))
        except CiteqaError as e:
            cited = {"record": None, "stored": None, "text": None, "pdf_path": None,
                     "why": f"{e} Showing the quote as indexed."}
            log.warning("citation panel: %s", e)
        # Only a document of the answer's collection is shown (Engine.cited); otherwise the quote as indexed.
        # A fresh marker each time: clicking the same [n] again re-renders and scrolls back to it.
        why = {"unreadable": cited["why"]} if cited["why"] else {}
        panel_html = citation_panel(citation, cited["record"], cited["stored"], cited["text"], **why,
                                    page=page, cite_ref=cite_id(turn, n), pdf_path=cited["pdf_path"])
        return panel_html.replace('<div class="cq-panel"', f'<div class="cq-panel" data-opened="{time.time_ns()}"', 1)

    def cited_collection(conversation, turn: int, role, request):
        """The collection a turn's answer came from, when the caller may still see it (else InputError)."""
        results = (conversation or {}).get("results") or []
        cid = ((results[turn] or {}).get("scope") or {}).get("collection_id") if turn < len(results) else None
        if cid is None:
            return scopes.start(role, request)
        found = next((c for c in scopes.visible(role, request) if c.id == cid), None)
        if found is None:
            raise InputError("That answer's collection is not one you can see now.")
        return found

    def refresh_examples(scope, role, request: gr.Request):
        try:
            sets = []
            for p in question_set_files():
                try:
                    sets.append(load_question_set(p))
                except CiteqaError:
                    pass
            qs = example_questions(engine.documents(scopes.resolve(scope, role, request).collection), sets)
        except CiteqaError:
            qs = []
        return gr.Dataset(samples=[[q] for q in qs], visible=bool(qs))

    # -- layout -----------------------------------------------------------------------------------
    with gr.Tab("Chat", id="chat"):
        with gr.Row(equal_height=False):
            history = build_history_panel(app, engine, conversation, scope)  # the sidebar, left of the chat
            # 380: with the sidebar (180) and the panel (360) the row still fits Gradio's 960 px at 1100 wide.
            with gr.Column(scale=5, min_width=380):
                with gr.Row(equal_height=True, elem_id="cq-scope-row"):
                    collection = gr.Dropdown(label="Collection", choices=[], scale=1, min_width=170,
                                             elem_id="cq-collection", interactive=True)
                    with gr.Column(scale=3, min_width=160):  # beside the dropdown, also in a narrower chat
                        scope_line = gr.Markdown(elem_id="cq-scope-line")
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
                    download = gr.DownloadButton("Download as Markdown", size="sm", elem_id="cq-download")
                examples = gr.Dataset(components=[box], samples=[], label="Examples", elem_id="cq-examples",
                                      samples_per_page=4)
                with gr.Accordion("Export conversation (Markdown)", open=False):
                    export_md = gr.Textbox(show_label=False, lines=8, max_lines=20, buttons=["copy"],
                                           interactive=False, elem_id="cq-export",
                                           placeholder="The conversation, with each citation's source, lines and quote.")
            with gr.Column(scale=4, min_width=360):
                gr.Markdown("**Source passage**")
                panel = gr.HTML(panel_placeholder(), elem_id="cq-panel", js_on_load=PANEL_JS, padding=False)

    # -- events -----------------------------------------------------------------------------------
    def wire_ask(trigger_dep):
        trigger_dep.then(
            answer,
            inputs=[pending, conversation, scope, role],
            outputs=[conversation, chatbot, pending, export_md, download, panel],  # panel: the new answer's [1]
            concurrency_id="citeqa-ask", concurrency_limit=ASK_CONCURRENCY,
            show_progress="minimal",
            api_visibility="private",
        ).then(history.save, history.inputs, history.outputs, queue=False, show_progress="hidden",
               api_visibility="private")

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
    reset_outputs = [conversation, chatbot, pending, box, panel, export_md, download, history.conv_id, history.chosen]
    clear.click(reset, None, reset_outputs, queue=False, api_visibility="private")
    history.new_chat.click(reset, None, reset_outputs, queue=False, api_visibility="private")  # the sidebar's
    chatbot.clear(reset, None, reset_outputs, queue=False, api_visibility="private")
    download.click(download_empty, [conversation], None, show_progress="hidden", api_visibility="private")  # the queue carries gr.Info
    panel.cite(show_citation, inputs=[conversation, role], outputs=[panel], queue=False, show_progress="hidden",
               api_visibility="private")
    history.wire([chatbot, panel, export_md, download])
    app.load(refresh_examples, [scope, role], examples, api_visibility="private", queue=False)
    return ChatTab(examples, refresh_examples, collection, scope_line, history)
