"""`citeqa eval` as a user runs it: YAML and bench sets, verdicts with reasons, metrics, thresholds and exit
codes, the --output/--report/--junit files and --baseline. One subprocess on the seed set; the rest call
cli.main in process over one shared seed index (the model is loaded once)."""

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, SEED_DOC, SEEDS

from citeqa import cli

SEED_SET = ROOT / "tests" / "regression" / "seeds.yaml"
DOC = SEED_DOC.name
ASK_KEYS = {"question", "answer", "refused", "citations", "passages", "answerer", "search_query"}


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    """The seed document indexed once for this module (in process: later cli.main calls share the model)."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    index = tmp_path_factory.mktemp("eval-seed") / "index"
    Assistant(load_settings(index_path=index)).ingest([SEEDS], progress=False)
    return index


def run(capsys, *args):
    code = cli.main(["eval", *map(str, args), "--no-progress"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def rows(stdout: str) -> dict[str, str]:
    """Table rows by question id: the status word."""
    found = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[0] in ("PASS", "FAIL", "XFAIL", "XPASS"):
            found[parts[1]] = parts[0]
    return found


# -- the seed set, in a subprocess as a user runs it --------------------------------------------------


def test_seed_set_end_to_end(tmp_path, seed_assistant):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEQA_")}
    out_file, report_file, junit_file = tmp_path / "out.jsonl", tmp_path / "report.json", tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "citeqa.cli", "eval", str(SEED_SET), "--docs", str(SEEDS), "--index",
         str(tmp_path / "idx"), "--output", str(out_file), "--report", str(report_file), "--junit", str(junit_file)],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    # the default gate: every question passes except those marked xfail
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    stdout = proc.stdout
    assert stdout.splitlines()[0].startswith(f"indexed {SEEDS} into {tmp_path / 'idx'}: 1 added")
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    table = rows(stdout)
    from citeqa.evaluation.loader import load_question_set

    qset = load_question_set(SEED_SET)
    assert set(table) == {q.id for q in qset.questions}
    assert table["convention-where"] == "PASS"
    assert all(table[q.id] in ("XFAIL", "XPASS") for q in qset.questions if q.xfail)
    for label in ("pass rate", "answer hit", "citation precision", "citation recall", "retrieval hit@1",
                  "retrieval hit@5", "retrieval hit@k", "MRR", "refusal accuracy", "false refusals",
                  "latency p50", "latency p95"):
        assert any(line.startswith(label) for line in stdout.splitlines()), label
    assert "every question passes (xfail aside): yes" in stdout
    assert max(len(line) for line in stdout.splitlines()[1:]) <= 160  # long answers are cut

    # --output: one ask --json object a line, in question order
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(qset.questions)
    objects = [json.loads(line) for line in lines]
    reference = seed_assistant.ask("Where did Thailand sign the UN cybercrime convention?")
    assert ASK_KEYS <= set(reference)
    assert all(set(o) == set(reference) for o in objects)
    assert [o["question"] for o in objects] == [q.question for q in qset.questions]

    # --report
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["sets"][0]["name"] == "seed article" and report["passed"] is True
    assert report["settings"]["index_path"] == str(tmp_path / "idx")
    assert 0 < report["metrics"]["pass_rate"] < 1 and report["counts"]["pass_rate"] == len(qset.questions)
    by_id = {r["id"]: r for r in report["results"]}
    hanoi = by_id["convention-where"]
    assert hanoi["passed"] and "Hanoi" in hanoi["answer"] and hanoi["latency"] > 0
    assert hanoi["cited"][0]["line_start"] == 7 and hanoi["cited"][0]["source"].endswith(DOC)
    failed = [r for r in report["results"] if not r["passed"]]
    assert failed and all(r["xfail"] and r["reasons"] for r in failed)

    # --junit: valid XML; failing xfail questions are skipped, not failures
    root = ET.parse(junit_file).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(qset.questions) and {c.get("classname") for c in cases} == {"seed article"}
    assert suite.get("failures") == "0" and int(suite.get("skipped")) == len(failed)


# -- verdicts, reasons, thresholds and exit codes -------------------------------------------------------

WRONG_SET = f"""
name: wrong on purpose
questions:
  - id: right
    question: Where did Thailand sign the UN cybercrime convention?
    expect:
      contains: [Hanoi]
      cites: [{{source: {DOC}, lines: [7, 7]}}]
  - id: wrong-city
    question: Where did Thailand sign the UN cybercrime convention?
    expect:
      contains: [Jakarta]
  - id: wrong-line
    question: Where did Thailand sign the UN cybercrime convention?
    expect:
      cites: [{{source: {DOC}, lines: [4, 4]}}]
