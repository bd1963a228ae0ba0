"""Issue 19's measurement: `chroma run` and two `app.py` processes with separate, empty index folders.
What one ingests (an upload, or `citeqa ingest` from a third process and folder) the other answers,
quotes and shows in its citation panel within the refresh time; a removal disappears from both; kill -9
of an ingesting process leaves both serving, and `citeqa check` then reports and repairs it."""

import re
import subprocess
import sys
import time
import uuid

import pytest

from queue_client import OPERATOR_PASSWORD, SEED_NAME, QueueClient, app_env, index_state, make_workspace, new_session, serve

pytestmark = pytest.mark.server
REFRESH_S = 1.0
LIGHTHOUSE = ("# Lighthouse Keepers of Inishbeg\n\nThe lighthouse on Inishbeg was automated in 1987.\n\n"
              "Its last keeper was Tomás Ó Briain, who tended the lamp for thirty-one years.\n")
LIGHTHOUSE_Q = "Who was the last keeper of the Inishbeg lighthouse?"
ORCHARD_Q = "How many kinds of apples does the orchard grow?"


def _env(work, name, chroma_url, collection):
    return app_env(work, CITEQA_CORPUS_PATH=str(work / "seeds"), CITEQA_CHROMA_URL=chroma_url, CITEQA_COLLECTION=collection,
                   CITEQA_REFRESH_S=str(REFRESH_S), CITEQA_OPERATOR_PASSWORD=OPERATOR_PASSWORD) | {
        "CITEQA_INDEX_PATH": str(work / f"{name}-index"), "GRADIO_TEMP_DIR": str(work / f"{name}-cache")}


@pytest.fixture(scope="module")
def apps(tmp_path_factory, chroma_server):
    work = make_workspace(tmp_path_factory.mktemp("scale-out"))
    collection = f"scale-{uuid.uuid4().hex[:8]}"
    env_a, env_b = (_env(work, n, chroma_server, collection) for n in ("a", "b"))
    with serve(work, env=env_a) as (url_a, _), serve(work, env=env_b) as (url_b, _):
        yield {"a": QueueClient(url_a), "b": QueueClient(url_b), "work": work,
               "cli_env": _env(work, "cli", chroma_server, collection)}


def _chat(client, question, session=None):
    session = session or new_session()
    return client.call_api("chat", [question, None], session)["data"][0], session


def _until(check, timeout=15.0):
    """Seconds until `check()` holds (polled), or fails the test after `timeout`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "not seen within the timeout"
        time.sleep(0.1)
    return time.monotonic() - started


def _answers(client, question, word):
    result, _ = _chat(client, question)
    return not result["refused"] and word in result["answer"]


def _cli(env, work, *args):
    return subprocess.run([sys.executable, "-m", "citeqa.cli", *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=300)


def test_both_serve_the_seed_from_the_server(apps):
    assert index_state(apps["a"].url) == index_state(apps["b"].url) != []
    result, _ = _chat(apps["b"], "In which city did Thailand sign the UN convention against cybercrime?")
    assert "Hanoi" in result["answer"]
    quote = result["citations"][0]["quote"]
    assert quote in (apps["work"] / "seeds" / SEED_NAME).read_text(encoding="utf-8")


def test_an_upload_to_one_is_answered_quoted_and_shown_by_the_other(apps, tmp_path):
    a, b = apps["a"], apps["b"]
    session = new_session()
    assert a.sign_in(session)["data"][2].startswith("✓ Signed in")
    doc = tmp_path / "lighthouse.md"
    doc.write_text(LIGHTHOUSE, encoding="utf-8")
    message = a.call("cq-upload", "upload", [[a.upload_file(doc)], None], session)["data"][0]
    assert message.startswith("✓"), message
    seen = _until(lambda: _answers(b, LIGHTHOUSE_Q, "Briain"))
    print(f"the other process answered the upload {seen:.2f} s after it was indexed (refresh_s = {REFRESH_S})")
    result, asked = _chat(b, LIGHTHOUSE_Q)
    citation = result["citations"][0]
    assert citation["source"] == "uploads/lighthouse.md" and "Briain" in citation["quote"]
    panel = b.call("cq-panel", "cite", [None], asked, event_data={"id": "cite-0-1"})["data"][0]
    assert "cq-hit" in panel and "automated in 1987" in panel and "outside" not in panel


def test_a_third_process_ingests_and_both_answer_then_a_removal_leaves_both(apps):
    work, env = apps["work"], apps["cli_env"]
    done = _cli(env, work, "ingest", str(work / "other"))
    assert done.returncode == 0, done.stderr
    for client in (apps["a"], apps["b"]):
        _until(lambda: _answers(client, ORCHARD_Q, "forty"))
    source = next(s for s, *_ in index_state(apps["b"].url) if s.endswith("fruit.md"))
    done = _cli(env, work, "remove", str(work / "other" / "fruit.md"))
    assert done.returncode == 0, done.stderr
    for client in (apps["a"], apps["b"]):
        _until(lambda: source not in [s for s, *_ in index_state(client.url)])
        result, _ = _chat(client, ORCHARD_Q)
        assert "forty" not in result["answer"] and not any("fruit" in c["source"] for c in result["citations"])


def test_a_killed_ingest_leaves_both_serving_and_check_repairs(apps, tmp_path):
    work, env = apps["work"], apps["cli_env"]
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(3):
        (folder / f"note{i}.md").write_text(f"# Note {i}\n\nThe depot number {i} opens at {7 + i} o'clock.\n", encoding="utf-8")
    killed = _cli(env | {"CITEQA_CRASH_AT": "vectors-upserted:2"}, work, "ingest", str(folder))
    assert killed.returncode == -9  # SIGKILL between writing the second note's passages and committing it
    for client in (apps["a"], apps["b"]):  # both still answer
        assert _answers(client, "In which city did Thailand sign the UN convention against cybercrime?", "Hanoi")
    check = _cli(env, work, "check")
    assert check.returncode != 0 and re.match(r"drift: [1-9]\d* vectors without a passage, 0 passages", check.stdout), check.stdout
    repaired = _cli(env, work, "check", "--repair")  # waits for the dead process's lease to lapse
    assert repaired.returncode == 0 and "now consistent" in repaired.stdout, repaired.stdout + repaired.stderr
    assert _cli(env, work, "check").returncode == 0
    done = _cli(env, work, "ingest", str(folder))
    assert done.returncode == 0 and "1 unchanged" in done.stdout + done.stderr, done.stdout + done.stderr


def test_a_conversation_begun_on_one_continues_on_the_other(apps):
    from history_support import call, listed, save_conversation

    a = apps["a"]
    question = "Who co-organised the conference?"
    conv = save_conversation(a, new_session(), question)
    assert a.cookies, "the app issued no visitor cookie"
    b = QueueClient(apps["b"].url, cookie="; ".join(f"{k}={v}" for k, v in a.cookies.items()))  # the balancer moved it
    session = new_session()
    assert conv in listed(b, session)
    opened = call(b, "open_one", session, radio=conv)
    assert opened["error"] is None and question in str(opened["data"])
    stranger = QueueClient(apps["b"].url)
    assert conv not in listed(stranger, new_session())
