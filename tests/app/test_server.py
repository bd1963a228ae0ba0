"""The chat front end: message rendering (citations, escaping), per-session history, errors as
messages, and the real app served by `python app.py` and called through gradio_client."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from app_support import QUESTION
from conftest import stop_process, wait_for_app

from citeqa.errors import InputError, StoreError
from citeqa.app.conversation import chat_turn, parse_history
from citeqa.app.rendering import escape_markdown, format_answer_markdown
from citeqa.app.server import is_loopback, parse_auth

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _citation(**kw) -> dict:
    c = {"n": 1, "source": "seeds/doc_1.txt", "title": "T", "start": 0, "end": 10, "line_start": 3, "line_end": 5,
         "quote": "Thailand signed in Hanoi.", "score": 0.7, "supported": True, "passage_id": "p"}
    c.update(kw)
    return c


def _result(**kw) -> dict:
    r = {"question": "q", "answer": "It was Hanoi. [1]", "refused": False, "citations": [_citation()], "passages": []}
    r.update(kw)
    return r


# -- (a) rendering -----------------------------------------------------------------------------------
def _html(markdown: str) -> str:
    """Render like a chat would, raw HTML allowed, to see what the escaping leaves active."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def test_answer_lists_citations_under_the_answer():
    md = format_answer_markdown(_result(citations=[_citation(), _citation(n=2, source="seeds/b.txt", line_start=7, line_end=7, quote="Second.")]))
    html = _html(md)
    assert md.index("Hanoi") < md.index("seeds")
    assert "[1]</strong> seeds/doc_1.txt, lines 3–5" in html
    assert "[2]</strong> seeds/b.txt, line 7" in html
    assert html.count("<blockquote>") == 2
    assert "<blockquote>\n<p>Thailand signed in Hanoi.</p>\n</blockquote>" in html


def test_unsupported_citation_and_refusal_are_marked():
    md = format_answer_markdown(_result(citations=[_citation(supported=False)]))
    assert "not supported" in md
    assert "not supported" not in format_answer_markdown(_result())
    refused = format_answer_markdown(_result(refused=True, citations=[], answer='The documents do not say: "x".'))
    assert "No answer from the documents" in refused
    assert "Error" in format_answer_markdown(_result(refused=True, citations=[], error="The LLM server is down."))


@pytest.mark.parametrize("field", ["quote", "source", "answer"])
def test_document_text_is_escaped(field):
    payload = f"{XSS} <script>alert(2)</script> *em* [link](http://example.com) `code` $$x$$ &amp;"
    result = _result(answer=payload) if field == "answer" else _result(citations=[_citation(**{field: payload})])
    md = format_answer_markdown(result)
    html = _html(md)
    for rendered in (md, html):
        assert XSS not in rendered
        assert "<img" not in rendered and "<script" not in rendered
    assert "<a " not in html and "<em>" not in html and "<code>" not in html
    # ...and the text still reads exactly as written.
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "*em* [link](http://example.com) `code` $$x$$ &amp;amp;" in html


def test_quote_lines_cannot_open_markdown_blocks():
    md = format_answer_markdown(_result(citations=[_citation(quote="    indented code?\n# heading\n- item\n1. one\n> nested\n---")]))
    html = _html(md)
    for tag in ("<pre", "<h1", "<ul", "<ol", "<hr"):
        assert tag not in html
    assert html.count("<blockquote>") == 1
    assert escape_markdown("a_b*c") == "a\\_b\\*c"


# -- chat turns: history and errors --------------------------------------------------------------------
class FakeAssistant:
    def __init__(self, fail=None):
        self.calls = []
        self.fail = fail

    def ask(self, question, history=None):
        self.calls.append((question, list(history or [])))
        if not question.strip():
            raise InputError("The question is empty: type a question about the documents.")
        if self.fail:
            raise self.fail
        return _result(question=question)


def test_chat_turn_passes_earlier_questions_as_history():
    fake = FakeAssistant()
    conv = chat_turn(fake, "First?", None)
    conv = chat_turn(fake, "", conv)  # an error does not join the history
    conv = chat_turn(fake, "Second?", conv)
    conv = chat_turn(fake, "Third?", conv)
    assert fake.calls == [("First?", []), ("", ["First?"]), ("Second?", ["First?"]), ("Third?", ["First?", "Second?"])]
    assert conv["questions"] == ["First?", "Second?", "Third?"]
    roles = [m["role"] for m in conv["messages"]]
    assert roles == ["user", "assistant", "assistant", "user", "assistant", "user", "assistant"]
    assert "The question is empty" in conv["messages"][2]["content"]


