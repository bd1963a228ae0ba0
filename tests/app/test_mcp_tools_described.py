"""An agent fills a tool's arguments by the words the MCP server gives it: through the official `mcp`
client, every tool of `python app.py` has a description that says what it returns, every parameter has
a description that says what it is, and `ask` answers a seed question with its citations."""

import ast
import asyncio
import json

import pytest

from app_support import QUESTION, seed_app  # noqa: F401  (a fixture)

mcp = pytest.importorskip("mcp")
try:  # mcp >= 1.24 renamed it (the old name warns)
    from mcp.client.streamable_http import streamable_http_client  # noqa: E402
except ImportError:
    from mcp.client.streamable_http import streamablehttp_client as streamable_http_client  # noqa: E402

# Words each parameter's description must hold: what the argument is, in the terms an agent reads.
PARAMETER_WORDS = {
    ("ask", "question"): "question",
    ("ask", "history"): "earlier questions",
    ("ask", "collection"): "collection",
    ("ask", "sources"): "documents",
    ("documents", "collection"): "collection",
}
# What each tool's description must say it returns.
RETURN_WORDS = {"ask": ("citations", "quote", "refused", "no answer"), "documents": ("source", "passages"),
                "collections": ("name", "passages"), "settings": ("settings",)}


async def _session(url: str):
    async with streamable_http_client(url + "gradio_api/mcp/") as (read, write, _):
        async with mcp.ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            answer = await session.call_tool("ask", {"question": QUESTION})
            return tools, answer


@pytest.fixture(scope="module")
def listed(seed_app):
    return asyncio.run(_session(seed_app))


def test_every_tool_and_parameter_is_described(listed):
    tools, _ = listed
    by_name = {t.name: t for t in tools}
    print(json.dumps({t.name: {"description": t.description,
                               "parameters": {k: v.get("description", "") for k, v in t.inputSchema.get("properties", {}).items()}}
                      for t in tools}, indent=1, ensure_ascii=False))
    assert set(RETURN_WORDS) <= set(by_name), sorted(by_name)
    for tool in tools:
        assert (tool.description or "").strip(), f"{tool.name} has no description"
        for param, schema in tool.inputSchema.get("properties", {}).items():
            words = (schema.get("description") or "").strip()
            assert words, f"{tool.name}({param}) has no description"
            wanted = PARAMETER_WORDS.get((tool.name, param), param)
            assert wanted.lower() in words.lower(), f"{tool.name}({param}): {words!r} does not say {wanted!r}"
    for name, words in RETURN_WORDS.items():
        said = by_name[name].description.lower()
        assert "returns" in said and all(w in said for w in words), f"{name}: {by_name[name].description!r}"


def test_ask_through_mcp_carries_citations(listed):
    _, answer = listed
    assert not answer.isError, answer
    text = " ".join(getattr(c, "text", "") for c in answer.content)
    result = ast.literal_eval(text)  # Gradio sends a returned dict as its Python repr (str(dict)), not JSON
    assert result["refused"] is False and "Hanoi" in result["answer"], result
    assert result["citations"] and result["citations"][0]["quote"], result
    assert all(c["source"] and (c.get("line_start") or c.get("page")) for c in result["citations"]), result
