"""The Chat tab's list of earlier conversations: each browser's chats kept on the server (history.py),
listed by their first question, opened again with their citations clickable, renamed or deleted.

Every event finds its owner from the request on the server (`owner_folder`): the login, or the signed
visitor cookie (visitors.py sets it). No input of these events names an owner, so a page, or anyone
calling the events by fn_index, reaches only its own conversations. Titles are shown as text."""

# No `from __future__ import annotations`: Gradio reads real type hints (gr.Request) off handlers.

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from citeqa.app.conversation import conversation_markdown, new_conversation
from citeqa.app.history import VISITOR_COOKIE, ConversationStore, new_id
from citeqa.app.panel import panel_placeholder
from citeqa.app.rendering import escape_markdown
from citeqa.errors import CiteqaError, InputError

log = logging.getLogger("citeqa.app")

NO_COOKIE = ("Your conversations are kept by a cookie this browser did not send: allow cookies for this "
             "site and reload the page.")


@dataclass
class HistoryPanel:
    save: object  # (conv_id, conversation, request) -> (conv_id, list update): after each answer
    inputs: list
    outputs: list
    conv_id: gr.State
    wire: object  # (restore_outputs) -> None: the panel's events, once the chat's components exist
    opened: list = field(default_factory=list)  # the Open event, once wired: the page shows its scope after it


def owner_folder(store: ConversationStore, request) -> str:
    """The caller's conversation folder, from the server's side of the request only."""
    username = getattr(request, "username", None) if request is not None else None
    if username:
        return store.login_folder(username)
    cookies = getattr(request, "cookies", None) if request is not None else None
    visitor = store.owners.cookie_visitor(cookies.get(VISITOR_COOKIE) if cookies else None)
    if visitor is None:
        raise InputError(NO_COOKIE)
    return store.owners.visitor_folder(visitor)


def _choices(store: ConversationStore, who) -> list[tuple[str, str]]:
    try:
        items = store.list(who)
    except CiteqaError:
        return []
    return [(f"{d['title']} · {time.strftime('%d %b %H:%M', time.localtime(d['updated']))}", d["id"]) for d in items]


def build_history_panel(app: gr.Blocks, engine, conversation: gr.State, scope: gr.State) -> HistoryPanel:
    """Lay out the panel where it is called; `wire([chatbot, panel, export text, download])` then
    connects it (those are refreshed when an earlier conversation is opened). A conversation keeps its
    `scope` (collection and ticked documents) and gets it back when opened; the ask checks it again."""
    store = ConversationStore(Path(engine.assistant.settings.index_path) / "conversations")
    conv_id = gr.State(None)

    def identify(request: gr.Request):
        try:
            return gr.Dropdown(choices=_choices(store, owner_folder(store, request)), value=None), ""
        except CiteqaError as e:
            return gr.Dropdown(choices=[], value=None), f"✗ {e}"

    def save(conv, conv_state, scope, request: gr.Request):
        if not (conv_state or {}).get("turns"):
            return gr.skip(), gr.skip()
        conv = conv or new_id()
        s = engine.assistant.settings
        try:
            who = owner_folder(store, request)
            store.save(who, conv, conv_state, {"answerer": s.answerer, "k": s.k, "corpus": Path(s.corpus_path).name,
                                               "scope": scope if isinstance(scope, dict) else None})
        except (CiteqaError, OSError) as e:  # the answer is shown either way; keeping it failed
            log.warning("conversation not saved: %s", e)
            return conv, gr.skip()
        return conv, gr.Dropdown(choices=_choices(store, who), value=conv)

    def open_one(chosen, request: gr.Request):
        if not chosen:
            return (gr.skip(),) * 7 + ("Choose a conversation to open.",)
        try:
            data = store.load(owner_folder(store, request), chosen)
        except CiteqaError as e:
            return (gr.skip(),) * 7 + (f"✗ {e}",)
        conv_state = {**new_conversation(), **(data.get("conversation") or {})}
        markdown = conversation_markdown(conv_state)
        kept = (data.get("settings") or {}).get("scope")  # checked again (scopes.py) before it is shown or asked
        return (conv_state, chosen, conv_state["messages"], panel_placeholder(), markdown, gr.update(value=None),
                kept if isinstance(kept, dict) else None, f"Opened “{escape_markdown(data.get('title', ''))}”.")

    def rename(chosen, name, request: gr.Request):
        if not chosen:
            return gr.skip(), "Choose a conversation to rename."
        try:
            who = owner_folder(store, request)
            store.rename(who, chosen, name)
        except CiteqaError as e:
            return gr.skip(), f"✗ {e}"
        return gr.Dropdown(choices=_choices(store, who), value=chosen), "Renamed."

    def delete(chosen, current, request: gr.Request):
        if not chosen:
            return gr.skip(), gr.skip(), "Choose a conversation to delete."
        try:
            who = owner_folder(store, request)
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
        app.load(identify, None, [chosen, status], api_visibility="private", queue=False)
        opened = open_btn.click(open_one, [chosen], [conversation, conv_id, *restore_outputs, scope, status],
                                api_visibility="private", queue=False)
        panel.opened.append(opened)
        rename_btn.click(rename, [chosen, new_name], [chosen, status], api_visibility="private", queue=False)
        delete_btn.click(delete, [chosen, conv_id], [chosen, conv_id, status], api_visibility="private",
                         queue=False)

    panel = HistoryPanel(save, [conv_id, conversation, scope], [conv_id, chosen], conv_id, wire)
    return panel
