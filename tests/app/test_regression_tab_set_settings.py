"""The Regression tab refuses an uploaded question set that reaches outside: settings naming a server
URL, the answerer or the index folder, or a `corpus` (a folder the server would read), with the
sentence `citeqa eval` prints, naming the uploaded file by its name and the line (never a server
path); it does not fail silently, and the set is never run."""

from queue_client import QueueClient, new_session, visitor_app  # noqa: F401 (a fixture)

SET = """name: evil
settings:
  k: 3
  {key}: {value}
questions:
  - id: where
    question: In which city did Thailand sign the UN convention against cybercrime?
    expect: {{contains: [Hanoi]}}
"""


def test_regression_tab_names_the_forbidden_setting(visitor_app, tmp_path):
    url, _work, _log = visitor_app
    client = QueueClient(url)
    session = new_session()
    for key, value in (("llm_base_url", "http://203.0.113.9/v1"), ("answerer", "openai"), ("index_path", "/etc")):
        path = tmp_path / f"evil-{key}.yaml"
        path.write_text(SET.format(key=key, value=value), encoding="utf-8")
        reply = client.call("cq-run", "click", [None, client.upload_file(path)], session)
        summary, table = reply["data"]
        assert summary == f"✗ {path.name}:4: settings.{key} cannot be set by a question set (allowed: k, min_score, reader_threshold)"
        assert not table["data"] if isinstance(table, dict) else not table
    for corpus in ("/etc", "../../../../etc", "/no/such/folder"):
        path = tmp_path / "evil-corpus.yaml"
        path.write_text(f"corpus: {corpus}\n" + SET.replace("  {key}: {value}\n", "").format(), encoding="utf-8")
        summary, _table = client.call("cq-run", "click", [None, client.upload_file(path)], session)["data"]
        # Refused before any folder is looked at: the same sentence whether or not the folder exists.
        assert summary == (f"✗ {path.name}:1: corpus cannot be set by an uploaded question set (it runs against "
                           "the live index; a set in tests/regression/ may declare one)")
    good = tmp_path / "good.yaml"
    good.write_text(SET.replace("  {key}: {value}\n", "").format(), encoding="utf-8")
    summary, _table = client.call("cq-run", "click", [None, client.upload_file(good)], session)["data"]
    assert "1 passed, 0 failed of 1" in summary
