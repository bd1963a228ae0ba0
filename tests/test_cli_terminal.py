"""Issue 10 item 12: what the CLI prints never carries raw control characters from a question, a
document or a file name: an ANSI escape in a refused question is shown as \x1b, and a file name with a
newline stays on one line of `citeqa documents`."""

import subprocess
import sys

from conftest import SEED_DOC


def run(*args):
    out = subprocess.run([sys.executable, "-m", "citeqa.cli", *map(str, args)], capture_output=True, text=True)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def test_escapes_and_newlines_are_not_sent_raw(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "two\nlines.txt").write_text(SEED_DOC.read_text())
    index = tmp_path / "index"
    assert run("ingest", docs, "--index", index, "--no-progress").returncode == 0

    listing = run("documents", "--index", index)
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert len(lines) == 1 and "two\\x0alines.txt" in lines[0]

    out = run("ask", "\x1b[2J\x1b[31mWhat colour is the moon's hat?\x07", "--index", index)
    assert "\x1b" not in out.stdout + out.stderr and "\x07" not in out.stdout
    assert "\\x1b[31mWhat colour" in out.stdout
