"""Which collection and which of its documents a question is asked of, and who may see which collection.

A session's scope is server-side state (`{"collection": id, "sources": [indexed names] | None}`; None:
the active collection, all its documents), changed only by the events that check what they are given.
Every ask, on the page, through /ask, /chat or MCP, resolves it again here: the collection must be one
the caller may see now (an operator sees all; a collection given to some logins is seen by those), and
the ticked documents must still be in it. A collection the caller may not see is answered exactly like
one that does not exist, so its name cannot be probed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from citeqa.app.rendering import escape_markdown
from citeqa.errors import InputError
from citeqa.index.catalog import Collection

GONE = "The collection this chat asks is no longer there for you: choose another in the Collection list."


@dataclass(frozen=True)
class Asked:
    """What one question is asked of: a collection, its ticked documents (indexed names; None: all)."""

    collection: Collection
    sources: list[str] | None
    assistant: Any


def parse_sources(value) -> list[str] | None:
    """Documents from the API: a list of names, a JSON array of them, or one name; nothing or []: all."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip().startswith("[") else [value]
        except json.JSONDecodeError:
            raise InputError("sources must be a list of document names (or a JSON array of them).") from None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise InputError("sources must be a list of document names (or a JSON array of them).")
    return list(dict.fromkeys(value)) or None


class Scopes:
    def __init__(self, engine, policy):
        self.engine = engine
        self.policy = policy

    # -- who sees what --------------------------------------------------------------------------------
    def caller(self, role, request) -> tuple[str | None, bool]:
        login = getattr(request, "username", None) if request is not None else None
        return login, self.policy.actor(role, login).operator

    def visible(self, role, request) -> list[Collection]:
        login, operator = self.caller(role, request)
        return [c for c in self.engine.catalog.list() if c.visible_to(login, operator)]

    def named(self, name, role, request) -> Collection:
        """The collection the caller names (by name, any case, or id), when they may see it."""
        seen = self.visible(role, request)
        wanted = " ".join(str(name or "").split()).casefold()
        found = next((c for c in seen if c.name.casefold() == wanted or c.id == name), None)
        if found is None:
            raise InputError(f"There is no collection {str(name)[:80]!r} you can see "
                             f"(yours: {', '.join(c.name for c in seen)}).")
        return found

    def start(self, role, request) -> Collection:
        """What a new chat asks: the active collection when the caller may see it, else the default."""
        active = self.engine.active_collection()
        login, operator = self.caller(role, request)
        return active if active.visible_to(login, operator) else self.engine.catalog.default()

    # -- a session's scope ----------------------------------------------------------------------------
    def resolve(self, state, role, request) -> Asked:
        """The session's scope, checked now: its collection visible to the caller, its ticks still in it."""
        state = state if isinstance(state, dict) else {}
        if state.get("collection") is None:
            collection = self.start(role, request)
        else:
            collection = next((c for c in self.visible(role, request) if c.id == state["collection"]), None)
            if collection is None:
                raise InputError(GONE)
        assistant = self.engine.assistant_for(collection)
        sources = state.get("sources")
        if sources is not None:
            have = set(assistant.store.documents())
            sources = [s for s in sources if s in have]
            if not sources:
                raise InputError(f"The documents ticked for this chat are no longer in {collection.name}: "
                                 "tick others in Sources, or clear the ticks to ask all of it.")
        return Asked(collection, sources, assistant)

    def choose(self, name, role, request) -> dict:
        """The scope of a session that picks the collection `name`: all of its documents."""
        return {"collection": self.named(name, role, request).id, "sources": None}

    def tick(self, state, shown, role, request) -> dict:
        """The scope with these documents (as the page shows them) ticked; none ticked: all of them."""
        if shown is not None and (not isinstance(shown, list) or not all(isinstance(s, str) for s in shown)):
            raise InputError("Tick documents by their names in the Sources list.")
        asked = self.resolve({**(state or {}), "sources": None}, role, request)
        sources = self.engine.indexed_sources(shown, asked.collection) if shown else None
        return {"collection": asked.collection.id, "sources": sources}

    def api(self, collection, sources, role, request) -> Asked:
        """The scope an API call asks for: `collection` by name (None: the active one), `sources` shown names."""
        chosen = self.named(collection, role, request) if collection not in (None, "") else self.start(role, request)
        shown = parse_sources(sources)
        indexed = self.engine.indexed_sources(shown, chosen) if shown else None
        return Asked(chosen, indexed, self.engine.assistant_for(chosen))

    def public(self, result: dict | None, asked: Asked) -> dict | None:
        return self.engine.public_result(result, asked.collection)

    # -- how the page shows it ------------------------------------------------------------------------
    def view(self, state, role, request) -> dict:
        """Everything the page shows of a session's scope; a scope that no longer holds is reset (and said)."""
        note = ""
        try:
            asked = self.resolve(state, role, request)
        except InputError as e:
            note, state = str(e), None
            asked = self.resolve(None, role, request)
        docs = self.engine.documents(asked.collection)
        by_indexed = {d["source"]: d for d in self.engine.assistant_for(asked.collection).documents()}
        ticked = [self.engine.shown_source(s, asked.collection) for s in asked.sources or [] if s in by_indexed]
        titles = [str(by_indexed[s].get("title") or "") for s in asked.sources or [] if s in by_indexed]
        return {
            "state": {"collection": asked.collection.id, "sources": asked.sources},
            "collections": [c.name for c in self.visible(role, request)],
            "collection": asked.collection.name,
            "documents": [(f"{d.get('title') or d['source']} — {d['source']}", d["source"]) for d in docs],
            "ticked": ticked,
            "line": scope_line(asked.collection.name, len(docs), titles, note),
        }


def scope_line(collection: str, documents: int, titles: list[str], note: str = "") -> str:
    """One line above the chat: the collection asked and which of its documents."""
    if titles:
        shown = "; ".join(escape_markdown(t) for t in titles[:4]) + (" …" if len(titles) > 4 else "")
        which = f"**{len(titles)} ticked** of {documents}: {shown} *(change the ticks in Sources)*"
    else:
        which = f"all **{documents}** document{'s' * (documents != 1)} *(tick some in Sources to ask only those)*"
    line = f"Collection **{escape_markdown(collection)}** · asking {which}"
    return f"⚠ {escape_markdown(note)}\n\n{line}" if note else line
