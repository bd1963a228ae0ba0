"""citeqa chat front end: a Gradio chat over `Assistant.ask`, plus a named `/ask` API endpoint.

    python app.py [--host 127.0.0.1] [--port 7860] [--no-ingest] [--auth user:pass]

Every piece of document text and every question is escaped before it reaches the chat's Markdown
renderer (which also sanitises HTML), so a document holding `<script>` or `<img onerror=...>` is
shown as text. The conversation (earlier questions, shown messages) lives in per-session gr.State,
never in a global. Errors a user can act on (citeqa.errors.CiteqaError) become one chat message;
anything else is logged on the server and the user gets one sentence, never a traceback.
"""

# No `from __future__ import annotations`: gr.api derives the endpoint's schema from real type hints.

import argparse
import ipaddress
import json
import logging
import os
import string
import sys
import time
from typing import Any

import citeqa  # noqa: F401  (sets the offline environment before gradio or a model library imports)
from citeqa.errors import CiteqaError, InputError

log = logging.getLogger("citeqa.ui")

EXIT_ERROR = 1
EXIT_USAGE = 2
MAX_HISTORY = 20  # earlier questions passed on; the answerers use only the last few
SHOWN_QUESTION_CHARS = 500  # a pasted 100,000-character "question" is not echoed in full
UNEXPECTED = "Something went wrong while answering; the details are in the server log."
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

