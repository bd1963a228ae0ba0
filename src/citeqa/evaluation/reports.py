"""What `citeqa eval` reports: the JSON report, the thresholds that gate the exit code, the terminal
table and metric rows, JUnit XML, and the diff against a baseline report."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from citeqa.documents.reasons import clause
from citeqa.evaluation.metrics import METRICS, aggregate, check_thresholds, format_metric
from citeqa.evaluation.questions import QuestionSet, SetFileError, short, short_cite_label
from citeqa.evaluation.running import Run


def _spans(items: list[dict]) -> list[dict]:
    """Cited spans for the report: offsets and lines, and the page (PDF) or section (HTML, Word) a
    citation is named by, so a table made from the report names it as `citeqa ask` does."""
    keys = ("source", "start", "end", "line_start", "line_end")
    named = ("format", "page", "section", "block", "supported")
    return [{k: c.get(k) for k in keys} | {k: c[k] for k in named if c.get(k) is not None}
            for c in items if isinstance(c, dict)]


def build_report(runs: list[Run], qsets: list[QuestionSet], settings, gates: list[dict]) -> dict:
    per_set = []
    for qs in qsets:
        values, counts = aggregate(r.score for r in runs if r.qset is qs)
        per_set.append({"name": qs.name, "path": str(qs.path), "format": qs.format, "settings": _jsonable(qs.settings),
                        "thresholds": qs.thresholds, "questions": sum(r.qset is qs for r in runs),
                        "metrics": values, "counts": counts})
    values, counts = aggregate(r.score for r in runs)
    return {
        "sets": per_set,
        "settings": settings.public_dict(),
        "metrics": values,
        "counts": counts,
        "thresholds": gates,
        "passed": all(g["ok"] for g in gates),
        "results": [
            {
                "set": r.qset.name,
                "id": r.outcome.question.id,
                "question": r.outcome.question.question,
                "passed": r.outcome.check.passed,
                "status": r.status,
                "xfail": r.outcome.question.xfail,
                "reasons": r.outcome.check.reasons,
                "answer": r.outcome.result.get("answer", ""),
                "refused": bool(r.outcome.result.get("refused")),
                "cited": _spans(r.outcome.result.get("citations") or []),
                "latency": round(r.latency, 4),
            }
            for r in runs
        ],
    }


def _jsonable(d: dict) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def gate(runs: list[Run], qsets: list[QuestionSet], fail_under: float | None) -> list[dict]:
    """The thresholds that decide the exit code. A set's own `thresholds` apply to its metrics and
    --fail-under to the pass rate of the whole run; with neither, every question must pass except those
    marked xfail (as under pytest)."""
    gates: list[dict] = []
    for qs in qsets:
        mine = [r for r in runs if r.qset is qs]
        if qs.thresholds:
            gates += check_thresholds(qs.thresholds, aggregate(r.score for r in mine)[0], qs.name)
        elif fail_under is None:
            bad = [r for r in mine if r.status == "FAIL"]
            text = (f"{qs.name}: every question passes (xfail aside): "
                    + ("yes" if not bad else f"FAILS: {len(bad)} failed ({', '.join(r.outcome.question.id for r in bad[:5])}"
                       + (", ..." if len(bad) > 5 else "") + ")"))
            gates.append({"scope": qs.name, "metric": "all_pass", "bound": None, "kind": "all", "value": len(bad),
                          "ok": not bad, "text": text})
    if fail_under is not None:
        gates += check_thresholds({"pass_rate": fail_under}, aggregate(r.score for r in runs)[0], "--fail-under")
    return gates


def format_table(runs: list[Run], width: int = 120, only_failures: bool = False) -> str:
    """One row per question: status, [set,] id, seconds, what it cited, then the answer (passed) or the
    reasons (failed, one per line). Long text is cut to the width."""
    show_set = len({id(r.qset) for r in runs}) > 1
    rows = [r for r in runs if not only_failures or r.status in ("FAIL", "XFAIL")]
    if not rows:
        return "(no failing questions)" if only_failures else "(no questions)"
    id_w = min(36, max(2, *(len(r.outcome.question.id) for r in rows)))
    set_w = min(16, max(3, *(len(r.qset.name) for r in rows))) if show_set else 0
    cited = {id(r): ", ".join(map(short_cite_label, r.outcome.result.get("citations") or [])) or "-" for r in rows}
    cite_w = min(32, max(5, *(len(c) for c in cited.values())))
    head = ["STATUS"] + (["SET".ljust(set_w)] if show_set else []) + ["ID".ljust(id_w), "  SECS", "CITED".ljust(cite_w)]
    indent = len("  ".join(head)) + 2
    detail_w = max(30, width - indent)
    lines = ["  ".join(head) + "  ANSWER / REASONS"]
    for r in rows:
        q = r.outcome.question
        cells = [r.status.ljust(6)] + ([short(r.qset.name, set_w).ljust(set_w)] if show_set else [])
        cells += [short(q.id, id_w).ljust(id_w), f"{r.latency:6.2f}", short(cited[id(r)], cite_w).ljust(cite_w)]
        if r.outcome.check.passed:
            details = [r.outcome.result.get("answer", "")]
        else:
            details = list(r.outcome.check.reasons) or ["failed"]
        if q.xfail:
            details.append(f"(xfail: {q.xfail})")
        details = [_shorten_sources(d, r.outcome.result) for d in details]
        lines.append("  ".join(cells) + "  " + short(details[0], detail_w))
        lines.extend(" " * indent + short(d, detail_w) for d in details[1:])
    return "\n".join(lines)


def _shorten_sources(text: str, result: dict) -> str:
    """A reason with the cited documents' paths cut to their file names, for the table."""
    sources = {str(c.get("source")) for c in [*(result.get("citations") or []), *(result.get("passages") or [])]
               if isinstance(c, dict) and c.get("source")}
    for src in sorted(sources, key=len, reverse=True):
        name = PurePosixPath(src).name
        if name != src:
            for after in (":", " p.", " §", " block "):  # how citation_place follows a source
                text = text.replace(f"{src}{after}", f"{name}{after}")
    return text


