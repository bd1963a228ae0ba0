"""Crash points for the kill tests: `CITEQA_CRASH_AT=<point>:<n>` makes the process SIGKILL itself the
n-th time it passes <point> (n defaults to 1), so a test can stop an ingest exactly between two writes
instead of guessing with a timer. Unset (always, outside those tests) it costs one dict lookup.

Points: `vectors-upserted` (a document's vectors are in Chroma, its passages not yet committed),
`document-committed` (its passages are committed, its old vectors not yet deleted),
`document-removed` (a removed document's rows are gone, its vectors not yet deleted).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "CITEQA_CRASH_AT"
_passed: Counter = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, n = wanted.partition(":")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] == int(n or 1):
        os.kill(os.getpid(), signal.SIGKILL)
