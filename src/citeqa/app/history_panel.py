"""The Chat tab's list of earlier conversations: each browser's chats kept on the server (history.py),
listed by their first question, opened again with their citations clickable, renamed or deleted."""

# No `from __future__ import annotations`: Gradio reads real type hints (gr.Request) off handlers.

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from citeqa.app.conversation import conversation_markdown, new_conversation
from citeqa.app.history import ConversationStore, new_id, user_key
from citeqa.app.panel import panel_placeholder
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")


@dataclass
class HistoryPanel:
    save: object  # (browser, conv_id, conversation) -> (conv_id, list update): after each answer
    inputs: list
    outputs: list
    conv_id: gr.State
    wire: object  # (restore_outputs) -> None: the panel's events, once the chat's components exist


def _choices(store: ConversationStore, browser) -> list[tuple[str, str]]:
    try:
        items = store.list(browser)
    except CiteqaError:
        return []
    return [(f"{d['title']} · {time.strftime('%d %b %H:%M', time.localtime(d['updated']))}", d["id"]) for d in items]


def build_history_panel(app: gr.Blocks, engine, conversation: gr.State) -> HistoryPanel:
    """Lay out the panel where it is called; `wire([chatbot, panel, export text, download])` then
    connects it (those are refreshed when an earlier conversation is opened)."""
    store = ConversationStore(Path(engine.assistant.settings.index_path) / "conversations")
    browser = gr.BrowserState(None, storage_key="citeqa-browser", secret=store.secret())
    conv_id = gr.State(None)

    def identify(current, request: gr.Request):
        username = getattr(request, "username", None) if request is not None else None
        who = user_key(username) if username else (current if isinstance(current, str) and len(current) == 32 else new_id())
        return who, gr.Dropdown(choices=_choices(store, who), value=None)

    def save(who, conv, conv_state):
        if not (conv_state or {}).get("turns"):
            return gr.skip(), gr.skip()
        conv = conv or new_id()
        s = engine.assistant.settings
        try:
            store.save(who, conv, conv_state, {"answerer": s.answerer, "k": s.k, "corpus": Path(s.corpus_path).name})
        except (CiteqaError, OSError) as e:  # the answer is shown either way; keeping it failed
            log.warning("conversation not saved: %s", e)
            return conv, gr.skip()
        return conv, gr.Dropdown(choices=_choices(store, who), value=conv)

    def open_one(who, chosen):
        if not chosen:
            return (gr.skip(),) * 6 + ("Choose a conversation to open.",)
        try:
            data = store.load(who, chosen)
        except CiteqaError as e:
            return (gr.skip(),) * 6 + (f"✗ {e}",)
        conv_state = {**new_conversation(), **(data.get("conversation") or {})}
        markdown = conversation_markdown(conv_state)
        return (conv_state, chosen, conv_state["messages"], panel_placeholder(), markdown, gr.update(value=None),
                f"Opened “{data.get('title', '')}”.")

    def rename(who, chosen, name):
        if not chosen:
            return gr.skip(), "Choose a conversation to rename."
        try:
            store.rename(who, chosen, name)
        except CiteqaError as e:
            return gr.skip(), f"✗ {e}"
        return gr.Dropdown(choices=_choices(store, who), value=chosen), "Renamed."

    def delete(who, chosen, current):
        if not chosen:
            return gr.skip(), gr.skip(), "Choose a conversation to delete."
        try:
            store.delete(who, chosen)
        except CiteqaError as e:
            return gr.skip(), gr.skip(), f"✗ {e}"
        # Deleting the open conversation keeps it on screen; the next question starts a new saved one.
        return gr.Dropdown(choices=_choices(store, who), value=None), (None if chosen == current else current), "Deleted."

    with gr.Accordion("Your conversations", open=False, elem_id="cq-history"):
        chosen = gr.Dropdown(label="Earlier conversations (kept on the server for this browser)", choices=[],
                             elem_id="cq-history-list")
        with gr.Row():
            open_btn = gr.Button("Open", size="sm", elem_id="cq-history-open")
            delete_btn = gr.Button("Delete", size="sm", variant="stop", elem_id="cq-history-delete")
        with gr.Row():
            new_name = gr.Textbox(show_label=False, placeholder="New name", scale=3, elem_id="cq-history-name")
            rename_btn = gr.Button("Rename", size="sm", scale=1, elem_id="cq-history-rename")
        status = gr.Markdown(elem_id="cq-history-status")

    def wire(restore_outputs: list) -> None:
        app.load(identify, [browser], [browser, chosen], api_visibility="private", queue=False)
        open_btn.click(open_one, [browser, chosen], [conversation, conv_id, *restore_outputs, status],
                       api_visibility="private", queue=False)
        rename_btn.click(rename, [browser, chosen, new_name], [chosen, status], api_visibility="private", queue=False)
        delete_btn.click(delete, [browser, chosen, conv_id], [chosen, conv_id, status], api_visibility="private",
                         queue=False)

    return HistoryPanel(save, [browser, conv_id, conversation], [conv_id, chosen], conv_id, wire)