# -- rendering -------------------------------------------------------------------------------------
# One pass over the text: HTML-special characters become entities, every other ASCII punctuation
# character is backslash-escaped (CommonMark allows this for all of them), so no Markdown construct,
# autolink, HTML tag or entity can form from document text.
_ESCAPES = {c: "\\" + c for c in string.punctuation}
_ESCAPES.update({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def escape_markdown(text: str) -> str:
    """Text made inert for a Markdown+HTML renderer: shows exactly as written, renders nothing."""
    return str(text).translate(_ESCAPE_TABLE)


def _escape_lines(text: str) -> list[str]:
    # Leading spaces would start an indented code block; tabs likewise.
    return [escape_markdown(line.strip()) for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _paragraphs(text: str) -> str:
    return "\n".join(_escape_lines(text)).strip()


def _blockquote(text: str) -> str:
    lines = _escape_lines(text)
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(f"> {line}" if line else ">" for line in lines) or "> "


def _line_span(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}–{b}"


def format_citation(c: dict) -> str:
    head = f"**\\[{int(c['n'])}\\]** {escape_markdown(c['source'])}, {_line_span(int(c['line_start']), int(c['line_end']))}"
    if not c.get("supported", True):
        head += " — ⚠️ **not supported:** this passage does not back the sentence that cites it"
    return f"{head}\n\n{_blockquote(c['quote'])}"


def format_answer_markdown(result: dict) -> str:
    """The assistant's chat message for one `Assistant.ask` result: the answer, then its citations."""
    if result.get("error"):
        return f"⚠️ **Error:** {_paragraphs(result['error'])}"
    if result.get("refused"):
        return f"🚫 **No answer from the documents.** {_paragraphs(result['answer'])}"
    parts = [_paragraphs(result["answer"])]
    citations = result.get("citations") or []
    if citations:
        parts.append("**Sources**")
        parts.extend(format_citation(c) for c in citations)
    else:
        parts.append("*(no citations)*")
    return "\n\n".join(parts)


def format_error(message: str) -> str:
    return f"⚠️ **Error:** {_paragraphs(message)}"


def format_question(question: str) -> str:
    shown = question.strip()
    if len(shown) > SHOWN_QUESTION_CHARS:
        return f"{_paragraphs(shown[:SHOWN_QUESTION_CHARS])} … *({len(shown):,} characters)*"
    return _paragraphs(shown)


# -- the two ways in -------------------------------------------------------------------------------
def parse_history(history: Any) -> list[str]:
    """History from the API: a list of strings, a JSON array of strings, or nothing."""
    if history is None or history == "":
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError:
            raise InputError("The history must be a list of earlier questions (strings) or a JSON array of them.") from None
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise InputError("The history must be a list of earlier questions (strings) or a JSON array of them.")
    return history[-MAX_HISTORY:]


def new_conversation() -> dict:
    return {"questions": [], "messages": []}


def chat_turn(assistant, question: Any, conversation: dict | None) -> dict:
    """One turn of the chat: a new conversation dict (the input is not mutated)."""
    conversation = conversation or new_conversation()
    questions = list(conversation.get("questions", []))
    messages = list(conversation.get("messages", []))
    question = question if isinstance(question, str) else ""
    if question.strip():
        messages.append({"role": "user", "content": format_question(question)})
    try:
        result = assistant.ask(question, history=questions[-MAX_HISTORY:])
    except CiteqaError as e:
        reply = format_error(str(e))
    except Exception:
        log.exception("answering failed")
        reply = format_error(UNEXPECTED)
    else:
        reply = format_answer_markdown(result)
        if not result.get("error"):
            questions.append(question.strip())
    messages.append({"role": "assistant", "content": reply})
    return {"questions": questions, "messages": messages}


def build_app(assistant):
    """The chat UI and the `/ask` endpoint over one Assistant."""
    import gradio as gr

    def ask(question: str, history: list[str] | str | None = None) -> dict:
        """Answer a question about the indexed documents, every claim cited. `history`: the earlier questions of the conversation, oldest first (a list of strings or a JSON array). Returns the `citeqa ask --json` object."""
        try:
            return assistant.ask(question, history=parse_history(history))
        except CiteqaError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception:
            log.exception("/ask failed")
            raise gr.Error(UNEXPECTED, print_exception=False) from None

    def show_question(question, conversation):
        # Fast first step: echo the question and clear the box while the answer is computed.
        conversation = conversation or new_conversation()
        messages = list(conversation["messages"])
        if isinstance(question, str) and question.strip():
            messages.append({"role": "user", "content": format_question(question)})
        return "", question, messages

    def answer(pending, conversation):
        conversation = chat_turn(assistant, pending, conversation)
        return conversation, conversation["messages"], None

    def reset():
        conversation = new_conversation()
        return conversation, [], None, ""

    with gr.Blocks(title="citeqa", analytics_enabled=False) as app:
        gr.Markdown("## citeqa\nAsk about the indexed documents. Every answer cites the exact passages it comes from.")
        chatbot = gr.Chatbot(
            label="Conversation",
            height=560,
            sanitize_html=True,
            render_markdown=True,
            allow_tags=False,
            latex_delimiters=[],
            buttons=["copy"],
            feedback_options=None,
            group_consecutive_messages=False,  # an error after an answer gets its own bubble
            placeholder="Ask a question about the documents; follow-up questions keep the context.",
        )
        with gr.Row():
            box = gr.Textbox(
                show_label=False,
                placeholder="Type a question and press Enter",
                scale=8,
                max_lines=6,
                autofocus=True,
            )
            send = gr.Button("Send", variant="primary", scale=1, min_width=80)
        clear = gr.Button("New conversation", variant="secondary", size="sm")
        conversation = gr.State(new_conversation())
        pending = gr.State(None)

        gr.on(
            triggers=[box.submit, send.click],
            fn=show_question,
            inputs=[box, conversation],
            outputs=[box, pending, chatbot],
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        ).then(
            answer,
            inputs=[pending, conversation],
            outputs=[conversation, chatbot, pending],
            concurrency_id="citeqa-ask",
            show_progress="minimal",
            api_visibility="private",
        )
        # Both the button and the chat's own trash icon start over: shown messages and history together.
        clear.click(reset, None, [conversation, chatbot, pending, box], queue=False, api_visibility="private")
        chatbot.clear(reset, None, [conversation, chatbot, pending, box], queue=False, api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_id="citeqa-ask")
    return app


# -- serving ---------------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError("Credentials must be given as user:password (both non-empty).")
    return user, password


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", description="citeqa chat: answers about your documents, every claim cited.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --auth)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--no-ingest", action="store_true", help="serve the index as it is; do not ingest the corpus folder first")
    p.add_argument("--auth", metavar="USER:PASS", help="require this login (or set CITEQA_AUTH=user:pass)")
    return p


def warm(assistant) -> None:
    """Load the embedding model and the retrieval parts now, so the first question is fast."""
    assistant.embedder.encode_one("warm-up")
    assistant.retriever  # noqa: B018
    assistant.answerer  # noqa: B018
    assistant.store.refresh_keyword_index()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        auth = parse_auth(args.auth or os.environ.get("CITEQA_AUTH"))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(args.host) and auth is None:
        print(
            f"error: refusing to serve on {args.host} without a login: anyone who can reach it could read the documents; "
            "pass --auth user:pass (or set CITEQA_AUTH=user:pass), or bind to 127.0.0.1.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        print(f"error: --port must be between 1 and 65535, not {args.port}.", file=sys.stderr)
        return EXIT_USAGE

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # some libraries set their own loggers to DEBUG
    try:
        from citeqa.chat import Assistant
        from citeqa.settings import load_settings

        assistant = Assistant(load_settings())
        if not args.no_ingest:
            report = assistant.ingest(progress=False)
            for _path, error in report.failed:
                print(f"skipped: {error}", file=sys.stderr)
            print(f"ingest: {report.summary()}", flush=True)
        warm(assistant)
        app = build_app(assistant)
    except CiteqaError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

    app.queue(default_concurrency_limit=1)
    try:
        app.launch(
            server_name=args.host,
            server_port=args.port,
            share=False,
            auth=auth,
            show_error=False,
            quiet=True,
            inbrowser=False,
            prevent_thread_lock=True,
            ssr_mode=False,
            mcp_server=False,
            pwa=False,
            enable_monitoring=False,
            run_history=False,
            footer_links=["api"],
        )
    except OSError as e:
        print(f"error: cannot serve on {args.host}:{args.port}: {e}", file=sys.stderr)
        return EXIT_ERROR
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving on http://{host}:{args.port} (ready in {time.perf_counter() - started:.1f} s)", flush=True)
    try:
        app.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
