"""Each browser's conversations, kept on the server under the index folder, listed by their first
question, with rename and delete (what users of Open WebUI and AnythingLLM expect after a reload).

    <index>/conversations/<owner folder>/<conversation id>.json

Whose folder an event reaches is decided on the server for every event, never by a value the page
sends: a logged-in user (--auth) by the login, so their chats follow them; anyone else by a visitor
cookie the server issued (HttpOnly, signed with the server's secret, so a page can neither read nor
forge it). Folder names are an HMAC of that secret, so nobody can work out another's folder from a
login name. Ids are checked against a strict pattern before they touch a path. Files are written
whole (temporary file, then rename), so a crash never leaves half a conversation.

With a Chroma server (`chroma_url`), conversations and the secret are kept in the server instead
(history_server.py), so every app process behind a load balancer serves the same ones;
`history_server.conversation_store(settings)` picks the store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from citeqa.errors import InputError

MAX_CONVERSATIONS = 200  # per owner; the oldest go first
MAX_TITLE_CHARS = 80
VISITOR_COOKIE = "citeqa_visitor"  # the signed id of an anonymous visitor (middleware.py sets it)
_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return secrets.token_hex(16)


def legacy_user_key(username: str) -> str:
    """Where a login's conversations were kept before folder names were keyed: anyone could compute it."""
    return hashlib.sha256(f"user:{username}".encode()).hexdigest()[:32]


class Owners:
    """Folder names and visitor cookies, both keyed by the server's secret."""

    def __init__(self, secret: str):
        self._key = secret.encode()

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def login_folder(self, username: str) -> str:
        return self._mac(f"login:{username}")[:32]

    def visitor_folder(self, visitor: str) -> str:
        return self._mac(f"visitor:{visitor}")[:32]

    def new_cookie(self) -> str:
        visitor = new_id()
        return f"{visitor}.{self._mac(f'cookie:{visitor}')}"

    def cookie_visitor(self, value: str | None) -> str | None:
        """The visitor id a cookie names, when the server signed it; else None."""
        visitor, _, mac = str(value or "").partition(".")
        if not _ID.match(visitor) or not hmac.compare_digest(mac.encode(), self._mac(f"cookie:{visitor}").encode()):
            return None
        return visitor


def _title(conversation: dict) -> str:
    questions = conversation.get("questions") or [t.get("question", "") for t in conversation.get("turns") or []]
    first = " ".join(str(questions[0]).split()) if questions else "New conversation"
    return first if len(first) <= MAX_TITLE_CHARS else first[: MAX_TITLE_CHARS - 1] + "…"


def check_owner(owner) -> str:
    if not isinstance(owner, str) or not _ID.match(owner):
        raise InputError("This browser has no conversation list yet: reload the page.")
    return owner


def check_conversation(conv) -> str:
    if not isinstance(conv, str) or not _ID.match(conv):
        raise InputError("That conversation does not exist.")
    return conv


def summary(data: dict) -> dict:
    """What the list shows of a kept conversation: {title, updated, turns, questions}."""
    conversation = data.get("conversation") or {}
    return {"title": data.get("title", ""), "updated": data.get("updated", 0),
            "turns": len(conversation.get("turns") or []),
            "questions": [str(q) for q in conversation.get("questions")
                          or [t.get("question", "") for t in conversation.get("turns") or []]]}


def kept(old: dict, conv: str, conversation: dict, settings: dict) -> dict:
    """The record to keep for `conversation`, given the one kept before ({} if none): its name, unless
    renamed, follows the first question."""
    now = time.time()
    renamed = old.get("renamed", False)
    return {"id": conv, "title": (old.get("title") if renamed else None) or _title(conversation), "renamed": renamed,
            "created": old.get("created", now), "updated": now, "settings": settings, "conversation": conversation}


def new_title(title) -> str:
    title = " ".join(str(title or "").split())[:MAX_TITLE_CHARS]
    if not title:
        raise InputError("Give the conversation a name.")
    return title


class Conversations:
    """What every store shares: owners keyed by its secret, and pruning to MAX_CONVERSATIONS."""

    _owners: Owners | None = None

    def secret(self) -> str:
        raise NotImplementedError

    @property
    def owners(self) -> Owners:
        if self._owners is None:
            self._owners = Owners(self.secret())
        return self._owners

    def list(self, owner: str) -> list[dict]:
        raise NotImplementedError

    def delete(self, owner: str, conv: str) -> None:
        raise NotImplementedError

    def _prune(self, owner: str) -> None:
        for old in self.list(owner)[MAX_CONVERSATIONS:]:
            self.delete(owner, old["id"])


class ConversationStore(Conversations):
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def secret(self) -> str:
        """The server's secret for folder names and visitor cookies; made once, kept with the
        conversations, never sent anywhere. (`.secret`, the key of the old browser ids, was published
        in the page's config, so it is not reused.)"""
        path = self.folder / ".key"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)  # never replaces a key another process made first
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
            (self.folder / ".secret").unlink(missing_ok=True)  # the published key of the old browser ids
            return path.read_text().strip()

    def login_folder(self, username: str) -> str:
        """A login's folder; its conversations from before keyed folder names are moved there once.
        (Anonymous folders of that time cannot be told apart from forged ones, so they stay unlisted.)"""
        folder = self.owners.login_folder(username)
        old, new = self.folder / legacy_user_key(username), self.folder / folder
        if old.is_dir():
            try:
                if not new.exists():
                    os.rename(old, new)
                else:
                    for path in old.glob("*.json"):
                        if not (new / path.name).exists():
                            os.rename(path, new / path.name)
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass  # another request moved it first; listing the new folder is right either way
        return folder

    def _dir(self, owner: str) -> Path:
        return self.folder / check_owner(owner)

    def _file(self, owner: str, conv: str) -> Path:
        return self._dir(owner) / f"{check_conversation(conv)}.json"

    def list(self, owner: str) -> list[dict]:
        """{id, title, updated, turns, questions}, newest first."""
        out = []
        folder = self._dir(owner)
        for path in folder.glob("*.json") if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a file that cannot be read is not listed
            out.append({"id": path.stem, **summary(data)})
        return sorted(out, key=lambda d: -d["updated"])

    def load(self, owner: str, conv: str) -> dict:
        path = self._file(owner, conv)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("That conversation was deleted.") from None
        except (OSError, ValueError):
            raise InputError("That conversation cannot be read.") from None

    def save(self, owner: str, conv: str, conversation: dict, settings: dict) -> None:
        """Write the conversation (questions, answers with their citations, the settings used)."""
        path = self._file(owner, conv)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        _write(path, json.dumps(kept(old, conv, conversation, settings), ensure_ascii=False))
        self._prune(owner)

    def rename(self, owner: str, conv: str, title: str) -> None:
        title = new_title(title)
        data = self.load(owner, conv)
        data.update(title=title, renamed=True)
        _write(self._file(owner, conv), json.dumps(data, ensure_ascii=False))

    def delete(self, owner: str, conv: str) -> None:
        self._file(owner, conv).unlink(missing_ok=True)


def matching(listed: list[dict], text: str) -> list[dict]:
    """The listed conversations whose title or questions hold every word of `text` (any case), in order:
    the sidebar's search, so a chat is found by a question asked after its first."""
    words = str(text or "").casefold().split()
    if not words:
        return listed
    found = []
    for d in listed:
        haystack = " ".join([str(d.get("title", "")), *d.get("questions", [])]).casefold()
        if all(w in haystack for w in words):
            found.append(d)
    return found


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
