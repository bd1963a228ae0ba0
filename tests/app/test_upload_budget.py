"""Anyone can post to Gradio's upload route, so uploads are budgeted before a byte is stored: 60 MB per
address per 10 minutes (413 for one request over that, 411 for one that does not state its size, 429
with the minutes to wait once an address has used its budget), so a visitor's flood of 4 MB files
stops at the budget while other addresses (a visitor's question set, an operator's 5 MB document)
still upload. The total and the cache sweep are in test_limits.py and the README."""

from urllib.error import HTTPError

import pytest

from queue_client import QueueClient, raw_request, visitor_app  # noqa: F401 (a fixture)

MB = 1024 * 1024
BUDGET = 60 * MB  # per address per 10 minutes (limits.BUDGET, as the README says)


def _cache_bytes(work) -> int:
    return sum(p.stat().st_size for p in (work / "gradio-cache").rglob("*") if p.is_file())


def _upload(client: QueueClient, path) -> int:
    try:
        client.upload_file(path)
        return 200
    except HTTPError as e:
        client.last_refusal = e.read().decode()
        return e.code


def test_a_flood_of_uploads_stops_at_the_budget(visitor_app, tmp_path):
    url, work, _log = visitor_app
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (4 * MB))
    flooder, cache_before = QueueClient(url, source="127.0.0.7"), _cache_bytes(work)
    codes = [_upload(flooder, big) for _ in range(20)]
    accepted = codes.count(200)
    assert accepted == BUDGET // (4 * MB + 300) and set(codes[accepted:]) == {429}, codes
    assert flooder.last_refusal.startswith("Upload limit reached: at most 60 MB per 10 minutes from one address; "
                                           "try again in ")
    assert _cache_bytes(work) - cache_before <= BUDGET
    # Other addresses are not held back: a visitor's question set, an operator's largest document.
    question_set = tmp_path / "mine.yaml"
    question_set.write_text("questions:\n  - id: q1\n    question: Where?\n    expect: {refused: true}\n")
    assert _upload(QueueClient(url), question_set) == 200
    document = tmp_path / "report.txt"
    document.write_bytes(b"y" * (5 * MB - 1000))
    assert _upload(QueueClient(url, source="127.0.0.8"), document) == 200


@pytest.mark.parametrize("headers, status, reason", [
    ({"Content-Length": str(100 * MB)}, 413, "Too large: one upload request may carry at most 60 MB."),
    ({"Transfer-Encoding": "chunked"}, 411, "An upload must state its size (Content-Length)."),
])
def test_an_upload_over_the_budget_or_of_unknown_size_is_refused_unread(visitor_app, headers, status, reason):
    url, _work, _log = visitor_app
    host = url.split("//")[1].rstrip("/")
    reply = raw_request(url, "POST", "/gradio_api/upload", b"0\r\n\r\n" if "Transfer-Encoding" in headers else None,
                        {"Host": host, "Content-Type": "multipart/form-data; boundary=x", **headers}, source="127.0.0.9")
    assert reply[0] == status and reply[2].decode().strip() == reason
