"""Metrics of a question-set run, and the thresholds that gate it.

Definitions (each is a mean over the questions that count for it, reported with that
count n; "expected spans" are a question's `cites`, or a bench question's `gold`):

- pass rate: questions whose every expectation holds / all questions (xfail questions included).
- answer hit: answerable questions with contains/any/regex (bench: `answers`) whose answer is not a
  refusal and satisfies contains, any and regex (and not_contains).
- citation precision: per answerable question with expected spans that cites something, the share of
  its citations that overlap an expected span (an unsupported citation never does).
- citation recall: per answerable question with expected spans, the share of expected spans overlapped
  by some supported citation (bench gold spans are alternatives of one span: 0 or 1).
- retrieval hit@1 / @5 / @k, MRR: per answerable question with expected spans, whether one of the
  top 1 / 5 / k retrieved `passages` overlaps an expected span (`lines` and `start`/`end` by range
  overlap, `quote` when the passage text contains it), and 1/rank of the first such passage (0 if none).
- refusal accuracy: unanswerable questions answered with a refusal that cites nothing.
- false refusals: answerable questions that were refused (lower is better).
- latency p50 / p95: nearest-rank percentiles of the seconds spent in `Assistant.ask` per question,
  after the models are loaded.

Each metric is a mean over the questions that count for it (`n`); a metric no question counts for is
None (shown as "-"), and a threshold on it fails, since it measured nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from citeqa.evaluation.checking import answer_text_reasons, cite_hit
from citeqa.evaluation.questions import Question

__all__ = ["METRICS", "Metric", "aggregate", "check_thresholds", "format_metric", "score_question"]


@dataclass(frozen=True)
class Metric:
    label: str
    better: str  # "higher" (a threshold is a minimum) or "lower" (a maximum)
    counts: str  # which questions count for it
    unit: str = ""  # "" for a rate in [0, 1], "s" for seconds


METRICS: dict[str, Metric] = {
    "pass_rate": Metric("pass rate", "higher", "all questions"),
    "answer_hit": Metric("answer hit", "higher", "answerable, with contains/any/regex (bench: answers)"),
    "citation_precision": Metric("citation precision", "higher", "answerable, with expected spans, citing something"),
    "citation_recall": Metric("citation recall", "higher", "answerable, with expected spans"),
    "retrieval_hit_at_1": Metric("retrieval hit@1", "higher", "answerable, with expected spans"),
    "retrieval_hit_at_5": Metric("retrieval hit@5", "higher", "answerable, with expected spans"),
    "retrieval_hit_at_k": Metric("retrieval hit@k", "higher", "answerable, with expected spans"),
    "mrr": Metric("MRR", "higher", "answerable, with expected spans"),
    "refusal_accuracy": Metric("refusal accuracy", "higher", "unanswerable"),
    "false_refusal_rate": Metric("false refusals", "lower", "answerable"),
    "latency_p50": Metric("latency p50", "lower", "all questions", "s"),
    "latency_p95": Metric("latency p95", "lower", "all questions", "s"),
}


def _first_relevant_rank(question: Question, passages: list[dict]) -> int:
    """1-based rank of the first retrieved passage overlapping an expected span; 0 when none does."""
    for rank, p in enumerate(passages, 1):
        if any(cite.matches(p) for cite in question.expect.cites):
            return rank
    return 0


def score_question(question: Question, result: dict, passed: bool, latency: float) -> dict:
    """Per-question ingredients of the metrics: each value is None when the question does not count for it."""
    exp = question.expect
    refused = bool(result.get("refused"))
    citations = [c for c in result.get("citations") or [] if isinstance(c, dict)]
    passages = [p for p in result.get("passages") or [] if isinstance(p, dict)]
    s: dict = {"passed": passed, "latency": latency, "answer_hit": None, "citation_precision": None,
               "citation_recall": None, "rank": None, "refusal_ok": None, "false_refusal": None}
    if not exp.answerable:
        s["refusal_ok"] = refused and not citations
        return s
    s["false_refusal"] = refused
    if exp.contains or exp.any or exp.regex is not None:
        s["answer_hit"] = not refused and not answer_text_reasons(exp, str(result.get("answer") or ""))
    if exp.cites:
        supported = [c for c in citations if c.get("supported", True)]
        if citations:
            good = sum(1 for c in supported if any(cite.matches(c) for cite in exp.cites))
            s["citation_precision"] = good / len(citations)
        if exp.cites_any:  # alternatives of one expected span
            s["citation_recall"] = float(any(cite_hit(cite, citations) for cite in exp.cites))
        else:
            s["citation_recall"] = sum(cite_hit(cite, citations) for cite in exp.cites) / len(exp.cites)
        s["rank"] = _first_relevant_rank(question, passages)
    return s


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def aggregate(scores: Iterable[dict]) -> tuple[dict[str, float | None], dict[str, int]]:
    """(metric -> value, metric -> number of questions it counts)."""
    scores = list(scores)
    ranks = [s["rank"] for s in scores if s["rank"] is not None]
    columns = {
        "pass_rate": [float(s["passed"]) for s in scores],
        "answer_hit": [float(s["answer_hit"]) for s in scores if s["answer_hit"] is not None],
        "citation_precision": [s["citation_precision"] for s in scores if s["citation_precision"] is not None],
        "citation_recall": [s["citation_recall"] for s in scores if s["citation_recall"] is not None],
        "retrieval_hit_at_1": [float(0 < r <= 1) for r in ranks],
        "retrieval_hit_at_5": [float(0 < r <= 5) for r in ranks],
        "retrieval_hit_at_k": [float(r > 0) for r in ranks],
        "mrr": [1 / r if r else 0.0 for r in ranks],
        "refusal_accuracy": [float(s["refusal_ok"]) for s in scores if s["refusal_ok"] is not None],
        "false_refusal_rate": [float(s["false_refusal"]) for s in scores if s["false_refusal"] is not None],
    }
    values = {name: _mean(col) for name, col in columns.items()}
    counts = {name: len(col) for name, col in columns.items()}
    latencies = [s["latency"] for s in scores]
    values["latency_p50"], values["latency_p95"] = _percentile(latencies, 50), _percentile(latencies, 95)
    counts["latency_p50"] = counts["latency_p95"] = len(latencies)
    return {name: values[name] for name in METRICS}, {name: counts[name] for name in METRICS}


def format_metric(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f} s" if METRICS[name].unit == "s" else f"{value:.3f}"


def check_thresholds(thresholds: dict[str, float], values: dict[str, float | None], scope: str) -> list[dict]:
    """One entry per threshold: {scope, metric, bound, kind (min/max), value, ok, text}."""
    out = []
    for name, bound in thresholds.items():
        metric = METRICS[name]
        value = values.get(name)
        kind = "min" if metric.better == "higher" else "max"
        ok = value is not None and (value >= bound - 1e-12 if kind == "min" else value <= bound + 1e-12)
        sign = "≥" if kind == "min" else "≤"
        shown = format_metric(name, value) if value is not None else "not measured (no question counts for it)"
        bound_text = f"{bound:g} s" if metric.unit == "s" else f"{bound:g}"
        text = f"{scope}: {name} {shown} {'meets' if ok else 'FAILS'} {sign} {bound_text}"
        out.append({"scope": scope, "metric": name, "bound": bound, "kind": kind, "value": value, "ok": ok,
                    "text": text})
    return out
