"""The Chat tab's sidebar of earlier conversations: each browser's chats kept on the server (history.py),
listed newest first by their first question beside the chat (as Open WebUI and ChatGPT show them), found
by a search of their titles and questions, opened by a click with their citations clickable, renamed or
deleted; New conversation starts over.

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
from citeqa.app.history import VISITOR_COOKIE, Conversations, matching, new_id
from citeqa.app.history_server import conversation_store
from citeqa.app.panel import panel_placeholder
from citeqa.app.rendering import escape_markdown
from citeqa.errors import CiteqaError, InputError

log = logging.getLogger("citeqa.app")

NO_COOKIE = ("Your conversations are kept by a cookie this browser did not send: allow cookies for this "
             "site and reload the page.")


@dataclass
class HistoryPanel:
    save: object  # (conv_id, conversation, scope, search, request) -> (conv_id, list, its note): after each answer
    inputs: list
    outputs: list
    conv_id: gr.State
    wire: object  # (restore_outputs) -> None: the panel's events, once the chat's components exist
    chosen: gr.Radio  # the list; the chat's New chat clears its selection
    new_chat: gr.Button  # New conversation in the sidebar: the chat wires it to its own reset
    opened: list = field(default_factory=list)  # the click that opens one, once wired: its scope is shown after


def owner_folder(store: Conversations, request) -> str:
    """The caller's conversation folder, from the server's side of the request only."""
    username = getattr(request, "username", None) if request is not None else None
    if username:
        return store.login_folder(username)
    cookies = getattr(request, "cookies", None) if request is not None else None
    visitor = store.owners.cookie_visitor(cookies.get(VISITOR_COOKIE) if cookies else None)
    if visitor is None:
        raise InputError(NO_COOKIE)
    return store.owners.visitor_folder(visitor)


def _choices(store: Conversations, who, search: str = "") -> list[tuple[str, str]]:
    try:
        items = matching(store.list(who), search)
    except CiteqaError:
        return []
    return [(f"{d['title']} · {time.strftime('%d %b %H:%M', time.localtime(d['updated']))}", d["id"]) for d in items]


def _listing(store: Conversations, who, search, value=None) -> tuple:
    """The list's update (keeping `value` selected when still listed) and a line when it is empty."""
    choices = _choices(store, who, search if isinstance(search, str) else "")
    kept = value if value in {c[1] for c in choices} else None
    if choices:
        note = ""
    elif isinstance(search, str) and search.strip():
        note = f"No conversation matches “{escape_markdown(search.strip())}”."
    else:
        note = "No conversations yet: each one you start is kept here."
    return gr.Radio(choices=choices, value=kept), note


