"""A generative answerer that cannot answer, seen as a user sees it: the CLI in a subprocess prints one
sentence on stderr and exits 1, never a traceback."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import SEEDS, free_port

TIMEOUT = 180


def run_cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "citeqa.cli", *map(str, args)],
        capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, env=env,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("unreachable")


@pytest.fixture(scope="module")
def index(workdir):
    index = workdir / "index"
    done = run_cli("ingest", SEEDS, "--index", index, "--no-progress", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return index


def assert_one_sentence_error(done, pattern: str):
    assert "Traceback" not in done.stdout and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(pattern, lines[0]), lines[0]
    assert not lines[0].endswith(".."), lines[0]


@pytest.mark.parametrize("answerer", ["openai", "ollama"])
def test_unreachable_server_gives_one_sentence_and_exit_1(index, workdir, answerer):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    done = run_cli(
        "ask", "Where?", "--answerer", answerer, "--base-url", url, "--model", "x", "--index", index, cwd=workdir
    )
    assert_one_sentence_error(done, rf"error: The {answerer} answerer \({re.escape(url)}\) did not answer: .+\.")
    # stdout still carries the answer text (the same sentence), with no citations listed
    assert f"The {answerer} answerer ({url}) did not answer" in done.stdout
    assert "[1]" not in done.stdout


def test_unreachable_server_json_answer(index, workdir):
    url = f"http://127.0.0.1:{free_port()}/v1"
    done = run_cli(
        "ask", "Where?", "--json", "--answerer", "openai", "--base-url", url, "--model", "x", "--index", index, cwd=workdir
    )
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["refused"] is True and result["citations"] == []
    assert result["error"].startswith(f"The openai answerer ({url}) did not answer: ")
    assert "Traceback" not in done.stderr


def test_llamacpp_without_model_is_a_settings_error(index, workdir):
    done = run_cli("ask", "Where?", "--answerer", "llamacpp", "--index", index, cwd=workdir)
    assert_one_sentence_error(done, r"error: The llamacpp answerer needs llm_model \(for example .+\)\.")
    assert done.stdout.strip() == ""  # no answer was printed
