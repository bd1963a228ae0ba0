"""Issue 10 item 12: a symbolic link loop (a file link to itself, a folder link back to its parent) or a
broken link is reported by ingest as skipped, not silently passed over."""

import os

from citeqa.chat import Assistant
from citeqa.documents.registry import link_problems


def test_link_loops_and_broken_links_are_reported(tmp_path, make_settings):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "real.txt").write_text("Lighthouses guide ships past the rocks at night.\n")
    os.symlink("loop.txt", docs / "loop.txt")  # points at itself
    os.symlink("..", docs / "sub" / "up")  # a folder link back into its parent
    os.symlink("gone.txt", docs / "broken.txt")
    problems = dict(link_problems(docs))
    assert "symbolic link loop" in problems[str(docs / "loop.txt")]
    assert "folder that contains it" in problems[str(docs / "sub" / "up")]
    assert "broken symbolic link" in problems[str(docs / "broken.txt")]

    report = Assistant(make_settings(corpus_path=docs)).ingest(progress=False)
    assert report.added == ["docs/real.txt"]
    assert sorted(p for p, _ in report.failed) == sorted(problems)
    assert "3 skipped" in report.summary()


def test_a_link_to_a_file_outside_the_folder_is_not_read(tmp_path, make_settings):
    """Indexing a folder reads nothing outside it: a link to an outside file is reported, not indexed,
    so its text can never be quoted in an answer (issue 10: nothing outside the corpus is read)."""
    docs, secrets = tmp_path / "docs", tmp_path / "secrets"
    docs.mkdir()
    secrets.mkdir()
    (docs / "real.txt").write_text("Lighthouses guide ships past the rocks at night.\n")
    (secrets / "vault.txt").write_text("The vault password is hunter2-zebra-42.\n")
    os.symlink(secrets / "vault.txt", docs / "vault.txt")
    problems = dict(link_problems(docs))
    assert "links to a file outside" in problems[str(docs / "vault.txt")]
    assistant = Assistant(make_settings(corpus_path=docs))
    report = assistant.ingest(progress=False)
    assert report.added == ["docs/real.txt"]
    assert [p for p, _ in report.failed] == [str(docs / "vault.txt")]
    result = assistant.ask("What is the vault password?")
    assert "hunter2" not in str(result)
