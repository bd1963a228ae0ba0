"""llama.cpp, prebuilt (the `xllamacpp` wheel: installs in seconds, nothing to compile).

A GGUF model is served by llama.cpp's own OpenAI-compatible server, inside this process, on a private
loopback port guarded by a random API key; the `llamacpp` answerer then talks to it like to any
OpenAI-compatible server (streaming included). The same server is a command for anyone who wants one:

    python -m citeqa.answering.llamacpp MODEL.gguf [--port 8080] [--ctx 4096]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from citeqa.errors import AnswererUnavailable

_SERVERS: dict[tuple, tuple[object, str, str]] = {}  # one server per model and context size, shared
_LOCK = threading.Lock()


def start_server(model_path: str, n_ctx: int = 4096, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, quiet: bool = True):
    """(server, base URL ending in /v1). Port 0 picks a free one. The server lives until it is garbage
    collected (keep the returned object)."""
    try:
        import xllamacpp
    except ImportError:
        raise AnswererUnavailable("The llamacpp answerer needs the Python package xllamacpp: pip install 'citeqa[llamacpp]'.") from None
    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    params.n_ctx = int(n_ctx)
    params.hostnames = [host]
    params.port = int(port)
    params.warmup = False
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = max(1, os.cpu_count() or 1)
    if quiet:
        params.verbosity = -1
    if api_key:
        params.api_keys = [api_key]
    try:
        server = xllamacpp.Server(params)
    except Exception as e:  # a file that is not a GGUF model, too little memory, ...
        raise AnswererUnavailable(f"llama.cpp could not load {model_path}: {e}") from None
    return server, f"{server.listening_address}/v1"


def shared_server(model_path: str, n_ctx: int = 4096) -> tuple[str, str]:
    """(base URL, API key) of this process's server for the model, started on first use."""
    key = (str(Path(model_path).resolve()), int(n_ctx))
    with _LOCK:
        if key not in _SERVERS:
            api_key = secrets.token_urlsafe(24)  # only this process talks to it
            server, url = start_server(model_path, n_ctx, api_key=api_key)
            _SERVERS[key] = (server, url, api_key)
        _, url, api_key = _SERVERS[key]
    return url, api_key


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m citeqa.answering.llamacpp",
                                description="Serve a GGUF model with llama.cpp's OpenAI-compatible server (prebuilt).")
    p.add_argument("model", help="a .gguf file")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--ctx", type=int, default=4096, help="context size in tokens")
    p.add_argument("--api-key", help="require this key (Authorization: Bearer KEY)")
    p.add_argument("--verbose", action="store_true", help="llama.cpp's own log")
    args = p.parse_args(argv)
    if not Path(args.model).is_file():
        print(f"error: {args.model} is not a file.", file=sys.stderr)
        return 2
    try:
        server, url = start_server(args.model, args.ctx, args.host, args.port, args.api_key, quiet=not args.verbose)
    except AnswererUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"Serving {Path(args.model).name} on {url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
