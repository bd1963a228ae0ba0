"""`citeqa collections`: list, create, rename, give to logins, and delete collections (index/catalog.py).

    citeqa collections [list] [--json]
    citeqa collections create NAME [--folder DIR]... [--logins alice,bob]
    citeqa collections rename NAME NEW_NAME
    citeqa collections share NAME [LOGIN ...]        (no login: everyone again)
    citeqa collections delete NAME

Other commands take `--collection NAME` to work on one (`ingest`, `ask`, `documents`, `remove`, `check`, `eval`).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path


def add_collections_parser(sub, settings_flags) -> None:
    # The flags are accepted before and after the action; unset ones are left out (SUPPRESS), so a flag
    # given before the action is not reset by the action's own default.
    def common(q) -> None:
        q.add_argument("--json", action="store_true", help="print the collections as JSON")
        settings_flags(q)

    p = sub.add_parser(
        "collections", help="list, create, rename, share or delete collections", argument_default=argparse.SUPPRESS,
        description="Collections are named bodies of documents, each with its own index and its own folder for "
        "uploads. Without an action, lists them. Exit code: 0, or 1 on an error.",
    )
    common(p)
    actions = p.add_subparsers(dest="action")
    common(actions.add_parser("list", help="list the collections (the default)", argument_default=argparse.SUPPRESS))
    q = actions.add_parser("create", help="make a collection (its documents: `citeqa ingest --collection NAME PATH`)",
                           argument_default=argparse.SUPPRESS)
    q.add_argument("name")
    q.add_argument("--folder", action="append", default=[], type=Path, metavar="DIR",
                   help="a folder whose documents belong to it (repeatable); uploads go to its own managed folder")
    q.add_argument("--logins", metavar="A,B", default=None,
                   help="under app.py --auth: only these logins (and operators) see it")
    common(q)
    q = actions.add_parser("rename", help="give a collection another name", argument_default=argparse.SUPPRESS)
    q.add_argument("name")
    q.add_argument("new_name")
    common(q)
    q = actions.add_parser("share", help="give a collection to some logins only (none named: to everyone)",
                           argument_default=argparse.SUPPRESS)
    q.add_argument("name")
    q.add_argument("logins", nargs="*", metavar="LOGIN", default=[])
    common(q)
    q = actions.add_parser("delete", help="delete a collection's index; its uploaded files go to <index>/removed/",
                           argument_default=argparse.SUPPRESS)
    q.add_argument("name")
    common(q)


def _counts(index_path: Path, collection_id: str) -> tuple[int, int]:
    """(documents, passages) of a collection, read from its passage table without creating it."""
    db = Path(index_path) / collection_id / "passages.sqlite"
    if not db.is_file():
        return 0, 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            docs = con.execute("SELECT COUNT(*), COALESCE(SUM(passages), 0) FROM documents").fetchone()
        return int(docs[0]), int(docs[1])
    except sqlite3.Error:
        return 0, 0


def describe(catalog, settings) -> list[dict]:
    out = []
    for c in catalog.list():
        documents, passages = _counts(settings.index_path, c.id)
        out.append({"name": c.name, "id": c.id, "default": c.default, "folders": list(c.folders),
                    "files_folder": str(c.files_folder(settings.index_path)), "logins": c.logins and list(c.logins),
                    "documents": documents, "passages": passages})
    return out


def collections_command(args, settings, shown=lambda text, one_line=False: str(text)) -> int:
    """`shown`: how a name is printed (citeqa.cli.shown: control characters as \\xNN)."""
    from citeqa.index.catalog import Catalog

    catalog = Catalog(settings)
    action = getattr(args, "action", None) or "list"
    if action == "create":
        made = catalog.create(args.name, args.folder, args.logins)
        print(f"created {shown(made.name, True)}: index <index>/{made.id}/, uploads into {made.files_folder(settings.index_path)}")
    elif action == "rename":
        renamed = catalog.rename(args.name, args.new_name)
        print(f"renamed {shown(args.name, True)} to {shown(renamed.name, True)}")
    elif action == "share":
        shared = catalog.share(args.name, args.logins)
        who = ", ".join(shared.logins) if shared.logins else "everyone"
        print(f"{shown(shared.name, True)} is now seen by {shown(who, True)} (and operators)")
    elif action == "delete":
        gone = catalog.delete(args.name, protected={catalog.default().id})
        print(f"deleted {shown(gone.name, True)}: its index is gone; uploaded files (if any) are in <index>/removed/")
    if action != "list":
        return 0
    rows = describe(catalog, settings)
    if getattr(args, "json", False):
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        where = ", ".join(r["folders"]) or "uploads only"
        who = ", ".join(r["logins"]) if r["logins"] else "everyone"
        mark = " (default)" if r["default"] else ""
        print(f"{shown(r['name'], True):<{width}}{mark}  {r['documents']} documents, {r['passages']} passages  "
              f"folders: {shown(where, True)}  seen by: {shown(who, True)}")
    return 0
