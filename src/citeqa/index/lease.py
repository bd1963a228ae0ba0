"""A lease kept in the Chroma server: which process, on any machine, may write now.

Chroma has no transactions, but `add` never overwrites an existing id, and `delete` can be made
conditional with `where`. So a process takes the lease by adding its record and reading back whose it
is, and takes over an expired one by deleting it only while it is still that expired holder's (owner
and expiry both match, so a lease renewed meanwhile stays). The holder renews it from a thread every
TTL/3, so a long write keeps it; a killed holder's lease lapses after TTL.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid

from citeqa.errors import StoreError

TTL_S = 15.0


class Lease:
    def __init__(self, records, key: str, what: str, call, wait_s: float = 600.0, ttl_s: float = TTL_S):
        self._records = records  # () -> the Chroma collection holding the lease record
        self.key, self.what, self._call, self.wait_s, self.ttl_s = key, what, call, wait_s, ttl_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _holder(self) -> dict | None:
        got = self._call("read the write lease", self._records().get, ids=[self.key], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait_s
        while True:
            now = time.time()
            self._call("take the write lease", self._records().add, ids=[self.key], embeddings=[[1.0]],
                       metadatas=[{"kind": "lease", "owner": self.owner, "expires": now + self.ttl_s}])
            holder = self._holder()
            if holder and holder.get("owner") == self.owner:
                break
            if holder and float(holder.get("expires", 0)) < now:  # its holder died: take it over
                self._call("take over an expired write lease", self._records().delete, ids=[self.key],
                           where={"$and": [{"owner": holder["owner"]}, {"expires": holder["expires"]}]})
                continue
            if time.monotonic() > deadline:
                raise StoreError(f"Another process ({(holder or {}).get('owner', 'unknown')}) has been writing "
                                 f"{self.what} for over {self.wait_s:.0f} s; try again later.")
            time.sleep(random.uniform(0.05, 0.25))
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="citeqa-lease", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                holder = self._holder()
                if not holder or holder.get("owner") != self.owner:
                    return  # lost (a pause longer than TTL): the write in flight finishes, the next one waits its turn
                self._call("renew the write lease", self._records().update, ids=[self.key],
                           metadatas=[{"expires": time.time() + self.ttl_s}])
            except StoreError:
                continue  # the server is away for a moment: try again at the next tick

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        try:
            self._call("give back the write lease", self._records().delete, ids=[self.key], where={"owner": self.owner})
        except StoreError:
            pass  # it lapses by itself after TTL

    def __enter__(self) -> "Lease":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
