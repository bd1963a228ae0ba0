"""Who is an operator, decided on the server: the password sign-in (constant-time compare, guesses
limited per address without ever sleeping, bound to the login it signed in under), the --operator
logins, and the flags that configure them (refused when they cannot work)."""

import time

import pytest

from citeqa.app.access import OPERATOR, VISITOR, AccessPolicy, OperatorRequired, signed_out
from citeqa.app.server import access_policy, build_parser
from citeqa.errors import InputError


def test_password_sign_in_makes_that_session_an_operator():
    policy = AccessPolicy("long-enough-pw")
    assert policy.actor(signed_out(), None) == VISITOR
    started = time.perf_counter()
    with pytest.raises(OperatorRequired, match="not the operator password"):
        policy.sign_in("long-enough-pX", None, client="127.0.0.1")
    # Refused without a check (not even the right password) while that address backs off; never slept.
    with pytest.raises(OperatorRequired, match=r"from your address: try again in 1 s"):
        policy.sign_in("long-enough-pw", None, client="127.0.0.1")
    assert time.perf_counter() - started < 0.5
    role = policy.sign_in("long-enough-pw", None, client="127.0.0.2")  # another address is checked at once
    assert policy.actor(role, None).operator
    # A role state signed in under one login does not carry over to another login.
    assert not policy.actor(policy.sign_in("long-enough-pw", "bob", client="10.0.0.3"), "mallory").operator
    # A forged state cannot stand in for a sign-in when sign-in is off.
    assert not AccessPolicy(operators=["alice"]).actor({"operator": True, "user": "bob"}, "bob").operator


def test_operator_logins_and_visitor_refusals():
    policy = AccessPolicy(operators=["alice"])
    assert policy.actor(None, "alice").operator and not policy.actor(None, "bob").operator
    with pytest.raises(OperatorRequired, match="sign-in is off"):
        policy.sign_in("anything-at-all", "bob")
    with pytest.raises(OperatorRequired, match="Only an operator can remove documents"):
        VISITOR.require("remove documents")
    OPERATOR.require("remove documents")
    assert "without an operator" in AccessPolicy().visitor_reason()


def test_flags_that_cannot_work_are_refused(monkeypatch):
    monkeypatch.delenv("CITEQA_OPERATOR_PASSWORD", raising=False)
    monkeypatch.delenv("CITEQA_OPERATORS", raising=False)
    parse = build_parser().parse_args
    with pytest.raises(InputError, match="at least 8 characters"):
        access_policy(parse(["--operator-password", "short"]), None)
    with pytest.raises(InputError, match="--operator carol is not a login"):
        access_policy(parse(["--operator", "carol"]), [("alice", "pw")])
    assert access_policy(parse(["--operator", "alice"]), [("alice", "pw")]).operators == {"alice"}
    monkeypatch.setenv("CITEQA_OPERATOR_PASSWORD", "from-the-environment")
    assert access_policy(parse([]), None).password_sign_in
