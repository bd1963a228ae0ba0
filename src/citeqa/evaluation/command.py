"""`citeqa eval`: load the sets, index --docs into a scratch index, run, print, write reports, gate.

`citeqa eval` exit code: 2 for a bad set file (`error: FILE:LINE: ...`), otherwise 0 when every
threshold holds and 1 when one does not. A set's `thresholds` apply to that set's metrics (rates are
minimums, `false_refusal_rate` and `latency_*` maximums; a metric no question counts for fails);
`--fail-under RATE` applies to the pass rate of the whole run; with neither, every question of the set
must pass except those marked xfail, as under pytest.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from citeqa.errors import InputError
from citeqa.evaluation.loader import load_set
from citeqa.evaluation.questions import SetFileError
from citeqa.evaluation.reports import (
    build_report, compare, format_diff, format_metrics, format_table, gate, load_report, write_junit,
)
from citeqa.evaluation.running import run_sets, scratch_index


EXIT_THRESHOLDS, EXIT_BAD_SET = 1, 2


def eval_command(args, settings, index_given: bool = False) -> int:
    """`citeqa eval`: see build_parser in citeqa.cli for the flags. Returns the exit code."""
    import shutil

    from citeqa.chat import Assistant

    try:
        qsets = [load_set(p, args.docs) for p in args.sets]
        if args.docs is not None:  # an explicit corpus wins over the corpora and collections the sets declare
            qsets = [dataclasses.replace(qs, corpus=None, collection=None) for qs in qsets]
        baseline = load_report(args.baseline) if args.baseline else None
    except SetFileError as e:
        print(f"error: {e.location()}", file=sys.stderr)
        return EXIT_BAD_SET
    names = [qs.name for qs in qsets]
    for qs in qsets:  # results are keyed by set name: make repeated names unique
        if names.count(qs.name) > 1:
            object.__setattr__(qs, "name", f"{qs.name} ({qs.path})")
    if args.fail_under is not None and not 0 <= args.fail_under <= 1:
        raise InputError(f"--fail-under must be a pass rate between 0 and 1, got {args.fail_under}.")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}.")

    if args.docs is not None:
        docs = Path(args.docs)
        if not docs.is_dir():
            raise InputError(f"--docs {docs} is not a folder of documents.")
        if not index_given:
            settings = settings.model_copy(update={"index_path": scratch_index(docs, settings)})
    assistant = Assistant(settings)
    if args.docs is not None:
        report = assistant.ingest([docs], progress=False if args.no_progress else None)
        for _, error in report.failed:
            print(f"skipped: {error}", file=sys.stderr)
        print(f"indexed {docs} into {settings.index_path}: {report.summary()}", flush=True)
    if assistant.store.passage_count() == 0:
        raise InputError(f"The index {settings.index_path} is empty: run `citeqa ingest`, or pass --docs DIR.")

    progress = sys.stderr.isatty() and not args.no_progress
    runs = run_sets(assistant, qsets, progress=progress, limit=args.limit)
    gates = gate(runs, qsets, args.fail_under)
    report = build_report(runs, qsets, settings, gates)

    width = max(shutil.get_terminal_size((160, 24)).columns, 100) if sys.stdout.isatty() else 160
    print(format_table(runs, width=width, only_failures=args.only_failures))
    print()
    print(format_metrics(report))
    if baseline is not None:
        print()
        print(format_diff(compare(report, baseline), args.baseline))
    print()
    for g in gates:
        print(g["text"])
    passed = sum(r.outcome.check.passed for r in runs)
    print(f"{passed}/{len(runs)} questions passed; " + ("thresholds hold" if report["passed"] else "thresholds FAIL"))

    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            for r in runs:
                f.write(json.dumps(r.outcome.result, ensure_ascii=False) + "\n")
    if args.report:
        Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.junit:
        write_junit(report, Path(args.junit))
    return 0 if report["passed"] else EXIT_THRESHOLDS