def test_chat_turn_shows_errors_as_one_message_never_a_traceback():
    conv = chat_turn(FakeAssistant(fail=StoreError("The vector store at http://127.0.0.1:1 cannot be reached.")), "Q?", None)
    assert conv["messages"][-1]["role"] == "assistant"
    assert "cannot be reached" in conv["messages"][-1]["content"]
    assert conv["questions"] == []
    conv = chat_turn(FakeAssistant(fail=ZeroDivisionError("boom")), "Q?", None)
    last = conv["messages"][-1]["content"]
    assert "server log" in last and "Traceback" not in last and "boom" not in last


def test_chat_turn_with_real_assistant_rejects_long_question(seed_assistant):
    conv = chat_turn(seed_assistant, "x" * 100_000, None)
    assert "limit is" in conv["messages"][-1]["content"]
    assert len(conv["messages"][0]["content"]) < 1000  # the echo of the question is shortened


def test_history_and_auth_parsing():
    assert parse_history(None) == [] and parse_history("") == []
    assert parse_history(["a", "b"]) == ["a", "b"]
    assert parse_history('["a", "b"]') == ["a", "b"]
    for bad in ("not json", '{"a": 1}', [1, 2]):
        with pytest.raises(InputError):
            parse_history(bad)
    assert parse_auth("u:p:q") == ("u", "p:q")
    with pytest.raises(InputError):
        parse_auth("nopassword")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


# -- (b) the served app ----------------------------------------------------------------------------------
def _env(tmp: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               CITEQA_CONFIG=str(tmp / "absent.toml"), **extra)
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui-app")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = tmp / "app.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)],
            cwd=ROOT, env=_env(tmp, CITEQA_INDEX_PATH=str(tmp / "index")), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_app(proc, url, log_path)
        yield url, proc, log_path
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served[0], analytics_enabled=False, verbose=False)


def test_served_page_and_startup_output(served):
    url, proc, log_path = served
    with urlopen(url, timeout=5) as r:
        assert "citeqa" in r.read().decode("utf-8", "replace")
    out = log_path.read_text()
    assert "ingest: 1 added" in out
    assert f"Serving on {url.rstrip('/')}" in out
    assert proc.poll() is None


def test_api_ask_answers_with_exact_quote(client):
    result = client.predict(QUESTION, [], api_name="/ask")
    assert isinstance(result, dict)
    assert "Hanoi" in result["answer"] and not result["refused"]
    c = result["citations"][0]
    with open(ROOT / c["source"], encoding="utf-8", newline="") as f:
        text = f.read()
    assert c["quote"] == text[c["start"]:c["end"]]


def test_api_ask_follow_up_with_history(client):
    for history in ([QUESTION], json.dumps([QUESTION])):
        result = client.predict("When did it sign it?", history, api_name="/ask")
        assert result["question"] == "When did it sign it?"
        assert not result["refused"] and "2025" in result["answer"] and result["citations"]


def test_api_ask_errors_are_one_clear_sentence(client, served):
    from gradio_client.exceptions import AppError

    for question, expected in (("", "The question is empty"), ("x" * 100_000, "the limit is")):
        with pytest.raises(AppError) as e:
            client.predict(question, [], api_name="/ask")
        assert expected in str(e.value) and "Traceback" not in str(e.value)
    with pytest.raises(AppError) as e:
        client.predict(QUESTION, "not json", api_name="/ask")
    assert "history must be a list" in str(e.value)
    assert "Traceback" not in served[2].read_text()
    assert client.predict(QUESTION, None, api_name="/ask")["answer"]  # still serving after errors


# -- (c) refusing to serve unprotected on a public address ------------------------------------------
def test_public_host_without_auth_refuses_quickly(tmp_path):
    port = _free_port()
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(port)],
        cwd=ROOT, env=_env(tmp_path, CITEQA_INDEX_PATH=str(tmp_path / "index")), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "refusing to serve on 0.0.0.0" in proc.stderr and "--auth" in proc.stderr
    assert "Serving on" not in proc.stdout and "Traceback" not in proc.stderr
    assert time.time() - started < 20
    assert not (tmp_path / "index").exists()  # nothing was ingested


