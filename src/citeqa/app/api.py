"""The app's named API endpoints (gradio_client, and MCP tools where the `mcp` package is installed):
/ask (stateless), /chat, /conversation and /new_chat (per client session), /documents, /settings."""

# No `from __future__ import annotations`: gr.api derives each endpoint's schema from real type hints.

import logging

import gradio as gr

from citeqa.app.conversation import ASK_CONCURRENCY, UNEXPECTED, ask_once, conversation_markdown, new_conversation, parse_history, record_turn
from citeqa.errors import CiteqaError

log = logging.getLogger("citeqa.app")


def register_api(engine, conversation: gr.State) -> None:
    """Call inside the app's Blocks: the endpoints share the page's per-session conversation state."""

    def ask(question: str, history: list[str] | str | None = None) -> dict:
        """Answer a question about the indexed documents, every claim cited. `history`: the earlier questions of the conversation, oldest first (a list of strings or a JSON array). Returns the `citeqa ask --json` object."""
        try:
            return engine.public_result(engine.assistant.ask(question, history=parse_history(history)))
        except CiteqaError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception:
            log.exception("/ask failed")
            raise gr.Error(UNEXPECTED, print_exception=False) from None

    def documents() -> list[dict]:
        """The indexed documents: source, title, hash (sha256 of the file), size (bytes), passages, indexed_at (Unix time)."""
        # No server paths (and no "path" key, which gradio_client would take for a file to download).
        return [{k: v for k, v in d.items() if k != "path"} for d in engine.documents()]

    def settings() -> dict:
        """The effective settings of the running app and the number of documents: folders by their label, models by their name, no secrets."""
        return engine.effective()

    def api_chat(question, conversation):
        result, error = ask_once(engine.assistant, question, conversation or new_conversation())
        result = engine.public_result(result)
        if result is None:
            raise gr.Error(error, print_exception=False)
        return result, record_turn(conversation, question, result, None)

    def api_conversation(conversation):
        conversation = conversation or new_conversation()
        return {"questions": conversation["questions"], "turns": len(conversation["turns"]),
                "markdown": conversation_markdown(conversation)}

    # Hidden pieces behind the session-bound endpoints.
    api_question = gr.Textbox(visible=False)
    api_result = gr.JSON(visible=False)
    api_go = gr.Button(visible=False)
    api_conv_go = gr.Button(visible=False)
    api_reset_go = gr.Button(visible=False)

    gr.api(ask, api_name="ask", concurrency_id="citeqa-ask", concurrency_limit=ASK_CONCURRENCY)
    chat_dep = api_go.click(api_chat, [api_question, conversation], [api_result, conversation], api_name="chat",
                            api_description="Ask within this session's conversation (earlier questions are the history); returns the `citeqa ask --json` object.",
                            concurrency_id="citeqa-ask", concurrency_limit=ASK_CONCURRENCY)
    conv_dep = api_conv_go.click(api_conversation, [conversation], [api_result], api_name="conversation",
                                 api_description="This session's conversation: its questions, number of turns, and the Markdown export.")
    reset_dep = api_reset_go.click(lambda: (new_conversation(), {"questions": [], "turns": 0, "markdown": ""}), None,
                                   [conversation, api_result], api_name="new_chat", api_description="Start this session's conversation over.")
    # The session-bound endpoints are for gradio_client (which keeps a session); MCP tools are stateless.
    for dep in (chat_dep, conv_dep, reset_dep):
        dep.fn._mcp_type = "none"
    gr.api(documents, api_name="documents")
    gr.api(settings, api_name="settings")
