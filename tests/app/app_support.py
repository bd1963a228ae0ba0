"""What the browser tests of the app share: `python app.py` served from a scratch folder holding a copy
of the seed corpus, and the `chromium` fixture (Debian's Chromium driven by Playwright; a test module
imports it by name)."""

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import copy_seeds, free_port, shared, stop_process, wait_for_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "ui"  # screenshots the browser tests leave to be looked at
# The seed article's question every UI test asks (answer: Hanoi, line 7).
QUESTION = "In which city did Thailand sign the UN convention against cybercrime?"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def served_app(work: Path, *args: str, env: dict | None = None):
    """`python app.py` on a free port with the seeds copied into `work` (uploads land in `work/index/`) and
    `env` added to its environment; yields its URL. The app's log must hold no traceback when it stops."""
    copy_seeds(work / "seeds")
    port = free_port()
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               CITEQA_CONFIG=str(work / "absent.toml"), **extra)
    log_path = work / "app.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args], cwd=work, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    started = time.time()
    try:
        wait_for_app(proc, f"http://127.0.0.1:{port}/", log_path)
        print(f"app.py served its page {time.time() - started:.1f} s after start")
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process(proc)
        assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture(scope="session")
def seed_app(tmp_path_factory):
    """`served_app` on the seeds, no operator: one for the whole run, shared by the browser tests that only
    ask and read (each in its own browser context, so as its own visitor). Yields its URL."""
    yield from shared("seed_app", lambda: served_app(tmp_path_factory.mktemp("ui-seed")))


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium (.ci/run does this)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def chat_page(browser, url: str):
    """A fresh browser context on the app at 1280×800, once its question box is there and the page's
    load events (examples, conversation list) have settled."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#cq-question")
    page.wait_for_timeout(800)
    try:
        yield page
    finally:
        context.close()