def format_metrics(report: dict) -> str:
    """Metrics as rows, one column per set (and one for the whole run when there are several sets)."""
    columns = [(s["name"], s["metrics"], s["counts"]) for s in report["sets"]]
    if len(columns) > 1:
        columns.append(("all", report["metrics"], report["counts"]))
    cells = {name: [f"{format_metric(name, m[name]):>7}  n={c[name]:<5}" if c[name] else f"{'-':>7}" for _, m, c in columns]
             for name in METRICS}
    label_w = max(len(m.label) for m in METRICS.values())
    col_w = [max(len(title), *(len(cells[name][i]) for name in METRICS)) for i, (title, _, _) in enumerate(columns)]
    lines = ["METRIC".ljust(label_w) + "".join(f"  {title:<{w}}" for (title, _, _), w in zip(columns, col_w))]
    for name, metric in METRICS.items():
        lines.append(metric.label.ljust(label_w) + "".join(f"  {cell:<{w}}" for cell, w in zip(cells[name], col_w)))
    return "\n".join(line.rstrip() for line in lines)


def write_junit(report: dict, path: Path) -> None:
    """JUnit XML: one testsuite per set, one testcase per question (classname = set name). A failing
    question is a <failure> carrying its reasons; a failing xfail question is <skipped>."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="citeqa eval")
    totals = {"tests": 0, "failures": 0, "skipped": 0, "time": 0.0}
    for s in report["sets"]:
        results = [r for r in report["results"] if r["set"] == s["name"]]
        suite = ET.SubElement(root, "testsuite", name=s["name"], file=s["path"])
        counts = {"tests": len(results), "failures": 0, "skipped": 0, "time": sum(r["latency"] for r in results)}
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=s["name"], name=r["id"], time=f"{r['latency']:.4f}")
            if r["passed"]:
                continue
            cited = ", ".join(map(short_cite_label, r.get("cited") or [])) or "nothing"
            body = "\n".join([f"question: {r['question']}", *(f"- {x}" for x in r["reasons"]),
                              f"answer: {r['answer']}", f"cited: {cited}"])
            if r["xfail"]:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", type="xfail", message=f"xfail: {r['xfail']}").text = body
            else:
                counts["failures"] += 1
                ET.SubElement(case, "failure", type="ExpectationFailed",
                              message="; ".join(r["reasons"]) or "failed").text = body
        suite.attrib.update({k: (f"{v:.3f}" if k == "time" else str(v)) for k, v in counts.items()}, errors="0")
        for k in totals:
            totals[k] += counts[k]
    root.attrib.update({k: (f"{v:.3f}" if k == "time" else str(v)) for k, v in totals.items()}, errors="0")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def load_report(path: Path) -> dict:
    """A report written by `citeqa eval --report`; a SetFileError when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetFileError(f"Baseline {path} does not exist.", path, None, "the baseline report does not exist") from None
    except json.JSONDecodeError as e:
        raise SetFileError(f"Baseline {path}, line {e.lineno}: not valid JSON.", path, e.lineno,
                           f"not valid JSON ({e.msg})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SetFileError(f"Baseline {path} cannot be read: {clause(e)}.", path, None, f"cannot be read ({clause(e)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list) or not all(
        isinstance(r, dict) and "id" in r and "passed" in r for r in data["results"]
    ):
        raise SetFileError(f"Baseline {path} is not a citeqa eval report.", path, None,
                           "not a citeqa eval report (written by citeqa eval --report)")
    return data


def compare(report: dict, baseline: dict) -> dict:
    """What changed since `baseline`, question by question (matched by set and id, or by id alone)."""
    before_by_key = {(r.get("set"), r["id"]): r for r in baseline["results"]}
    ids = [r["id"] for r in baseline["results"]]
    before_by_id = {r["id"]: r for r in baseline["results"] if ids.count(r["id"]) == 1}
    diff = {"newly_failing": [], "newly_passing": [], "citations_moved": [], "new": [], "gone": [], "metrics": {}}
    matched = set()
    span = lambda c: (PurePosixPath(str(c.get("source"))).name, c.get("start"), c.get("end"))  # noqa: E731
    for r in report["results"]:
        before = before_by_key.get((r["set"], r["id"])) or before_by_id.get(r["id"])
        if before is None:
            diff["new"].append(r["id"])
            continue
        matched.add(id(before))
        if before["passed"] and not r["passed"]:
            diff["newly_failing"].append({"id": r["id"], "set": r["set"], "reasons": r["reasons"]})
        elif not before["passed"] and r["passed"]:
            diff["newly_passing"].append({"id": r["id"], "set": r["set"]})
        old, new = before.get("cited") or [], r.get("cited") or []
        if sorted(map(span, old), key=str) != sorted(map(span, new), key=str):
            diff["citations_moved"].append({"id": r["id"], "set": r["set"], "before": ", ".join(map(short_cite_label, old)) or "nothing",
                                            "after": ", ".join(map(short_cite_label, new)) or "nothing"})
    diff["gone"] = [r["id"] for r in baseline["results"] if id(r) not in matched]
    for name, value in report["metrics"].items():
        old = (baseline.get("metrics") or {}).get(name)
        if isinstance(old, (int, float)) and value is not None and abs(value - old) > 1e-9:
            diff["metrics"][name] = (old, value)
    return diff


def format_diff(diff: dict, baseline_path: Path) -> str:
    lines = [f"Since {baseline_path}:"]
    lines.append(f"  newly failing ({len(diff['newly_failing'])})" + (":" if diff["newly_failing"] else ""))
    lines += [f"    {d['id']}: {short('; '.join(d['reasons']), 140)}" for d in diff["newly_failing"]]
    lines.append(f"  newly passing ({len(diff['newly_passing'])})" + (":" if diff["newly_passing"] else ""))
    lines += [f"    {d['id']}" for d in diff["newly_passing"]]
    lines.append(f"  citations moved ({len(diff['citations_moved'])})" + (":" if diff["citations_moved"] else ""))
    moved = diff["citations_moved"]
    lines += [f"    {d['id']}: {short(d['before'], 60)} -> {short(d['after'], 60)}" for d in moved[:20]]
    if len(moved) > 20:
        lines.append(f"    ... and {len(moved) - 20} more (each question's cited spans are in the report)")
    if diff["new"] or diff["gone"]:
        lines.append(f"  new questions: {len(diff['new'])}; questions no longer in the run: {len(diff['gone'])}")
    for name, (old, new) in diff["metrics"].items():
        lines.append(f"  {name}: {format_metric(name, old)} -> {format_metric(name, new)} ({new - old:+.3f})")
    return "\n".join(lines)
