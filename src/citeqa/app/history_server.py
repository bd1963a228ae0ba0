"""Conversations kept in the Chroma server (`chroma_url` set), so that every app process behind a load
balancer, with or without sticky sessions, lists, opens, continues, renames and deletes the same ones,
and accepts the visitor cookie another process issued.

In the server's database (chroma_tenant / chroma_database):
- `citeqa-conversations`: one record per conversation, id `<owner>:<conversation>`; its document is the
  conversation as the file store keeps it (JSON), its metadata what the list shows (owner, title,
  updated, created, renamed, turns, questions as JSON), so listing reads no conversation whole;
- `citeqa-meta`: `conversation-secret`, the secret of owners' names and visitor cookies.
Chroma wants a vector per record: each carries the same one-dimensional [1.0] (nothing is searched by
meaning). Owners and ids are checked exactly as the file store checks them (history.py).
"""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path

from citeqa.app.history import (ConversationStore, Conversations, check_conversation, check_owner, kept, new_title,
                                summary)
from citeqa.errors import CiteqaError, InputError
from citeqa.index import chroma
from citeqa.index.server_state import META_COLLECTION
from citeqa.settings import Settings

CONVERSATIONS = "citeqa-conversations"
META = META_COLLECTION  # one collection of the whole server, shared with the collection list
SECRET_ID = "conversation-secret"
_ONE = [1.0]  # the records' vector: Chroma requires one, nothing queries it


class ServerConversationStore(Conversations):
    def __init__(self, settings: Settings):
        self.settings = settings
        self._collections: dict[str, object] = {}
        self._lock = threading.Lock()

    def _collection(self, name: str):
        with self._lock:
            if name not in self._collections:
                self._collections[name] = chroma.collection(self.settings, name, chroma.COSINE)
            return self._collections[name]

    def _call(self, name: str, action):
        """`action(collection)`, a Chroma failure turned into the one sentence of a store that cannot be
        reached. The collection is fetched again next time (the server may have been replaced)."""
        try:
            return action(self._collection(name))
        except CiteqaError:
            raise
        except Exception as e:
            with self._lock:
                self._collections.pop(name, None)
            raise chroma.unreachable(self.settings, e) from None

    def secret(self) -> str:
        """Made once per server database: `add` never replaces an existing record, so processes starting
        at once each add their own and all read back the one that landed first."""
        def made(meta) -> str | None:
            docs = meta.get(ids=[SECRET_ID], include=["documents"])["documents"]
            return docs[0] if docs and docs[0] else None

        found = self._call(META, made)
        if found is None:
            self._call(META, lambda meta: meta.add(ids=[SECRET_ID], documents=[secrets.token_hex(32)],
                                                   embeddings=[_ONE]))
            found = self._call(META, made)
        if not found:
            raise chroma.unreachable(self.settings, RuntimeError("the conversation secret was not kept"))
        return found

    def login_folder(self, username: str) -> str:
        # (No folders from before keyed names can be in a server: nothing to move, unlike history.py.)
        return self.owners.login_folder(username)

    @staticmethod
    def _id(owner: str, conv: str) -> str:
        return f"{check_owner(owner)}:{check_conversation(conv)}"

    def list(self, owner: str) -> list[dict]:
        """{id, title, updated, turns, questions}, newest first; from the metadata alone."""
        check_owner(owner)
        got = self._call(CONVERSATIONS, lambda c: c.get(where={"owner": owner}, include=["metadatas"]))
        out = []
        for record_id, meta in zip(got["ids"], got["metadatas"] or []):
            meta = meta or {}
            try:
                questions = [str(q) for q in json.loads(meta.get("questions") or "[]")]
            except ValueError:
                questions = []
            out.append({"id": record_id.partition(":")[2], "title": str(meta.get("title", "")),
                        "updated": float(meta.get("updated", 0)), "turns": int(meta.get("turns", 0)),
                        "questions": questions})
        return sorted(out, key=lambda d: -d["updated"])

    def _get(self, owner: str, conv: str) -> dict | None:
        record = self._id(owner, conv)
        docs = self._call(CONVERSATIONS, lambda c: c.get(ids=[record], include=["documents"]))["documents"]
        if not docs:
            return None
        try:
            return json.loads(docs[0])
        except (TypeError, ValueError):
            raise InputError("That conversation cannot be read.") from None

    def load(self, owner: str, conv: str) -> dict:
        data = self._get(owner, conv)
        if data is None:
            raise InputError("That conversation was deleted.")
        return data

    def _put(self, owner: str, conv: str, data: dict) -> None:
        shown = summary(data)
        meta = {"owner": owner, "conversation": conv, "title": shown["title"], "updated": float(shown["updated"]),
                "created": float(data.get("created", shown["updated"])), "renamed": bool(data.get("renamed")),
                "turns": shown["turns"], "questions": json.dumps(shown["questions"], ensure_ascii=False)}
        record, document = self._id(owner, conv), json.dumps(data, ensure_ascii=False)
        self._call(CONVERSATIONS, lambda c: c.upsert(ids=[record], documents=[document], metadatas=[meta],
                                                     embeddings=[_ONE]))

    def save(self, owner: str, conv: str, conversation: dict, settings: dict) -> None:
        self._id(owner, conv)  # refused before anything is read
        try:
            old = self._get(owner, conv) or {}
        except InputError:
            old = {}  # a record that cannot be read is replaced, as the file store replaces a broken file
        self._put(owner, conv, kept(old, conv, conversation, settings))
        self._prune(owner)

    def rename(self, owner: str, conv: str, title: str) -> None:
        title = new_title(title)
        data = self.load(owner, conv)
        data.update(title=title, renamed=True)
        self._put(owner, conv, data)

    def delete(self, owner: str, conv: str) -> None:
        record = self._id(owner, conv)
        self._call(CONVERSATIONS, lambda c: c.delete(ids=[record]))


def conversation_store(settings: Settings) -> Conversations:
    """Where this process keeps conversations: with a Chroma server, in it (every app process behind a
    load balancer reads the same ones); else files under the index folder."""
    if settings.chroma_url:
        return ServerConversationStore(settings)
    return ConversationStore(Path(settings.index_path) / "conversations")
