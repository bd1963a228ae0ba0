"""The operator path, called through the queue like the visitor tests: a wrong password is refused (and
the address must wait before its next try); the right one makes only this browser session an operator, which can then switch to a
configured corpus folder (never to one that is not configured), upload (into the collection's own
folder under the index) without overwriting, remove (moving only files inside the collection's folders)
and re-index; signing out makes it a visitor again."""

import time

import pytest

from queue_client import (
    OPERATOR_PASSWORD, SEED_NAME, QueueClient, app_env, index_state, ingest_cli, make_workspace, new_session, serve,
)


@pytest.fixture(scope="module")
def operator_app(tmp_path_factory):
    work = make_workspace(tmp_path_factory.mktemp("operator-app"))
    env = app_env(work, CITEQA_OPERATOR_PASSWORD=OPERATOR_PASSWORD, CITEQA_CORPUS_FOLDERS='["other"]')
    ingest_cli(work, "secrets/vault.txt", env=env)
    with serve(work, env=env) as (url, _log):
        client = QueueClient(url)
        session = new_session()
        yield client, session, work


def _sources(client) -> list[str]:
    return [source for source, *_ in index_state(client.url)]


def test_a_wrong_password_is_refused_and_the_next_try_must_wait(operator_app):
    client, session, _work = operator_app
    _role, _box, message = client.sign_in(session, "not-the-password")["data"]
    assert message == "✗ That is not the operator password."
    assert "Only an operator" in client.call("cq-reindex", "click", [None], session)["data"][0]
    started = time.perf_counter()
    message = client.sign_in(session)["data"][2]  # the right one, at once: refused unchecked, not slowed
    assert message == "✗ Too many wrong passwords from your address: try again in 1 s."
    assert time.perf_counter() - started < 1.0
    time.sleep(1.1)  # the back-off is over; the next test signs in


def test_signing_in_makes_only_this_session_an_operator(operator_app):
    client, session, _work = operator_app
    assert client.sign_in(session)["data"][2] == "✓ Signed in as operator in this browser session."
    assert client.call("cq-reindex", "click", [None], session)["data"][0].startswith("Re-indexed seeds:")
    assert "Only an operator" in client.call("cq-reindex", "click", [None], new_session())["data"][0]


def test_operator_switches_only_to_configured_folders(operator_app):
    client, session, work = operator_app
    reply = client.call("cq-apply", "click", ["extractive", 4, "secrets", None], session)
    assert reply["data"] is None and "not in the list of choices" in reply["error"]
    message = client.call("cq-apply", "click", ["extractive", 4, "other", None], session)["data"][0]
    assert message.startswith("✓ Applied: answerer extractive, k = 4, corpus other. Indexed other: 1 added")
    assert _sources(client) == ["other/fruit.md"]
    message = client.call("cq-apply", "click", ["extractive", 5, "seeds", None], session)["data"][0]
    assert message.startswith("✓ Applied: answerer extractive, k = 5, corpus seeds. Indexed seeds: 0 added, 0 changed, 1 unchanged")
    assert _sources(client) == ["secrets/vault.txt", f"seeds/{SEED_NAME}"]


def test_operator_uploads_never_overwrite(operator_app, tmp_path):
    client, session, work = operator_app
    seed_bytes = (work / "seeds" / SEED_NAME).read_bytes()
    clash = tmp_path / SEED_NAME
    clash.write_text("The harbour pilot programme began in Rotterdam in 2019.\n", encoding="utf-8")
    message = client.call("cq-upload", "upload", [[client.upload_file(clash)], None], session)["data"][0]
    renamed = SEED_NAME.replace(".txt", " (2).txt")
    assert message.startswith(f"✓ saved as {renamed}: a different {SEED_NAME} is already in this collection")
    # Into the collection's own folder under the index: the corpus folder is never written to.
    uploads = work / "index" / "citeqa" / "files"
    assert {p.name for p in (work / "seeds").iterdir()} == {SEED_NAME}
    assert (work / "seeds" / SEED_NAME).read_bytes() == seed_bytes
    assert (uploads / renamed).read_bytes() == clash.read_bytes()
    same = tmp_path / "copy" / SEED_NAME
    same.parent.mkdir()
    same.write_bytes(seed_bytes)
    message = client.call("cq-upload", "upload", [[client.upload_file(same)], None], session)["data"][0]
    assert message.startswith(f"= {SEED_NAME} unchanged: the same content is already in the collection")
    assert {p.name for p in uploads.iterdir()} == {renamed}


def test_operator_remove_moves_only_files_inside_the_corpus(operator_app):
    client, session, work = operator_app
    client.call_index(client.api_index("sources_view"), [], session)  # the page's list of documents
    message = client.call("cq-remove", "click", ["secrets/vault.txt", None], session)["data"][0]
    assert message == "Removed secrets/vault.txt from the index."
    assert (work / "secrets" / "vault.txt").is_file()  # outside the corpus folder: not moved
    assert "secrets/vault.txt" not in _sources(client)
    renamed = f"uploads/{SEED_NAME.replace('.txt', ' (2).txt')}"  # an upload, named as the page shows it
    client.call_index(client.api_index("sources_view"), [], session)
    message = client.call("cq-remove", "click", [renamed, None], session)["data"][0]
    assert message.startswith(f"Removed {renamed} from the index; the file was moved to <index>/removed/")
    assert not any((work / "index" / "citeqa" / "files").iterdir())
    assert len(list((work / "index" / "removed").iterdir())) == 1


def test_signing_out_makes_the_session_a_visitor_again(operator_app):
    client, session, _work = operator_app
    client.call("cq-sign-out", "click", [], session)
    assert "Only an operator" in client.call("cq-reindex", "click", [None], session)["data"][0]
