"""Guessing the operator password, raw, as an attacker does: on every route (run/predict, outside the
queue, included) a wrong guess makes that address wait 1, 2, 4 ... s, and guesses meanwhile are
answered at once without being compared, so a flood of 120 parallel guesses gets a handful of checks
(a right password in the middle of it is refused unchecked); and a flood from one address never keeps
the operator, signing in from another address, waiting more than 3 s."""

import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest

from queue_client import OPERATOR_PASSWORD, QueueClient, app_env, make_workspace, new_session, serve

WRONG = "✗ That is not the operator password."  # what a compared guess gets
BACKED_OFF = re.compile(r"^✗ Too many wrong passwords from your address: try again in \d+ s\.$")
SIGNED_IN = "✓ Signed in as operator in this browser session."


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    work = make_workspace(tmp_path_factory.mktemp("sign-in-app"))
    with serve(work, env=app_env(work, CITEQA_OPERATOR_PASSWORD=OPERATOR_PASSWORD)) as (url, _log):
        yield url


def _message(reply: dict) -> str:
    assert reply.get("error") is None, reply
    return reply["data"][2]


def test_a_flood_of_guesses_from_one_address_gets_a_handful_of_checks(url):
    client = QueueClient(url)
    for wait in (1, 2):  # two wrong guesses, each after the back-off ends: the address now waits 4 s
        assert _message(client.sign_in(new_session(), "wrong-guess", route="predict")) == WRONG
        time.sleep(wait + 0.2)
    assert _message(client.sign_in(new_session(), "wrong-guess", route="predict")) == WRONG
    guesses = [f"wrong-guess-{i}" for i in range(120)]
    guesses[60] = OPERATOR_PASSWORD  # the right one, in the middle of the flood
    with ThreadPoolExecutor(32) as pool:
        replies = list(pool.map(lambda g: _message(client.sign_in(new_session(), g, route="predict")), guesses))
    compared = [m for m in replies if m == WRONG]
    assert len(compared) <= 3, f"{len(compared)} of 120 guesses were compared"
    assert BACKED_OFF.match(replies[60]), replies[60]  # refused unchecked while backed off
    assert all(m == WRONG or BACKED_OFF.match(m) for m in replies) and SIGNED_IN not in replies


def test_a_flood_does_not_keep_the_operator_waiting(url):
    attacker, operator = QueueClient(url), QueueClient(url, source="127.0.0.2")
    routes = ["queue"] * 30 + ["predict"] * 100
    with ThreadPoolExecutor(48) as pool:
        flood = [pool.submit(lambda r: _message(attacker.sign_in(new_session(), "wrong-guess", route=r)), r)
                 for r in routes]
        next(as_completed(flood))  # the flood is under way
        for route in ("predict", "queue"):  # the page's route, and the queue's
            session, started = new_session(), time.perf_counter()
            assert _message(operator.sign_in(session, route=route)) == SIGNED_IN
            waited = time.perf_counter() - started
            assert waited < 3.0, f"the operator waited {waited:.1f} s ({route})"
        still_running = sum(not f.done() for f in flood)
        assert operator.call("cq-reindex", "click", [None], session)["data"][0].startswith("Re-indexed")
        replies = [f.result() for f in flood]
    assert still_running, "the flood ended before the operator signed in: the test proved nothing"
    assert SIGNED_IN not in replies and sum(m == WRONG for m in replies) <= 1