"""


def test_a_wrong_expectation_fails_with_its_reason_and_exit_1(tmp_path, capsys, seed_index):
    wrong = write(tmp_path / "wrong.yaml", WRONG_SET)
    code, out, err = run(capsys, wrong, "--index", seed_index, "--junit", tmp_path / "j.xml")
    assert code == 1, out + err
    assert rows(out) == {"right": "PASS", "wrong-city": "FAIL", "wrong-line": "FAIL"}
    assert "answer lacks 'Jakarta'" in out
    assert f"{DOC}:7-7 instead of lines 4-4" in out  # what was cited instead
    assert "FAILS: 2 failed (wrong-city, wrong-line)" in out
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("failures") == "2" and root.get("tests") == "3"
    failures = root.findall(".//failure")
    assert len(failures) == 2 and "answer lacks 'Jakarta'" in failures[0].get("message")

    # --fail-under gates the pass rate (1/3) instead
    assert run(capsys, wrong, "--index", seed_index, "--fail-under", "0.0")[0] == 0
    code, out, _ = run(capsys, wrong, "--index", seed_index, "--fail-under", "1.0")
    assert code == 1 and "--fail-under: pass_rate 0.333 FAILS ≥ 1" in out


def test_thresholds_from_the_set(tmp_path, capsys, seed_index):
    lenient = write(tmp_path / "lenient.yaml", WRONG_SET.replace(
        "questions:", "thresholds: {pass_rate: 0.3, retrieval_hit_at_k: 1.0, latency_p95: 60}\nquestions:", 1))
    code, out, _ = run(capsys, lenient, "--index", seed_index)
    assert code == 0, out
    assert "wrong on purpose: pass_rate 0.333 meets ≥ 0.3" in out
    assert "wrong on purpose: retrieval_hit_at_k 1.000 meets ≥ 1" in out

    strict = write(tmp_path / "strict.yaml", WRONG_SET.replace(
        "questions:", "thresholds: {pass_rate: 0.3, citation_recall: 0.9}\nquestions:", 1))
    code, out, _ = run(capsys, strict, "--index", seed_index)
    assert code == 1 and "citation_recall 0.500 FAILS ≥ 0.9" in out


def test_baseline_shows_what_changed(tmp_path, capsys, seed_index):
    before = write(tmp_path / "before.yaml", WRONG_SET)
    assert run(capsys, before, "--index", seed_index, "--report", tmp_path / "before.json")[0] == 1
    # now: `right` is made to fail, `wrong-city` is fixed
    after = write(tmp_path / "after.yaml", WRONG_SET.replace("contains: [Hanoi]", "contains: [Manila]")
                  .replace("contains: [Jakarta]", "contains: [Hanoi]"))
    code, out, _ = run(capsys, after, "--index", seed_index, "--baseline", tmp_path / "before.json")
    assert code == 1
    diff = out[out.index("Since "):]
    assert "newly failing (1):\n    right: answer lacks 'Manila'" in diff
    assert "newly passing (1):\n    wrong-city\n" in diff
    assert "citations moved (0)" in diff


# -- the bench format ----------------------------------------------------------------------------------

OTTERS = "Sea otters live along the coasts of the North Pacific Ocean.\nThey use rocks as tools to open shellfish.\n"
ETNA = "Mount Etna is an active volcano on the island of Sicily.\nIt erupts often and is watched closely.\n"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    docs = root / "docs"
    docs.mkdir()
    (docs / "otters.txt").write_text(OTTERS, encoding="utf-8")
    (docs / "etna.txt").write_text(ETNA, encoding="utf-8")

    def gold(doc, text, answer):
        start = text.index(answer)
        return {"doc": doc, "start": start, "end": start + len(answer)}

    questions = [
        {"id": "otters-where", "question": "Where do sea otters live?", "answers": ["North Pacific"],
         "answerable": True, "gold": [gold("otters.txt", OTTERS, "North Pacific Ocean")]},
        {"id": "etna-island", "question": "On which island is the volcano Mount Etna?", "answers": ["Sicily"],
         "answerable": True, "gold": [gold("etna.txt", ETNA, "Sicily")]},
        {"id": "otters-wrong-doc", "question": "What do sea otters use as tools?", "answers": ["rocks"],
         "answerable": True, "gold": [gold("etna.txt", ETNA, "Mount Etna")]},
        {"id": "unanswerable", "question": "What is the price of a train ticket from Paris to Berlin?",
         "answers": [], "answerable": False, "gold": []},
    ]
    path = root / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path, docs


def test_bench_jsonl_with_docs(tmp_path, capsys, bench):
    path, docs = bench
    index = tmp_path / "scratch"
    code, out, err = run(capsys, path, "--docs", docs, "--index", index, "--report", tmp_path / "r.json")
    assert out.startswith(f"indexed {docs} into {index}: 2 added, 0 changed"), out
    table = rows(out)
    assert table == {"otters-where": "PASS", "etna-island": "PASS", "otters-wrong-doc": "FAIL", "unanswerable": "PASS"}
    # Which otters sentences it cites is the answerer's choice; that they are named and compared is this test's.
    assert re.search(r"cited otters\.txt:\d-\d(, otters\.txt:\d-\d)* instead of chars 0-10 of etna\.txt", out), out
    assert code == 1  # the default gate: one question failed
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["sets"][0]["name"] == bench[0].parent.name and report["sets"][0]["format"] == "bench"
    m, n = report["metrics"], report["counts"]
    assert n["answer_hit"] == 3 and m["answer_hit"] == 1.0
    assert n["citation_recall"] == 3 and m["citation_recall"] == pytest.approx(2 / 3)
    assert m["citation_precision"] == pytest.approx(2 / 3)
    assert n["refusal_accuracy"] == 1 and m["refusal_accuracy"] == 1.0 and m["false_refusal_rate"] == 0.0
    assert n["retrieval_hit_at_k"] == 3

    # a second run re-uses the index; --limit takes the first questions
    code, out, _ = run(capsys, path, "--docs", docs, "--index", index, "--limit", "2")
    assert "0 added, 0 changed, 2 unchanged" in out and code == 0
    assert set(rows(out)) == {"otters-where", "etna-island"}


def test_scratch_index_is_keyed_on_the_docs_folder(tmp_path):
    from citeqa.evaluation.command import scratch_index
    from citeqa.settings import load_settings

    s = load_settings()
    a, b = scratch_index(tmp_path / "a", s), scratch_index(tmp_path / "b", s)
    assert a != b and a == scratch_index(tmp_path / "a", s) and a.name.startswith("citeqa-eval-")


# -- bad set files: exit 2, one line naming file and line -----------------------------------------------


@pytest.mark.parametrize(
    "name, text, line, words",
    [
        ("bad.yaml", "name: x\nquestions:\n  - id: a\n    question: Q?\n    expect: {contain: [x]}\n", 5,
         "question 'a': expect has unknown field 'contain'"),
        ("bad.yaml", "name: x\nquestions:\n  - id: a\n    question: 'unclosed\n", 5, "not valid YAML"),
        ("bad.yaml", "name: x\nthresholds: {pass_rate: 2}\nquestions:\n  - id: a\n    question: Q?\n"
         "    expect: {contains: [x]}\n", 2, "thresholds.pass_rate must be a rate between 0 and 1"),
        ("bad.jsonl", '{"id": "a", "question": "Q?", "answers": ["x"], "answerable": true, "gold": []}\n{"id": \n',
         2, "not valid JSON"),
        ("bad.jsonl", '{"id": "a", "question": "Q?", "answers": ["x"], "answerable": true, '
         '"gold": [{"doc": "missing.txt", "start": 0, "end": 3}]}\n', 1, "'missing.txt' is not a readable file"),
    ],
)
def test_a_bad_set_exits_2_naming_file_and_line(tmp_path, capsys, name, text, line, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    code, out, err = run(capsys, path, "--docs", tmp_path / "docs")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}:{line}: ") and len(err.strip().splitlines()) == 1, err
    assert words in err, err


def test_missing_set_and_bad_baseline_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "nope.yaml")
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.yaml'}: the file does not exist"
    (tmp_path / "base.json").write_text("{not json")
    code, _, err = run(capsys, SEED_SET, "--baseline", tmp_path / "base.json")
    assert code == 2 and err.startswith(f"error: {tmp_path / 'base.json'}:1: not valid JSON")
