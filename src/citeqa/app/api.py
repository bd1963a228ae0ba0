"""The app's named API endpoints (gradio_client, and MCP tools where the `mcp` package is installed):
/ask (stateless), /chat, /conversation and /new_chat (per client session), /documents, /collections,
/settings. Every one that reads documents takes the collection it reads and checks, for this caller,
that they may see it (app/scopes.py)."""

# No `from __future__ import annotations`: gr.api derives each endpoint's schema from real type hints.

import logging

import gradio as gr

from citeqa.app.conversation import ASK_CONCURRENCY, UNEXPECTED, ask_once, conversation_markdown, new_conversation, parse_history, record_turn
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")


def register_api(engine, conversation: gr.State, scopes, role: gr.State) -> None:
    """Call inside the app's Blocks: the endpoints share the page's per-session conversation state."""

    def ask(question: str, history: list[str] | str | None = None, collection: str | None = None,
            sources: list[str] | str | None = None, request: gr.Request = None) -> dict:
        """Answer a question about the indexed documents, every claim cited, and say which documents it read.

        Args:
            question: the question to answer from the documents, in plain words (up to 4,000 characters).
            history: the earlier questions of the conversation, oldest first (a list of strings or a JSON array); a follow-up such as "When did it sign it?" is read with them.
            collection: the collection to ask, by name (the `collections` tool lists those you can see); empty: the default one.
            sources: the documents of that collection to limit the question to, named as the `documents` tool lists them (a list or a JSON array); empty: all of them.

        Returns:
            The `citeqa ask --json` object: answer (the sentence that answers, its claims marked [1], [2]...), short_answer (the phrase that answers: text, and the citation n it lies in), citations (each: n, source, line_start and line_end or page for a PDF, the quote, and supported), refused (true when the documents hold no answer: then answer says so and citations is empty), passages (what was read), and scope (the collection asked and the documents read).
        """
        try:
            asked = scopes.api(collection, sources, None, request)
            result = asked.assistant.ask(question, history=parse_history(history), sources=asked.sources)
            return scopes.public(result, asked)
        except CiteqaError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception:
            log.exception("/ask failed")
            raise gr.Error(UNEXPECTED, print_exception=False) from None

    def documents(collection: str | None = None, request: gr.Request = None) -> list[dict]:
        """List the documents of a collection, to name them in `ask`'s sources.

        Args:
            collection: the collection whose documents to list, by name (the `collections` tool lists those you can see); empty: the default one.

        Returns:
            One object per document: source (its name, as `ask` cites it), title, hash (sha256 of the file), size (bytes), passages (how many it was split into), indexed_at (Unix time).
        """
        try:
            chosen = scopes.api(collection, None, None, request).collection
        except CiteqaError as e:
            raise gr.Error(str(e), print_exception=False) from None
        # No server paths (and no "path" key, which gradio_client would take for a file to download).
        return [{k: v for k, v in d.items() if k != "path"} for d in engine.documents(chosen)]

    def collections(request: gr.Request = None) -> list[dict]:
        """List the collections you can see, to name one in `ask` or `documents`.

        Returns:
            One object per collection: name, default (true for the one asked when none is named), documents and passages (how many it holds).
        """
        start = scopes.start(None, request)
        out = []
        for c in scopes.visible(None, request):
            docs = engine.documents(c)
            out.append({"name": c.name, "default": c.id == start.id, "documents": len(docs),
                        "passages": sum(int(d.get("passages", 0)) for d in docs)})
        return out

    def settings() -> dict:
        """Show how the running app answers.

        Returns:
            The effective settings (answerer, models by their name, retrieval settings, corpus folders by their label; no secrets) and the number of documents.
        """
        return engine.effective()

    def api_chat(question, collection, sources, conversation, role, request: gr.Request):
        try:
            asked = scopes.api(collection, sources, role, request)
        except CiteqaError as e:
            raise gr.Error(str(e), print_exception=False) from None
        result, error = ask_once(asked.assistant, question, conversation or new_conversation(), asked.sources)
        result = scopes.public(result, asked)
        if result is None:
            raise gr.Error(error, print_exception=False)
        return result, record_turn(conversation, question, result, None)

    def api_conversation(conversation):
        conversation = conversation or new_conversation()
        return {"questions": conversation["questions"], "turns": len(conversation["turns"]),
                "markdown": conversation_markdown(conversation)}

    # Hidden pieces behind the session-bound endpoints.
    api_question = gr.Textbox(visible=False)
    api_collection = gr.Textbox(visible=False, value="")
    api_sources = gr.JSON(visible=False, value=[])  # (a value: gradio_client may leave it out)
    api_result = gr.JSON(visible=False)
    api_go = gr.Button(visible=False)
    api_conv_go = gr.Button(visible=False)
    api_reset_go = gr.Button(visible=False)

    gr.api(ask, api_name="ask", concurrency_id="citeqa-ask", concurrency_limit=ASK_CONCURRENCY)
    chat_dep = api_go.click(api_chat, [api_question, api_collection, api_sources, conversation, role],
                            [api_result, conversation], api_name="chat",
                            api_description="Ask within this session's conversation (earlier questions are the history), "
                            "of a collection (by name; empty: the default one) and, optionally, of some of its documents "
                            "(a list of names as /documents gives them); returns the `citeqa ask --json` object.",
                            concurrency_id="citeqa-ask", concurrency_limit=ASK_CONCURRENCY)
    conv_dep = api_conv_go.click(api_conversation, [conversation], [api_result], api_name="conversation",
                                 api_description="This session's conversation: its questions, number of turns, and the Markdown export.")
    reset_dep = api_reset_go.click(lambda: (new_conversation(), {"questions": [], "turns": 0, "markdown": ""}), None,
                                   [conversation, api_result], api_name="new_chat", api_description="Start this session's conversation over.")
    # The session-bound endpoints are for gradio_client (which keeps a session); MCP tools are stateless.
    for dep in (chat_dep, conv_dep, reset_dep):
        dep.fn._mcp_type = "none"
    gr.api(documents, api_name="documents")
    gr.api(collections, api_name="collections")
    gr.api(settings, api_name="settings")
