"""The write lease kept in the Chroma server: one holder at a time, a dead holder's lease lapses and is
taken over, and a holder that writes for longer than the lease renews it."""

import threading
import time

import pytest

from citeqa.index.server_state import ServerState

pytestmark = pytest.mark.server


def _state(make_settings, url, name):
    return ServerState(make_settings(chroma_url=url, collection=name))


def test_one_holder_at_a_time(make_settings, chroma_server):
    state, inside, overlaps = _state(make_settings, chroma_server, "leaseone"), [], []

    def work():
        with state.lease():
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [1] * 6


def test_a_dead_holders_lease_lapses(make_settings, chroma_server):
    state = _state(make_settings, chroma_server, "leasedead")
    dead = state.lease()
    dead.ttl_s = 1.0
    dead.acquire()
    dead._stop.set()  # killed: it renews no more and never gives it back
    started = time.monotonic()
    with state.lease():
        waited = time.monotonic() - started
    assert 0.5 < waited < 5


def test_a_long_holder_keeps_it(make_settings, chroma_server):
    state = _state(make_settings, chroma_server, "leaselong")
    holder = state.lease()
    holder.ttl_s = 0.6
    holder.acquire()
    time.sleep(1.5)  # longer than the lease: renewed meanwhile
    other = state.lease()
    other.wait_s = 0.5
    with pytest.raises(Exception, match="has been writing"):
        other.acquire()
    holder.release()
    with state.lease():
        pass