# -- (d) per-session conversations through gradio_client ------------------------------------------------
def test_api_chat_two_clients_at_once_stay_apart(served):
    """Two gradio_client sessions talk at the same time; each follow-up is read with its own history."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    scripts = {
        "a": [QUESTION, "When did it sign it?"],
        "b": ["Which city hosted the global conference on online scams?", "Who co-organised it?"],
    }

    def talk(name):
        client = Client(served[0], analytics_enabled=False, verbose=False)
        answers = [client.predict(q, api_name="/chat") for q in scripts[name]]
        return answers, client.predict(api_name="/conversation")

    with ThreadPoolExecutor(2) as pool:
        (a_answers, a_conv), (b_answers, b_conv) = pool.map(talk, ["a", "b"])
    assert a_conv["questions"] == scripts["a"] and b_conv["questions"] == scripts["b"]
    assert "Hanoi" in a_answers[0]["answer"] and "2025" in a_answers[1]["answer"]
    assert "Bangkok" in b_answers[0]["answer"]
    assert "United Nations Office on Drugs and Crime" in b_answers[1]["answer"]
    assert QUESTION in a_conv["markdown"] and QUESTION not in b_conv["markdown"]
    assert a_answers[0]["citations"][0]["quote"] in a_conv["markdown"].replace("\n> ", " ")


def test_api_documents_settings_and_new_chat(client):
    docs = client.predict(api_name="/documents")
    assert [d["source"] for d in docs] == ["seeds/000_b943be75029e422a.txt"] and docs[0]["passages"] > 0
    settings = client.predict(api_name="/settings")
    assert settings["answerer"] == "extractive" and settings["documents"] == 1 and settings["llm_api_key"] is None
    client.predict(QUESTION, api_name="/chat")
    assert client.predict(api_name="/conversation")["questions"][-1] == QUESTION
    assert client.predict(api_name="/new_chat")["questions"] == []
    assert client.predict(api_name="/conversation")["questions"] == []


def test_api_takes_a_collection_and_documents(client):
    from gradio_client.exceptions import AppError

    [listed] = client.predict(api_name="/collections")
    assert listed["name"] == "seeds" and listed["default"] and listed["documents"] == 1 and listed["passages"] > 0
    seed = "seeds/000_b943be75029e422a.txt"
    result = client.predict(QUESTION, [], "seeds", [seed], api_name="/ask")
    assert result["scope"]["sources"] == [seed] and result["scope"]["collection"] == "seeds"
    assert {c["source"] for c in result["citations"]} <= {seed}
    assert [d["source"] for d in client.predict("seeds", api_name="/documents")] == [seed]
    for collection, sources, expected in (("nope", None, "There is no collection 'nope' you can see (yours: seeds)"),
                                          ("seeds", ["seeds/other.txt"], "Not in the collection seeds: seeds/other.txt"),
                                          (None, "not json [", "Not in the collection seeds")):
        with pytest.raises(AppError) as e:
            client.predict(QUESTION, [], collection, sources, api_name="/ask")
        assert expected in str(e.value) and "Traceback" not in str(e.value)
    with pytest.raises(AppError, match="There is no collection 'nope'"):
        client.predict(QUESTION, "nope", None, api_name="/chat")


def test_mcp_server_when_available(served):
    """With the `mcp` package (gradio[mcp]) the stateless endpoints are also MCP tools; without it, no MCP."""
    import importlib.util

    url, _proc, log_path = served
    if importlib.util.find_spec("mcp") is None:
        assert "MCP" not in log_path.read_text()
        pytest.skip("the mcp package is not installed: no MCP server (pip install 'gradio[mcp]')")
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def talk():
        # mcp 1.x yields (read, write, get_session_id); 2.x yields (read, write).
        async with streamable_http_client(f"{url}gradio_api/mcp/") as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
                called = await session.call_tool("ask", {"question": QUESTION})
                return tools, " ".join(getattr(c, "text", "") for c in called.content)

    tools, text = asyncio.run(asyncio.wait_for(talk(), 60))
    assert {"ask", "documents", "collections", "settings"} <= set(tools)
    assert not {"api_chat", "api_conversation"} & set(tools)  # session-bound endpoints are not MCP tools
    properties = tools["ask"].inputSchema["properties"]
    assert {"question", "history", "collection", "sources"} <= set(properties) and "request" not in properties
    for name in ("question", "history", "collection", "sources"):  # every parameter described for the model
        assert len(properties[name].get("description", "")) > 20, (name, properties[name])
    assert "Hanoi" in text


def test_ask_stream_passes_deltas_then_the_result():
    from citeqa.app.conversation import ask_stream

    class Streaming:
        def stream(self, question, history):
            assert history == ["earlier"]
            yield "delta", "Han"
            yield "delta", "Hanoi [1]."
            yield "result", {"answer": "Hanoi [1].", "citations": []}

    class Failing:
        def stream(self, question, history):
            raise InputError("The question is empty: type a question about the documents.")
            yield  # a generator

    events = list(ask_stream(Streaming(), "Where?", {"questions": ["earlier"]}))
    assert events == [("delta", "Han"), ("delta", "Hanoi [1]."), ("done", ({"answer": "Hanoi [1].", "citations": []}, None))]
    assert list(ask_stream(Failing(), "", {})) == [("done", (None, "The question is empty: type a question about the documents."))]
