"""citeqa.evaluation.metrics and the eval report pieces, on hand-made answers: no model."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from citeqa.errors import InputError
from citeqa.evaluation.bench import load_bench_set
from citeqa.evaluation.checking import check
from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.questions import CiteExpectation, Expectation, Outcome, Question, QuestionSet, SetFileError
from citeqa.evaluation.reports import (
    build_report,
    compare,
    format_diff,
    format_metrics,
    format_table,
    gate,
    write_junit,
)
from citeqa.evaluation.running import Run
from citeqa.evaluation.metrics import METRICS, aggregate, check_thresholds, score_question

SRC = "docs/a.txt"


def span(start, end, source=SRC, line=1, supported=True, quote="x"):
    return {"n": 1, "source": source, "title": "a", "start": start, "end": end, "line_start": line,
            "line_end": line, "quote": quote, "score": 0.5, "supported": supported}


def answer(text="It is Hanoi. [1]", citations=(), passages=(), refused=False):
    return {"question": "q", "answer": text, "refused": refused, "citations": list(citations),
            "passages": list(passages), "answerer": "extractive", "search_query": "q"}


def question(qid="q1", **expect):
    return Question(qid, "Where?", expect=Expectation(**expect))


GOLD = (CiteExpectation("a.txt", start=100, end=110), CiteExpectation("a.txt", start=300, end=310))


def test_precision_recall_and_rank_for_all_expected_spans():
    q = question(contains=["Hanoi"], cites=GOLD)
    r = answer(citations=[span(95, 105), span(500, 520)],
               passages=[span(0, 50), span(290, 400), span(90, 200)])
    s = score_question(q, r, passed=False, latency=0.2)
    assert s["answer_hit"] is True and s["false_refusal"] is False and s["refusal_ok"] is None
    assert s["citation_precision"] == 0.5  # one of two citations overlaps an expected span
    assert s["citation_recall"] == 0.5  # one of two expected spans is cited
    assert s["rank"] == 2


def test_bench_gold_spans_are_alternatives():
    q = question(any=["Hanoi"], cites=GOLD, cites_any=True)
    s = score_question(q, answer(citations=[span(301, 302)]), passed=True, latency=0.1)
    assert s["citation_recall"] == 1.0 and s["citation_precision"] == 1.0 and s["rank"] == 0
    assert check(q, answer(citations=[span(301, 302)])).passed
    r = check(q, answer(citations=[span(0, 5, line=1)]))
    assert r.reasons == ["cited a.txt:1-1 instead of chars 100-110 of a.txt (or 1 other gold span)"]


def test_unsupported_citation_is_not_correct():
    q = question(cites=GOLD[:1])
    s = score_question(q, answer(citations=[span(100, 105, supported=False)]), passed=False, latency=0.1)
    assert s["citation_precision"] == 0.0 and s["citation_recall"] == 0.0


def test_refusals():
    unanswerable = question(answerable=False)
    assert score_question(unanswerable, answer("No.", refused=True), True, 0.1)["refusal_ok"] is True
    assert score_question(unanswerable, answer(citations=[span(1, 2)]), False, 0.1)["refusal_ok"] is False
    s = score_question(question(contains=["Hanoi"], cites=GOLD), answer("The documents do not say.", refused=True),
                       False, 0.1)
    assert s["false_refusal"] is True and s["answer_hit"] is False
    assert s["citation_precision"] is None and s["citation_recall"] == 0.0  # precision needs a citation


def test_aggregate_counts_only_the_questions_each_metric_applies_to():
    scores = [
        score_question(question(contains=["Hanoi"], cites=GOLD[:1]), answer(citations=[span(100, 101)],
                       passages=[span(100, 101)]), True, 1.0),
        score_question(question(contains=["Hanoi"], cites=GOLD[:1]), answer(passages=[span(0, 1)] * 5 + [span(100, 101)]),
                       False, 2.0),
        score_question(question(not_contains=["Paris"]), answer(), True, 3.0),
        score_question(question(answerable=False), answer("No.", refused=True), True, 4.0),
    ]
    values, counts = aggregate(scores)
    assert list(values) == list(METRICS)
    assert values["pass_rate"] == 0.75 and counts["pass_rate"] == 4
    assert counts["answer_hit"] == 2 and values["answer_hit"] == 1.0
    assert counts["citation_precision"] == 1 and values["citation_precision"] == 1.0
    assert counts["citation_recall"] == 2 and values["citation_recall"] == 0.5
    assert values["retrieval_hit_at_1"] == 0.5 and values["retrieval_hit_at_5"] == 0.5
    assert values["retrieval_hit_at_k"] == 1.0 and values["mrr"] == pytest.approx((1 + 1 / 6) / 2)
    assert counts["refusal_accuracy"] == 1 and values["refusal_accuracy"] == 1.0
    assert counts["false_refusal_rate"] == 3 and values["false_refusal_rate"] == 0.0
    assert values["latency_p50"] == 2.0 and values["latency_p95"] == 4.0
    empty, zero = aggregate([])
    assert all(v is None for v in empty.values()) and not any(zero.values())


def test_check_thresholds_min_max_and_unmeasured():
    gates = check_thresholds({"pass_rate": 0.8, "latency_p95": 1.0, "refusal_accuracy": 0.5},
                             {"pass_rate": 0.8, "latency_p95": 1.5, "refusal_accuracy": None}, "demo")
    assert [g["ok"] for g in gates] == [True, False, False]
    assert gates[0]["text"] == "demo: pass_rate 0.800 meets ≥ 0.8"
    assert gates[1]["text"] == "demo: latency_p95 1.500 s FAILS ≤ 1 s"
    assert "not measured" in gates[2]["text"]


# -- set files ---------------------------------------------------------------------------------------


def test_yaml_thresholds_load_and_validate(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nthresholds:\n  pass_rate: 0.9\n  latency_p95: 2\nquestions:\n"
                    "  - {id: a, question: Where, expect: {contains: [x]}}\n")
    assert load_question_set(path).thresholds == {"pass_rate": 0.9, "latency_p95": 2.0}
    path.write_text("name: s\nthresholds:\n  pass_rate: 0.9\n  recall: 1\nquestions:\n"
                    "  - {id: a, question: Where, expect: {contains: [x]}}\n")
    with pytest.raises(SetFileError) as e:
        load_question_set(path)
    assert e.value.line == 4 and "unknown metric 'recall'" in e.value.location()
    assert isinstance(e.value, InputError)


def test_bench_set_loads(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hanoi is the capital of Vietnam.")
    path = tmp_path / "set" / "questions.jsonl"
    path.parent.mkdir()
    path.write_text(
        json.dumps({"id": "a", "question": "Capital?", "answers": ["Hanoi"], "answerable": True,
                    "gold": [{"doc": "a.txt", "start": 0, "end": 5}]}) + "\n\n"
        + json.dumps({"id": "b", "question": "Mayor?", "answers": [], "answerable": False, "gold": []}) + "\n")
    qs = load_bench_set(path, docs)
    assert qs.name == "set" and qs.format == "bench" and [q.line for q in qs.questions] == [1, 3]
    a, b = qs.questions
    assert a.expect == Expectation(any=("Hanoi",), cites=(CiteExpectation("a.txt", start=0, end=5),), cites_any=True)
    assert b.expect == Expectation(answerable=False, cites_any=True)


@pytest.mark.parametrize(
    "line, words",
    [
        ('[1, 2]', "each line must be a JSON object"),
        ('{"question": "Q?"}', "has no id"),
        ('{"id": "a", "question": "Q?", "answers": ["x"], "extra": 1}', "unknown field 'extra'"),
        ('{"id": "a", "question": "", "answers": ["x"]}', "question must be a non-empty text"),
        ('{"id": "a", "question": "Q?", "answers": "x"}', "answers must be a list"),
        ('{"id": "a", "question": "Q?", "answers": ["x"], "answerable": "yes"}', "answerable must be true or false"),
        ('{"id": "a", "question": "Q?", "answers": ["x"], "gold": [{"doc": "a.txt", "start": 5, "end": 2}]}',
         "0 <= start < end"),
        ('{"id": "a", "question": "Q?", "answers": ["x"], "gold": [{"doc": "a.txt", "start": 0, "end": 999}]}',
         "past the end of a.txt"),
        ('{"id": "a", "question": "Q?", "answers": ["x"], "answerable": false}', "answerable is false"),
        ('{"id": "a", "question": "Q?", "answers": []}', "needs answers or gold spans"),
    ],
)
def test_bad_bench_line_names_file_and_line(tmp_path, line, words):
    (tmp_path / "a.txt").write_text("short")
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "ok", "question": "Q?", "answers": ["x"]}\n' + line + "\n")
    with pytest.raises(SetFileError) as e:
        load_bench_set(path, tmp_path)
    assert e.value.line == 2 and e.value.location().startswith(f"{path}:2: "), e.value.location()
    assert words in str(e.value), str(e.value)


def test_duplicate_bench_id(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "Q?", "answers": ["x"]}\n' * 2)
    with pytest.raises(SetFileError, match="used twice"):
        load_bench_set(path)


# -- report, table, junit, baseline -----------------------------------------------------------------


class FakeSettings:
    def public_dict(self):
        return {"k": 5}


def make_runs(verdicts: dict[str, bool], qset=None) -> tuple[QuestionSet, list[Run]]:
    questions = [Question(qid, f"{qid}?", expect=Expectation(contains=("Hanoi",)),
                          xfail="known" if qid.startswith("x") else None) for qid in verdicts]
    qset = qset or QuestionSet("demo", Path("demo.yaml"), tuple(questions))
    runs = []
    for q in questions:
        r = answer("It is Hanoi. [1]" if verdicts[q.id] else "It is Paris. " + "long " * 60,
                   citations=[span(0, 5, line=3)])
        verdict = check(q, r)
        runs.append(Run(qset, Outcome(q, r, verdict), 0.25, score_question(q, r, verdict.passed, 0.25)))
    return qset, runs


def test_table_and_default_gate():
    qset, runs = make_runs({"a": True, "b": False, "x": False})
    table = format_table(runs, width=100)
    lines = table.splitlines()
    assert lines[0].split() == ["STATUS", "ID", "SECS", "CITED", "ANSWER", "/", "REASONS"]
    assert lines[1].split()[:4] == ["PASS", "a", "0.25", "a.txt:3-3"]
    assert lines[2].split()[:5] == ["FAIL", "b", "0.25", "a.txt:3-3", "answer"] and "lacks 'Hanoi'" in lines[2]
    assert all(len(line) <= 100 for line in lines)
    assert any(line.strip() == "(xfail: known)" for line in lines)
    assert "a" not in {line.split()[1] for line in format_table(runs, only_failures=True).splitlines()[1:]
                       if line.startswith(("PASS", "FAIL", "XFAIL"))}
    gates = gate(runs, [qset], None)
    assert [g["ok"] for g in gates] == [False] and "1 failed (b)" in gates[0]["text"]
    assert gate(runs, [qset], 0.3)[0]["ok"] and not gate(runs, [qset], 0.5)[0]["ok"]


def test_junit_counts_failures_and_skips_xfails(tmp_path):
    qset, runs = make_runs({"a": True, "b": False, "x": False})
    report = build_report(runs, [qset], FakeSettings(), gate(runs, [qset], None))
    assert report["passed"] is False and report["metrics"]["pass_rate"] == pytest.approx(1 / 3)
    assert "pass rate" in format_metrics(report)
    write_junit(report, tmp_path / "j.xml")
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    case = root.find(".//testcase[@name='b']")
    assert case.get("classname") == "demo" and "answer lacks 'Hanoi'" in case.find("failure").get("message")
    assert root.find(".//testcase[@name='x']/skipped").get("message") == "xfail: known"


def test_compare_with_a_baseline():
    qset, before_runs = make_runs({"a": True, "b": False, "c": True})
    before = build_report(before_runs, [qset], FakeSettings(), [])
    _, after_runs = make_runs({"a": False, "b": True, "c": True, "d": True})
    after = build_report(after_runs, [qset], FakeSettings(), [])
    after["results"][2]["cited"] = [{"source": SRC, "start": 9, "end": 12, "line_start": 4, "line_end": 4}]
    diff = compare(after, before)
    assert [d["id"] for d in diff["newly_failing"]] == ["a"] and [d["id"] for d in diff["newly_passing"]] == ["b"]
    assert diff["citations_moved"] == [{"id": "c", "set": "demo", "before": "a.txt:3-3", "after": "a.txt:4-4"}]
    assert diff["new"] == ["d"] and diff["gone"] == []
    text = format_diff(diff, Path("before.json"))
    assert "newly failing (1):\n    a: answer lacks 'Hanoi'" in text and "c: a.txt:3-3 -> a.txt:4-4" in text
    assert "pass_rate: 0.667 -> 0.750 (+0.083)" in text
