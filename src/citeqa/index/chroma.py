"""Chroma clients: one per path or server, shared by every Store of the process, and reopened when
another process wrote to the same embedded index.

Embedded Chroma keeps its vector index (HNSW) in memory: a process does not see vectors another
process added (a query finds only its own), and a process that writes with a stale index overwrites
the other's additions on disk. So each embedded client remembers the index version (the SQLite meta
`version`, bumped by every write in its transaction) it last saw per collection; when that version
moved without this process writing it, the client is reopened before the next query or write.
A Chroma server is one shared state already: nothing to reopen.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from citeqa.errors import StoreError
from citeqa.settings import Settings


@dataclass
class _Client:
    client: object
    generation: int = 0  # bumped on every reopen: Stores re-fetch their collection object
    seen: dict[str, str] = field(default_factory=dict)  # collection -> index version this client reflects
    writing: dict[str, int] = field(default_factory=dict)  # collection -> writes of this process in flight


_CLIENTS: dict[str, _Client] = {}  # Chroma wants one client (one Settings object) per path or server
_LOCK = threading.RLock()


def client_key(settings: Settings) -> str:
    if settings.chroma_url:  # one client per server, tenant, database and token
        token = settings.chroma_token.get_secret_value() if settings.chroma_token else ""
        return (f"{settings.chroma_url}#{settings.chroma_tenant}/{settings.chroma_database}"
                f"#{hashlib.sha256(token.encode()).hexdigest()[:12]}")
    return str(Path(settings.index_path, "chroma").resolve())


def _reason(e: Exception) -> str:
    """`Type: message` without the message's own final period (the sentence adds one)."""
    return f"{type(e).__name__}: {str(e).strip().rstrip('.')}"


def _where(settings: Settings) -> str:
    if settings.chroma_url:
        return f"The Chroma server at {settings.chroma_url}"
    return f"The Chroma index at {client_key(settings)}"


def unreachable(settings: Settings, e: Exception) -> StoreError:
    return StoreError(f"{_where(settings)} cannot be reached ({_reason(e)}).")


COSINE = {"hnsw:space": "cosine"}


def collection(settings: Settings, name: str, metadata: dict | None = None):
    """The collection `name` where `settings` point (made if missing, with `metadata`); a failure to reach
    the store is one sentence. Vectors come from citeqa's own embedder, never Chroma's."""
    try:
        return client(settings).get_or_create_collection(name, embedding_function=None, metadata=metadata)
    except StoreError:
        raise
    except Exception as e:
        raise unreachable(settings, e) from None


def _server_settings(settings: Settings):
    """Chroma's client settings for a server: the token through Chroma's own token client (sent with
    every request), and the CA bundle to trust for https (httpx's `verify`)."""
    from chromadb.config import Settings as ChromaSettings

    extra = {}
    if settings.chroma_token is not None:
        extra.update(chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
                     chroma_client_auth_credentials=settings.chroma_token.get_secret_value(),
                     chroma_auth_token_transport_header=settings.chroma_token_header)
    if settings.chroma_ca_file is not None:
        ca = Path(settings.chroma_ca_file).expanduser()
        if not ca.is_file():
            raise StoreError(f"The CA file {ca} (chroma_ca_file) does not exist.")
        extra["chroma_server_ssl_verify"] = str(ca)
    return ChromaSettings(anonymized_telemetry=False, **extra)


def _refused(e: Exception) -> bool:
    """Whether the server (or a proxy in front of it) turned the client away: 401 or 403. Chroma raises
    its own error for its own reply, and a bare Exception(body) for a proxy's, raised while handling the
    httpx error that holds the status."""
    from chromadb import errors

    kinds = tuple(getattr(errors, n) for n in ("AuthorizationError", "ChromaAuthError", "ForbiddenError")
                  if hasattr(errors, n))
    seen = 0
    while e is not None and seen < 5:
        if isinstance(e, kinds) or getattr(getattr(e, "response", None), "status_code", None) in (401, 403):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def _open_failed(settings: Settings, e: Exception) -> StoreError:
    """One sentence saying what to fix: the token, the tenant or database, or the server's address."""
    from chromadb.errors import NotFoundError

    if settings.chroma_url and _refused(e):
        if settings.chroma_token is None:
            return StoreError(f"{_where(settings)} asks for a token: set CITEQA_CHROMA_TOKEN (or chroma_token in "
                              "citeqa.toml).")
        return StoreError(f"{_where(settings)} refused the token (chroma_token, sent as {settings.chroma_token_header}): "
                          "check it and chroma_token_header.")
    if settings.chroma_url and isinstance(e, NotFoundError):
        return StoreError(f"{_where(settings)} has no database {settings.chroma_database!r} in tenant "
                          f"{settings.chroma_tenant!r} ({_reason(e)}): create it, or set chroma_tenant and chroma_database.")
    cause = _transport_error(e) or e  # Chroma hides why it could not connect behind "Are you sure it is running?"
    if "CERTIFICATE_VERIFY_FAILED" in str(cause):
        return StoreError(f"{_where(settings)} has a certificate citeqa cannot verify ({_reason(cause)}): set "
                          "chroma_ca_file to the CA bundle that signed it.")
    return unreachable(settings, cause)


