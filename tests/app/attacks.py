"""Issue 17's attacks replayed raw against a served `app.py`, printing what the server answered: a script
to read (`python tests/app/attacks.py`), not a test; the tests that pin each answer are named by each
section. Runs in a scratch folder; takes about two minutes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.error import HTTPError

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from history_support import call, listed, page_owner, save_conversation  # noqa: E402
from queue_client import (OPERATOR_PASSWORD, QueueClient, app_env, login_cookie, make_workspace,  # noqa: E402
                          new_session, raw_request, serve)

QUESTION = "In which city did Thailand sign the UN convention against cybercrime?"


def show(label: str, value) -> None:
    print(f"  {label}: {value}")


def outcome(reply: dict, index: int) -> str:
    """What the event gave back: its output, or the error the server answered with."""
    return f"refused: {reply.get('error')!r}" if reply.get("error") else repr((reply.get("data") or [None])[index])


def other_logins_conversations(work: Path) -> None:
    print("1. bob calls alice's conversations raw (test_conversations_of_others_refused.py)")
    with serve(work, "--auth", "alice:alice-secret-pw", "--auth", "bob:bob-secret-pw") as (url, _log):
        alice = QueueClient(url, cookie=login_cookie(url, "alice", "alice-secret-pw"))
        conv = save_conversation(alice, new_session(), QUESTION)
        show("alice's own list", listed(alice, new_session()))
        bob = QueueClient(url, cookie=login_cookie(url, "bob", "bob-secret-pw"))
        legacy = hashlib.sha256(b"user:alice").hexdigest()[:32]
        for route in ("predict", "queue"):
            s = new_session()
            show(f"bob lists ({route}, alice's folder key sent)", listed(bob, s, route, owner=legacy))
            opened = call(bob, "open_one", s, route, owner=legacy, radio=conv)
            show(f"bob opens alice's {conv} ({route})", outcome(opened, -1))
            renamed = call(bob, "rename", s, route, owner=legacy, radio=conv, textbox="bob was here")
            show(f"bob renames it ({route})", outcome(renamed, 1))
            deleted = call(bob, "delete", s, route, owner=legacy, radio=conv)
            show(f"bob deletes it ({route})", outcome(deleted, -1))
        show("alice's list afterwards", listed(alice, new_session()))
        show("'secret' or 'key' in /config", any(w in str(alice.config).lower() for w in ("encryption_key", "secret")))


def _sign_in_message(client: QueueClient, password: str, route: str) -> str:
    reply = client.sign_in(new_session(), password, route=route)
    return reply["data"][2] if reply.get("error") is None else f"error {reply['error']}"


def sign_in_flood(url: str) -> None:
    print("2. 120 parallel guesses through run/predict; then a queued flood while the operator signs in "
          "(test_sign_in_flood.py)")
    attacker = QueueClient(url)
    guesses = [f"wrong-{i}" for i in range(120)]
    guesses[60] = OPERATOR_PASSWORD
    started = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        replies = list(pool.map(lambda g: _sign_in_message(attacker, g, "predict"), guesses))
    show("answered in", f"{time.perf_counter() - started:.1f} s")
    show("guesses compared", sum(r.startswith("✗ That is not") for r in replies))
    show("the right password, sent 61st", replies[60])
    operator = QueueClient(url, source="127.0.0.2")
    with ThreadPoolExecutor(48) as pool:
        flood = [pool.submit(_sign_in_message, attacker, "wrong", r) for r in ["queue"] * 30 + ["predict"] * 100]
        next(as_completed(flood))
        for route in ("predict", "queue"):
            t0 = time.perf_counter()
            message = _sign_in_message(operator, OPERATOR_PASSWORD, route)
            show(f"operator from another address ({route})", f"{message} after {time.perf_counter() - t0:.2f} s")


def rebinding(url: str) -> None:
    print("3. Host: rebind.evil.example (test_host_header.py)")
    port = url.rstrip("/").rsplit(":", 1)[1]
    for path in ("/", "/config"):
        status, headers, body = raw_request(url, "GET", path, None, {"Host": f"rebind.evil.example:{port}",
                                                                      "Origin": "http://rebind.evil.example"})
        show(f"GET {path}", f"{status} {body.decode().strip()!r}; allow-origin "
                            f"{headers.get('access-control-allow-origin')!r}")
    show("GET /config as 127.0.0.1", raw_request(url, "GET", "/config", None, {"Host": f"127.0.0.1:{port}"})[0])


def upload_flood(url: str, work: Path) -> None:
    print("4. (item 5) a visitor posts 4 MB files to /gradio_api/upload (test_upload_budget.py)")
    big = work / "big.txt"
    big.write_bytes(b"x" * (4 * 1024 * 1024))
    flooder, codes = QueueClient(url, source="127.0.0.7"), []
    for _ in range(20):
        try:
            flooder.upload_file(big)
            codes.append(200)
        except HTTPError as e:
            codes.append(e.code)
            last = e.read().decode().strip()
    cache = sum(p.stat().st_size for p in (work / "gradio-cache").rglob("*") if p.is_file())
    show("20 uploads answered", codes)
    show("last refusal", last)
    show("upload cache now", f"{cache / 1e6:.1f} MB")


def title_markup(url: str) -> None:
    print("5. (item 6) a conversation renamed to an <img> tag (test_history_title_as_text.py)")
    client, session = QueueClient(url), new_session()
    owner = page_owner(client, session)
    conv = save_conversation(client, session, QUESTION, owner)
    call(client, "rename", session, owner=owner, radio=conv, textbox="<img src=http://127.0.0.1:9/x>")
    show("status when opened", call(client, "open_one", session, owner=owner, radio=conv)["data"][-1])


def cli(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "citeqa.cli", *args], cwd=work, env=app_env(work),
                          capture_output=True, text=True, timeout=600)


def long_questions(work: Path) -> None:
    print("6. (item 4) long questions through `citeqa ask` (tests/answering/test_long_questions.py)")
    for n in (450, 1000, 4000):
        question = ("Which city hosted the conference on online scams and what did it decide? " * 60)[:n]
        done = cli(work, "ask", question)
        first = (done.stdout or done.stderr).strip().splitlines()[:1]
        show(f"{n} characters", f"exit {done.returncode}, traceback {'Traceback' in done.stderr}: {first}")


def deep_html(work: Path) -> None:
    print("7. (item 7) 300 nested <div> before a shallow paragraph (tests/documents/test_html_deep_nesting.py)")
    folder = work / "deep"
    folder.mkdir()
    (folder / "deep.html").write_text("<html><body>" + "<div>" * 300 + "Deep text." + "</div>" * 300
                                      + "<p>The ferry to Inishmore leaves at nine.</p></body></html>")
    done = cli(work, "ingest", str(folder))
    show("ingest", f"exit {done.returncode}: {done.stdout.strip().splitlines()[-1:]}")
    asked = cli(work, "ask", "When does the ferry to Inishmore leave?")
    show("ask", asked.stdout.strip().splitlines()[:1])


def emptied_folder(work: Path) -> None:
    print("8. (item 8) the last file of a folder deleted, then ingest; `citeqa remove` (test_cli_emptied_folder.py)")
    (work / "deep" / "deep.html").unlink()
    done = cli(work, "ingest", str(work / "deep"))
    show("ingest of the emptied folder", f"exit {done.returncode}: {(done.stdout + done.stderr).strip()}")
    asked = cli(work, "ask", "When does the ferry to Inishmore leave?")
    show("ask afterwards", asked.stdout.strip().splitlines()[:1])
    show("citeqa remove of a source not indexed", cli(work, "remove", "nothing.txt").stderr.strip())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="citeqa-attacks-") as tmp:
        work = make_workspace(Path(tmp))
        other_logins_conversations(work)
        with serve(work, env=app_env(work, CITEQA_OPERATOR_PASSWORD=OPERATOR_PASSWORD)) as (url, _log):
            sign_in_flood(url)
            rebinding(url)
            upload_flood(url, work)
            title_markup(url)
        long_questions(work)
        deep_html(work)
        emptied_folder(work)


if __name__ == "__main__":
    main()
