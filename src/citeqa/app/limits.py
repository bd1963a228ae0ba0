"""Rate limits the server applies before it does any work (no Gradio import): the operator sign-in's
back-off and the upload byte budgets. Nothing here ever sleeps: a refused attempt is answered at once
with the seconds to wait, so a flood holds no queue slot, thread or lock.

Clients are told apart by address (`client_key`): an IPv6 client by its /64, the network one
subscriber gets, since any address in it is theirs to use.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from dataclasses import dataclass

SIGN_IN_BACKOFF_MAX = 60.0  # seconds: 1, 2, 4 ... 60 after each wrong password from one address
SIGN_IN_FORGET_AFTER = 15 * 60.0  # an address's failures are forgotten after this long without one
# Checks the whole server makes per second, as token buckets (rate, burst): addresses that failed
# recently share a small budget; a new address is checked at once unless a crowd of new addresses
# (a botnet, forged X-Forwarded-For from a local proxy) is guessing too.
FAILED_RATE, FAILED_BURST = 1.0, 3
FRESH_RATE, FRESH_BURST = 10.0, 20
MAX_TRACKED = 10_000  # addresses remembered; new ones arrive at FRESH_RATE at most

# Gradio's upload cache: an operator's documents (5 MB each, a dozen in one go) and a visitor's
# question set fit; a visitor filling the disk does not. Files are swept CACHE_SWEEP[1] seconds after
# they arrive (checked every CACHE_SWEEP[0]), so the total counts what can still be there.
UPLOAD_CLIENT_BYTES, UPLOAD_CLIENT_WINDOW = 60 * 1024 * 1024, 600.0
CACHE_SWEEP = (300, 1800)
UPLOAD_TOTAL_BYTES, UPLOAD_TOTAL_WINDOW = 600 * 1024 * 1024, float(sum(CACHE_SWEEP))


def client_key(host: str | None) -> str:
    """The client a limit counts: its address, or its /64 for IPv6."""
    text = str(host or "").strip("[]")
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text or "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `take` spends one or says how long until one."""

    def __init__(self, rate: float, burst: int, now: float):
        self.rate, self.burst, self.tokens, self.at = rate, burst, float(burst), now

    def take(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class _Failures:
    count: int
    until: float  # no check before this
    last: float


class SignInLimiter:
    """Who may have a password checked now. `admit(key)` counts the attempt as a failure before the
    check (so parallel guesses from one address cannot all slip in before the first is judged) and
    returns None to check it, or the refusal to give without checking; `succeeded(key)` clears it."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()  # held for bookkeeping only, never across a check or a wait
        now = clock()
        self._failed = TokenBucket(FAILED_RATE, FAILED_BURST, now)
        self._fresh = TokenBucket(FRESH_RATE, FRESH_BURST, now)
        self._records: dict[str, _Failures] = {}

    def admit(self, key: str) -> str | None:
        with self._lock:
            now = self._clock()
            rec = self._records.get(key)
            if rec is not None and now - rec.last > SIGN_IN_FORGET_AFTER:
                del self._records[key]
                rec = None
            if rec is not None and now < rec.until:
                return f"Too many wrong passwords from your address: try again in {math.ceil(rec.until - now)} s."
            wait = (self._fresh if rec is None else self._failed).take(now)
            if wait:
                return f"Too many sign-in attempts at the moment: try again in {math.ceil(wait)} s."
            count = rec.count + 1 if rec else 1
            self._records[key] = _Failures(count, now + min(SIGN_IN_BACKOFF_MAX, 2.0 ** (count - 1)), now)
            if len(self._records) > MAX_TRACKED:
                self._forget_old(now)
            return None

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)

    def _forget_old(self, now: float) -> None:
        for old in [k for k, r in self._records.items() if now - r.last > SIGN_IN_FORGET_AFTER]:
            del self._records[old]


class ByteBudget:
    """At most `limit` bytes per `window` seconds, per client and in total (a sliding window)."""

    def __init__(self, per_client: int, total: int, window: float, total_window: float, clock=time.monotonic):
        self.per_client, self.total, self.window, self.total_window = per_client, total, window, total_window
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[str, deque] = {}
        self._all: deque = deque()

    def spend(self, key: str, size: int) -> tuple[str, float] | None:
        """Charge `size` bytes to `key`, or refuse: ("client" | "total", seconds until it would fit)."""
        with self._lock:
            now = self._clock()
            if len(self._clients) > MAX_TRACKED:
                self._clients = {k: d for k, d in self._clients.items() if now - d[-1][0] <= self.window}
            mine = self._clients.get(key) or deque()
            for ledger, window in ((mine, self.window), (self._all, self.total_window)):
                while ledger and now - ledger[0][0] > window:
                    ledger.popleft()
            for name, ledger, limit, window in (("client", mine, self.per_client, self.window),
                                                ("total", self._all, self.total, self.total_window)):
                wait = _wait_to_fit(ledger, size, limit, window, now)
                if wait is not None:
                    return name, wait
            mine.append((now, size))
            self._clients[key] = mine
            self._all.append((now, size))
            return None


def _wait_to_fit(ledger: deque, size: int, limit: int, window: float, now: float) -> float | None:
    """None when `size` fits under `limit` now; else the seconds until enough has aged out."""
    used = sum(n for _, n in ledger)
    if used + size <= limit:
        return None
    for at, n in ledger:
        used -= n
        if used + size <= limit:
            return max(1.0, at + window - now)
    return window  # bigger than the whole budget: callers refuse it as too large first