def _transport_error(e: Exception | None) -> Exception | None:
    """The httpx connection error behind `e`, if any (it says why: refused, unknown host, TLS)."""
    import httpx

    for _ in range(5):
        if e is None or isinstance(e, httpx.TransportError):
            return e
        e = e.__cause__ or e.__context__
    return None


def _open(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            with warnings.catch_warnings():  # httpx deprecates `verify=<path>`, which is what Chroma passes
                warnings.filterwarnings("ignore", message=".*verify=<str>", category=DeprecationWarning)
                # Making the client already asks the server for the tenant and the database (so for the token).
                client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=_server_settings(settings),
                    tenant=settings.chroma_tenant,
                    database=settings.chroma_database,
                )
            client.heartbeat()
        else:
            client = chromadb.PersistentClient(path=client_key(settings),
                                               settings=ChromaSettings(anonymized_telemetry=False))
    except StoreError:
        raise
    except Exception as e:
        raise _open_failed(settings, e) from None
    return client


def entry(settings: Settings) -> _Client:
    key = client_key(settings)
    with _LOCK:
        if key not in _CLIENTS:
            _CLIENTS[key] = _Client(_open(settings))
        return _CLIENTS[key]


def client(settings: Settings):
    return entry(settings).client


def _drop_system(client) -> None:
    # Chroma caches one System per path for the whole process; a new PersistentClient on the same path
    # would get the same (stale) one. Dropping it from the cache makes the next client load from disk.
    # The old System is not stopped: a query in flight on another thread may still be using it.
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(client._identifier, None)
    except (ImportError, AttributeError):
        client.clear_system_cache()


def sync(settings: Settings, collection: str, version: str) -> _Client:
    """The client, reopened first when `collection`'s index version is not the one it last saw."""
    current = entry(settings)
    if settings.chroma_url:
        return current
    with _LOCK:
        current = _CLIENTS[client_key(settings)]
        seen = current.seen.get(collection)
        if seen is None:  # first use: the client was just loaded from disk
            current.seen[collection] = version
        elif seen != version and not current.writing.get(collection):
            # (While this process writes, the version moves under its own writes: the cross-process
            # write lock guarantees no other process wrote meanwhile.)
            _drop_system(current.client)
            # Loaded from disk now, so current for every collection; this process's writes in flight carry over.
            fresh = _Client(_open(settings), current.generation + 1, {collection: version}, dict(current.writing))
            _CLIENTS[client_key(settings)] = current = fresh
        return current


def forget(index_path: Path | None = None) -> None:
    """Drop the cached client of an index folder (or all): after the folder was deleted or replaced
    outside citeqa, the next use opens it afresh."""
    with _LOCK:
        keys = list(_CLIENTS) if index_path is None else [str(Path(index_path, "chroma").resolve())]
        for key in keys:
            gone = _CLIENTS.pop(key, None)
            if gone is not None and not key.startswith(("http://", "https://")):
                _drop_system(gone.client)


def begin_write(settings: Settings, collection: str) -> None:
    with _LOCK:
        current = entry(settings)
        current.writing[collection] = current.writing.get(collection, 0) + 1


def end_write(settings: Settings, collection: str, version: str) -> None:
    """This process wrote up to `version` through its own client: its in-memory index holds it."""
    with _LOCK:
        current = _CLIENTS.get(client_key(settings))
        if current is not None:
            current.writing[collection] = max(0, current.writing.get(collection, 0) - 1)
            current.seen[collection] = version


def heartbeat(settings: Settings) -> None:
    """Fail now, with one sentence, when the Chroma server is down (an embedded index is always there)."""
    c = client(settings)
    if settings.chroma_url:
        try:
            c.heartbeat()
        except Exception as e:
            raise unreachable(settings, e) from None