class _Events:
    """The sidebar's handlers. Each finds its owner from the request (`owner_folder`), never from an input.
    (Methods, so Gradio names each event after the method: identify, save, search_list, open_one, ...)"""

    def __init__(self, engine):
        self.engine = engine
        self.store = conversation_store(engine.assistant.settings)

    def identify(self, request: gr.Request):
        try:
            return _listing(self.store, owner_folder(self.store, request), "")
        except CiteqaError as e:
            return gr.Radio(choices=[], value=None), f"✗ {e}"

    def save(self, conv, conv_state, scope, search, request: gr.Request):
        if not (conv_state or {}).get("turns"):
            return gr.skip(), gr.skip(), gr.skip()
        conv = conv or new_id()
        s = self.engine.assistant.settings
        try:
            who = owner_folder(self.store, request)
            kept = {"answerer": s.answerer, "k": s.k, "corpus": Path(s.corpus_path).name,
                    "scope": scope if isinstance(scope, dict) else None}
            self.store.save(who, conv, conv_state, kept)
        except (CiteqaError, OSError) as e:  # the answer is shown either way; keeping it failed
            log.warning("conversation not saved: %s", e)
            return conv, gr.skip(), gr.skip()
        return (conv, *_listing(self.store, who, search, conv))

    def search_list(self, search, chosen, request: gr.Request):
        try:
            return _listing(self.store, owner_folder(self.store, request), search, chosen)
        except CiteqaError as e:
            return gr.skip(), f"✗ {e}"

    def open_one(self, chosen, request: gr.Request):
        if not chosen:
            return (gr.skip(),) * 7 + ("Choose a conversation to open.",)
        try:
            data = self.store.load(owner_folder(self.store, request), chosen)
        except CiteqaError as e:
            return (gr.skip(),) * 7 + (f"✗ {e}",)
        conv_state = {**new_conversation(), **(data.get("conversation") or {})}
        markdown = conversation_markdown(conv_state)
        kept = (data.get("settings") or {}).get("scope")  # checked again (scopes.py) before it is shown or asked
        return (conv_state, chosen, conv_state["messages"], panel_placeholder(), markdown, gr.update(value=None),
                kept if isinstance(kept, dict) else None, f"Opened “{escape_markdown(data.get('title', ''))}”.")

    def rename(self, chosen, name, search, request: gr.Request):
        if not chosen:
            return gr.skip(), "Choose a conversation to rename."
        try:
            who = owner_folder(self.store, request)
            self.store.rename(who, chosen, name)
        except CiteqaError as e:
            return gr.skip(), f"✗ {e}"
        return _listing(self.store, who, search, chosen)[0], "Renamed."

    def delete(self, chosen, current, search, request: gr.Request):
        if not chosen:
            return gr.skip(), gr.skip(), "Choose a conversation to delete."
        try:
            who = owner_folder(self.store, request)
            self.store.delete(who, chosen)
        except CiteqaError as e:
            return gr.skip(), gr.skip(), f"✗ {e}"
        # Deleting the open conversation keeps it on screen; the next question starts a new saved one.
        return _listing(self.store, who, search)[0], (None if chosen == current else current), "Deleted."


def build_history_panel(app: gr.Blocks, engine, conversation: gr.State, scope: gr.State) -> HistoryPanel:
    """Lay out the sidebar where it is called (a column of the chat's row, left of the chat);
    `wire([chatbot, panel, export text, download])` then connects it (those are refreshed when an earlier
    conversation is opened). A conversation keeps its `scope` (collection and ticked documents) and gets
    it back when opened; the ask checks it again."""
    events = _Events(engine)
    conv_id = gr.State(None)
    # A narrow column left of the chat, always shown: New conversation, the search, then the list (which
    # scrolls on its own, style.py); rename and delete act on the opened one, tucked away below.
    with gr.Column(scale=2, min_width=180, elem_id="cq-history"):
        new_btn = gr.Button("+ New conversation", size="sm", elem_id="cq-history-new")
        search = gr.Textbox(show_label=False, placeholder="Search conversations", max_lines=1,
                            elem_id="cq-history-search")
        chosen = gr.Radio(label="Your conversations", choices=[], elem_id="cq-history-list")
        status = gr.Markdown(elem_id="cq-history-status")
        with gr.Accordion("Rename or delete", open=False, elem_id="cq-history-edit"):
            new_name = gr.Textbox(show_label=False, placeholder="New name", max_lines=1, elem_id="cq-history-name")
            with gr.Row():
                rename_btn = gr.Button("Rename", size="sm", min_width=60, elem_id="cq-history-rename")
                delete_btn = gr.Button("Delete", size="sm", variant="stop", min_width=60, elem_id="cq-history-delete")

    def wire(restore_outputs: list) -> None:
        private = {"api_visibility": "private", "queue": False}
        app.load(events.identify, None, [chosen, status], **private)
        # On every change (typed, pasted or cleared: the textbox's input event follows keys only).
        search.change(events.search_list, [search, chosen], [chosen, status], show_progress="hidden",
                      trigger_mode="always_last", **private)
        # A click on an entry (a user's input, not the list updated after an answer) opens it.
        opened = chosen.input(events.open_one, [chosen], [conversation, conv_id, *restore_outputs, scope, status],
                              **private)
        panel.opened.append(opened)
        new_btn.click(lambda: "", None, status, show_progress="hidden", **private)
        rename_btn.click(events.rename, [chosen, new_name, search], [chosen, status], **private)
        delete_btn.click(events.delete, [chosen, conv_id, search], [chosen, conv_id, status], **private)

    panel = HistoryPanel(events.save, [conv_id, conversation, scope, search], [conv_id, chosen, status], conv_id, wire,
                         chosen, new_btn)
    return panel
