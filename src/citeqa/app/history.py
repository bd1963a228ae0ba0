"""Each browser's conversations, kept on the server under the index folder, listed by their first
question, with rename and delete (what users of Open WebUI and AnythingLLM expect after a reload).

    <index>/conversations/<browser id>/<conversation id>.json

A browser is known by a random id the server hands it (kept in the browser's localStorage, encrypted
with a key stored beside the conversations, so a page cannot forge another browser's id); a logged-in
user (--auth) is known by the login instead, so their chats follow them. Ids are checked against a
strict pattern before they touch a path. Files are written whole (temporary file, then rename), so a
crash never leaves half a conversation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from citeqa.errors import InputError

MAX_CONVERSATIONS = 200  # per browser; the oldest go first
MAX_TITLE_CHARS = 80
_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return secrets.token_hex(16)


def user_key(username: str) -> str:
    """A logged-in user's conversations: the same id from any browser."""
    return hashlib.sha256(f"user:{username}".encode()).hexdigest()[:32]


def _title(conversation: dict) -> str:
    questions = conversation.get("questions") or [t.get("question", "") for t in conversation.get("turns") or []]
    first = " ".join(str(questions[0]).split()) if questions else "New conversation"
    return first if len(first) <= MAX_TITLE_CHARS else first[: MAX_TITLE_CHARS - 1] + "…"


class ConversationStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def secret(self) -> str:
        """The key that encrypts browser ids in localStorage; made once, kept with the conversations."""
        path = self.folder / ".secret"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(path, secrets.token_hex(32))
            return path.read_text().strip()

    def _dir(self, browser: str) -> Path:
        if not isinstance(browser, str) or not _ID.match(browser):
            raise InputError("This browser has no conversation list yet: reload the page.")
        return self.folder / browser

    def _file(self, browser: str, conv: str) -> Path:
        if not isinstance(conv, str) or not _ID.match(conv):
            raise InputError("That conversation does not exist.")
        return self._dir(browser) / f"{conv}.json"

    def list(self, browser: str) -> list[dict]:
        """{id, title, updated, turns}, newest first."""
        out = []
        folder = self._dir(browser)
        for path in folder.glob("*.json") if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a file that cannot be read is not listed
            out.append({"id": path.stem, "title": data.get("title", ""), "updated": data.get("updated", 0),
                        "turns": len((data.get("conversation") or {}).get("turns") or [])})
        return sorted(out, key=lambda d: -d["updated"])

    def load(self, browser: str, conv: str) -> dict:
        path = self._file(browser, conv)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("That conversation was deleted.") from None
        except (OSError, ValueError):
            raise InputError("That conversation cannot be read.") from None

    def save(self, browser: str, conv: str, conversation: dict, settings: dict) -> None:
        """Write the conversation (questions, answers with their citations, the settings used)."""
        path = self._file(browser, conv)
        path.parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        data = {"id": conv, "title": old.get("title") or _title(conversation), "renamed": old.get("renamed", False),
                "created": old.get("created", now), "updated": now, "settings": settings, "conversation": conversation}
        if not data["renamed"]:
            data["title"] = _title(conversation)
        _write(path, json.dumps(data, ensure_ascii=False))
        self._prune(browser)

    def rename(self, browser: str, conv: str, title: str) -> None:
        title = " ".join(str(title or "").split())[:MAX_TITLE_CHARS]
        if not title:
            raise InputError("Give the conversation a name.")
        data = self.load(browser, conv)
        data.update(title=title, renamed=True)
        _write(self._file(browser, conv), json.dumps(data, ensure_ascii=False))

    def delete(self, browser: str, conv: str) -> None:
        self._file(browser, conv).unlink(missing_ok=True)

    def _prune(self, browser: str) -> None:
        for old in self.list(browser)[MAX_CONVERSATIONS:]:
            self.delete(browser, old["id"])


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
