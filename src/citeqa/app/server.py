"""Serving the chat: `python app.py [--host 127.0.0.1] [--port 7860] [--no-ingest] [--auth user:pass]`.

Bound to anything but loopback it refuses to start without a login. Nothing is fetched at start.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
import threading
import time

import citeqa  # noqa: F401  (sets the offline environment before gradio or a model library imports)
from citeqa.app.engine import MAX_UPLOAD_BYTES
from citeqa.app.style import CSS
from citeqa.errors import CiteqaError, InputError

log = logging.getLogger("citeqa.app")

EXIT_ERROR = 1
EXIT_USAGE = 2
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


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


def mcp_available() -> bool:
    """Gradio's MCP server needs the `mcp` package (gradio[mcp]); serve it when that is installed."""
    if os.environ.get("CITEQA_NO_MCP"):
        return False
    try:
        import mcp  # noqa: F401
    except ImportError:
        return False
    return True


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", description="citeqa chat: answers about your documents, every claim cited.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --auth)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--no-ingest", action="store_true", help="serve the index as it is; do not ingest the corpus folder first")
    p.add_argument("--auth", metavar="USER:PASS", help="require this login (or set CITEQA_AUTH=user:pass)")
    return p


def warm(assistant) -> None:
    """Load what a question needs now, so the first question is fast: the question encoder (numpy; the
    torch model loads only when something is indexed), retrieval and the answerer."""
    assistant.embedder.encode_queries(["warm-up"])
    assistant.retriever  # noqa: B018
    assistant.answerer  # noqa: B018
    assistant.store.refresh_keyword_index()


def _warm_quietly(assistant) -> None:
    try:
        warm(assistant)
    except Exception as e:  # the first question reports the problem properly
        log.warning("warm-up failed: %s", e)


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
        from citeqa.app.page import build_app  # imports gradio: only when serving
        from citeqa.chat import Assistant
        from citeqa.settings import load_settings

        assistant = Assistant(load_settings())
        if not args.no_ingest:
            report = assistant.ingest(progress=False)
            for _path, error in report.failed:
                print(f"skipped: {error}", file=sys.stderr)
            print(f"ingest: {report.summary()}", flush=True)
        assistant.store.passage_count()  # an index folder that cannot be opened fails here, before serving
        app = build_app(assistant)
    except CiteqaError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

    import warnings

    warnings.filterwarnings("ignore", message="This MCP server includes a tool that has a gr.State input")
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
            mcp_server=mcp_available(),
            pwa=False,
            css=CSS,
            max_file_size=MAX_UPLOAD_BYTES,
            enable_monitoring=False,
            run_history=False,
            footer_links=["api"],
        )
    except OSError as e:
        print(f"error: cannot serve on {args.host}:{args.port}: {e}", file=sys.stderr)
        return EXIT_ERROR
    # The page is up now; the embedding model loads in the background (the first question waits for it).
    threading.Thread(target=_warm_quietly, args=(app.citeqa_engine.assistant,), name="citeqa-warm", daemon=True).start()
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
