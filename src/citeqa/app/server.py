"""Serving the chat: `python app.py [--host 127.0.0.1] [--port 7860] [--no-ingest] [--auth user:pass]...
[--operator-password PASS] [--operator USER]... [--corpus-folder DIR]... [--allowed-host NAME]...`.

Bound to anything but loopback it refuses to start without a login. Nothing is fetched at start.
Requests for a name the app is not served as, and uploads over budget, are refused before Gradio
sees them (middleware.py).
Visitors ask and read; an operator (a session signed in with the operator password, or an --auth login
named by --operator) changes what is indexed and how. Under --auth there is no MCP server: MCP clients
cannot log in, and the tool list would be readable without the login.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path

import citeqa  # noqa: F401  (sets the offline environment before gradio or a model library imports)
from citeqa.app.engine import MAX_UPLOAD_BYTES
from citeqa.app.hosts import allowed_host_names, is_loopback
from citeqa.app.style import CSS
from citeqa.errors import CiteqaError, InputError

log = logging.getLogger("citeqa.app")

EXIT_ERROR = 1
EXIT_USAGE = 2


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
    p.add_argument("--auth", metavar="USER:PASS", action="append",
                   help="require a login (repeat for more accounts; or set CITEQA_AUTH=user:pass)")
    p.add_argument("--operator-password", metavar="PASS",
                   help="let a browser session sign in as operator with this password (8+ characters; "
                        "better: set CITEQA_OPERATOR_PASSWORD, which `ps` does not show)")
    p.add_argument("--operator", metavar="USER", action="append", default=[],
                   help="under --auth: this login is an operator (repeatable; or CITEQA_OPERATORS=alice,bob)")
    p.add_argument("--corpus-folder", metavar="DIR", action="append", default=[], type=Path,
                   help="a folder an operator may make the active corpus, besides corpus_path (repeatable; "
                        "or corpus_folders in citeqa.toml)")
    p.add_argument("--allowed-host", metavar="NAME", action="append", default=[],
                   help="also answer requests for this host name, e.g. a reverse proxy's or a LAN name (repeatable; "
                        "or CITEQA_ALLOWED_HOSTS=a,b); other names get 400 (DNS rebinding)")
    return p


def access_policy(args, auth: list[tuple[str, str]] | None):
    """Who is an operator, from the flags and CITEQA_OPERATOR_PASSWORD / CITEQA_OPERATORS."""
    from citeqa.app.access import AccessPolicy

    password = args.operator_password or os.environ.get("CITEQA_OPERATOR_PASSWORD") or None
    operators = [*args.operator, *[u.strip() for u in os.environ.get("CITEQA_OPERATORS", "").split(",") if u.strip()]]
    users = {user for user, _ in auth or []}
    unknown = [u for u in operators if u not in users]
    if unknown:
        raise InputError(f"--operator {unknown[0]} is not a login: name a user given with --auth.")
    try:
        return AccessPolicy(password, operators, users)
    except CiteqaError as e:
        raise InputError(str(e)) from None


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


def _guards(host: str, allowed: list[str], settings):
    """The checks in front of the app: allowed Host names, upload budgets, visitor cookies."""
    from citeqa.app.history_server import conversation_store
    from citeqa.app.hosts import AllowedHosts
    from citeqa.app.limits import (UPLOAD_CLIENT_BYTES, UPLOAD_CLIENT_WINDOW, UPLOAD_TOTAL_BYTES,
                                   UPLOAD_TOTAL_WINDOW, ByteBudget)
    from citeqa.app.middleware import Guards

    uploads = ByteBudget(UPLOAD_CLIENT_BYTES, UPLOAD_TOTAL_BYTES, UPLOAD_CLIENT_WINDOW, UPLOAD_TOTAL_WINDOW)
    return Guards(AllowedHosts(host, allowed), conversation_store(settings).owners, uploads)


def _launch(app, args, auth, guards) -> str | None:
    """Serve `app` behind `guards` (without waiting); the reason when it cannot be served."""
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
            mcp_server=mcp_available() and auth is None,  # MCP clients cannot log in: no MCP under --auth
            pwa=False,
            css=CSS,
            max_file_size=MAX_UPLOAD_BYTES,
            enable_monitoring=False,
            run_history=False,
            footer_links=["api"],
            app_kwargs={"lifespan": guards.lifespan},
            num_workers=0,  # static file workers would serve uploads on ports the guards do not cover
        )
    except OSError as e:
        return f"cannot serve on {args.host}:{args.port}: {e}"
    if not guards.installed:  # never serve without the Host check and the upload limits
        app.close()
        return "the request checks could not be installed; not serving."
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        logins = args.auth or ([os.environ["CITEQA_AUTH"]] if os.environ.get("CITEQA_AUTH") else [])
        auth = [parse_auth(value) for value in logins] or None
        policy = access_policy(args, auth)
        allowed = allowed_host_names(args.allowed_host, os.environ.get("CITEQA_ALLOWED_HOSTS"))
    except (InputError, ValueError) as e:
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
            from citeqa.index.catalog import Catalog

            # The default collection: the corpus folder and what was uploaded into it (its managed folder).
            roots = Catalog(assistant.settings).default().roots(assistant.settings.index_path)
            report = assistant.ingest(roots if len(roots) > 1 else None, progress=False)
            for _path, error in report.failed:
                print(f"skipped: {error}", file=sys.stderr)
            print(f"ingest: {report.summary()}", flush=True)
        assistant.store.passage_count()  # an index folder that cannot be opened fails here, before serving
        from citeqa.app.engine import Engine

        engine = Engine(assistant, corpus_folders=args.corpus_folder)
        app = build_app(engine, policy)
        guards = _guards(args.host, allowed, assistant.settings)
    except CiteqaError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

    error = _launch(app, args, auth, guards)
    if error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    # The page is up now; the embedding model loads in the background (the first question waits for it).
    threading.Thread(target=_warm_quietly, args=(app.citeqa_engine.assistant,), name="citeqa-warm", daemon=True).start()
    host = f"[{args.host}]" if ":" in args.host else args.host
    if policy.password_sign_in:
        who = "sign in with the operator password on the Settings tab"
    elif policy.operators:
        who = f"the logins {', '.join(sorted(policy.operators))}"
    else:
        who = "none (visitors ask and read; pass --operator-password to manage documents and settings from the page)"
    print(f"Operator: {who}", flush=True)
    if auth is not None and mcp_available():
        print("MCP: off under --auth (MCP clients cannot log in)", flush=True)
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
