"""Shared fixtures. The environment is made offline before anything imports a model library."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
for _k in [k for k in os.environ if k.startswith("CITEQA_")]:
    del os.environ[_k]  # a developer's own settings must not leak into the tests

import shutil
import subprocess
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

# A free loopback port, and stopping a server a test started (killed if not stopped within 15 s).
from citeqa.benchmarks.processes import free_port, start_chroma  # noqa: E402
from citeqa.benchmarks.processes import stop as stop_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# The project's own seed documents. The tests read copies of these alone, never the seeds/ folder itself:
# a user may add files there (the default corpus), and the tests must not change with them.
SEED_FILES = ("000_b943be75029e422a.txt",)


def _seed_copy() -> Path:
    import atexit
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="citeqa-test-seeds-")) / "seeds"
    folder.mkdir()
    for name in SEED_FILES:
        shutil.copy2(ROOT / "seeds" / name, folder / name)
    atexit.register(shutil.rmtree, folder.parent, True)
    return folder


SEEDS = _seed_copy()
SEED_DOC = SEEDS / SEED_FILES[0]


def copy_seeds(folder: Path) -> Path:
    """`folder` made to hold copies of the project's seed documents (and nothing a user added to seeds/)."""
    shutil.copytree(SEEDS, folder)
    return folder


_SHARED: dict = {}


def shared(key: str, start):
    """A generator fixture's body: yields what the context manager `start()` gives, started once per test run.
    A session fixture imported by several test modules is one fixture per module to pytest, and each would
    start its own app (20-30 s each); the first starts it, the others share it, and it stops at the end."""
    if key in _SHARED:
        yield _SHARED[key]
        return
    with start() as value:
        _SHARED[key] = value
        try:
            yield value
        finally:
            del _SHARED[key]


def wait_for_app(proc: subprocess.Popen, url: str, log_path: Path, timeout: float = 90) -> None:
    """Ready means `python app.py` says so (it prints after the server accepts connections) and the page loads."""
    deadline = time.time() + timeout
    while True:
        if "Serving on" in log_path.read_text():
            try:
                with urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
        if proc.poll() is not None or time.time() > deadline:
            pytest.fail(f"app.py did not become ready: {log_path.read_text()[-3000:]}")
        time.sleep(0.25)


@pytest.fixture
def no_network(monkeypatch):
    """Any connection the test's code tries to open fails the test: models and files ship with citeqa."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    # Tests never read the developer's citeqa.toml or write to the project's index/.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_settings(tmp_path):
    from citeqa.settings import load_settings

    def make(**overrides):
        overrides.setdefault("index_path", tmp_path / "index")
        overrides.setdefault("corpus_path", SEEDS)
        return load_settings(**overrides)

    return make


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory):
    """One embedded index of the seed documents, shared by tests that only read it."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    index = tmp_path_factory.mktemp("seed-index")
    assistant = Assistant(load_settings(index_path=index, corpus_path=SEEDS))
    assistant.ingest(progress=False)
    return assistant


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on 127.0.0.1; yields its URL."""
    data = tmp_path_factory.mktemp("chroma-server")
    try:
        proc, url = start_chroma(data / "db", data / "server.log")
    except RuntimeError as e:
        pytest.fail(str(e))
    yield url
    stop_process(proc)
