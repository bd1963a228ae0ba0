"""The server's rate limits on a clock the test turns: a wrong operator password makes that address
wait 1, 2, 4 ... 60 s (refused unchecked meanwhile, parallel guesses included), forgotten after 15
quiet minutes; the whole server checks only a few guesses a second from addresses that failed, and a
crowd of new addresses is capped too; upload bytes are budgeted per address and in total."""

import re

import pytest

from citeqa.app.limits import (FRESH_BURST, SIGN_IN_FORGET_AFTER, ByteBudget, SignInLimiter, client_key)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_wrong_passwords_back_off_per_address():
    clock = Clock()
    limiter = SignInLimiter(clock)
    waits = []
    for _ in range(9):
        assert limiter.admit("a") is None  # checked (and, unless it succeeds, a failure)
        refusal = limiter.admit("a")  # at once again: refused unchecked, with the seconds to wait
        waits.append(int(re.search(r"from your address: try again in (\d+) s\.$", refusal).group(1)))
        clock.now += waits[-1]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert limiter.admit("b") is None  # another address is not held back
    clock.now += SIGN_IN_FORGET_AFTER + 1
    assert limiter.admit("a") is None and "in 1 s" in limiter.admit("a")  # forgotten: starts over
    limiter.succeeded("a")
    assert limiter.admit("a") is None  # a right password clears the address


def test_parallel_guesses_from_one_address_get_one_check():
    limiter = SignInLimiter(Clock())
    assert [limiter.admit("a") is None for _ in range(120)].count(True) == 1


def test_the_server_checks_few_guesses_a_second():
    clock = Clock()
    limiter = SignInLimiter(clock)
    for i in range(50):  # fifty addresses that each failed once...
        assert limiter.admit(f"10.0.0.{i}") is None
        clock.now += 0.2
    clock.now += 1  # ...all back at once after their back-off: a few are checked, the rest told to wait
    admitted = [limiter.admit(f"10.0.0.{i}") is None for i in range(50)]
    assert admitted.count(True) == 3 and "at the moment: try again in 1 s" in limiter.admit("10.0.0.49")
    crowd = [limiter.admit(f"10.1.0.{i}") is None for i in range(200)]  # new addresses all at once
    assert crowd.count(True) <= FRESH_BURST + 1


def test_ipv6_clients_count_by_their_64():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("[2001:db8:1:2:bbbb::9]") == "2001:db8:1:2::/64"
    assert client_key("::ffff:10.0.0.1") == "10.0.0.1" and client_key("127.0.0.2") == "127.0.0.2"
    assert client_key(None) == "unknown"


@pytest.mark.parametrize("window", [600.0])
def test_upload_bytes_are_budgeted_per_address_and_in_total(window):
    clock = Clock()
    budget = ByteBudget(per_client=10, total=25, window=window, total_window=2 * window, clock=clock)
    assert budget.spend("a", 6) is None and budget.spend("a", 4) is None
    which, wait = budget.spend("a", 1)
    assert which == "client" and wait == window
    assert budget.spend("b", 10) is None and budget.spend("c", 5) is None
    assert budget.spend("d", 1)[0] == "total"
    clock.now += window + 1  # the addresses' window has passed, the total's (what the cache may hold) not
    assert budget.spend("a", 1)[0] == "total"
    clock.now += window
    assert budget.spend("a", 10) is None and budget.spend("d", 10) is None
