"""Who may change what (no Gradio import). Visitors ask and read; an operator changes what is indexed
and how: the corpus folder, the answerer, uploads, remove and re-index.

An operator is either a browser session that signed in with the operator password (kept in that
session's server-side gr.State, bound to the login it signed in under) or, under --auth, a login named
as an operator. Every handler that reaches an operator power asks `AccessPolicy.actor` for the caller
and passes the Actor on to the Engine, which refuses a visitor: hiding a button is not access control,
because any event can be called through /gradio_api/queue/join by its fn_index.

Password guesses are limited per client address and across the server (limits.SignInLimiter), on
whichever route the sign-in arrives; a refused guess is answered at once, never compared.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Iterable

from citeqa.app.limits import SignInLimiter, client_key
from citeqa.errors import CiteqaError

MIN_PASSWORD_CHARS = 8


class OperatorRequired(CiteqaError):
    """A visitor asked for an operator power."""


@dataclass(frozen=True)
class Actor:
    """Who is calling: an operator or a visitor, and a name for messages and the server log."""

    operator: bool
    name: str

    def require(self, what: str) -> None:
        if not self.operator:
            raise OperatorRequired(f"Only an operator can {what}; you are signed in as a visitor.")


VISITOR = Actor(False, "visitor")
OPERATOR = Actor(True, "operator")  # the Python API and the tests, which hold the Engine themselves


def signed_out() -> dict:
    """The per-session role state: not an operator until the session signs in."""
    return {"operator": False, "user": None}


class AccessPolicy:
    """The operator password (or None) and the operator logins under --auth."""

    def __init__(self, password: str | None = None, operators: Iterable[str] = (), logins: Iterable[str] = ()):
        if password is not None and len(password) < MIN_PASSWORD_CHARS:
            raise CiteqaError(f"The operator password must have at least {MIN_PASSWORD_CHARS} characters.")
        self._password = password
        self.operators = frozenset(operators)
        self.logins = frozenset(logins) | self.operators  # every --auth login: a collection is given to some of them
        self.limiter = SignInLimiter()

    @property
    def password_sign_in(self) -> bool:
        return self._password is not None

    @property
    def any_operator(self) -> bool:
        return self._password is not None or bool(self.operators)

    def actor(self, role: dict | None, username: str | None) -> Actor:
        """The caller of one event: `role` is the session's state, `username` the --auth login (or None)."""
        if username is not None and username in self.operators:
            return Actor(True, f"login {username}")
        role = role or {}
        # A signed-in session stays bound to the login it signed in under.
        if self._password is not None and role.get("operator") is True and role.get("user") == username:
            return Actor(True, "signed in with the operator password")
        return VISITOR

    def sign_in(self, password: str | None, username: str | None, client: str | None = None) -> dict:
        """The new role state for a sign-in attempt from the address `client`; raises OperatorRequired
        when it fails, or, without comparing, while that address (or the server) must wait."""
        if self._password is None:
            raise OperatorRequired("Operator sign-in is off: start the app with --operator-password "
                                   "(or CITEQA_OPERATOR_PASSWORD) to enable it.")
        key = client_key(client)
        refusal = self.limiter.admit(key)
        if refusal is not None:
            raise OperatorRequired(refusal)
        given = str(password or "").encode("utf-8")
        if not hmac.compare_digest(given, self._password.encode("utf-8")):
            raise OperatorRequired("That is not the operator password.")
        self.limiter.succeeded(key)
        return {"operator": True, "user": username}

    def locked_reason(self, what: str) -> str:
        """The reason a visitor reads where one operator power would be, e.g. `add documents`."""
        if self._password is not None:
            return f"Only an operator can {what} — sign in on the Settings tab."
        if self.operators:
            return f"Only an operator can {what} — log in with an operator account."
        return f"Only an operator can {what}; this app was started without one, so it is done on the server."

    def visitor_reason(self, on_settings_tab: bool = False) -> str:
        """One line for a visitor, under the controls they cannot use."""
        if self._password is not None:
            where = "above" if on_settings_tab else "as operator (Settings tab)"
            return f"🔒 Operator only: sign in {where} to change this. Visitors can ask and read."
        if self.operators:
            return "🔒 Operator only: log in as an operator account to change this. Visitors can ask and read."
        return ("🔒 Operator only: this app was started without an operator (--operator-password or --operator), "
                "so documents and settings are changed on the server, not from the page.")
