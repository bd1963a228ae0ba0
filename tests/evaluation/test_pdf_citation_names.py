"""Issue 18 item 10: `citeqa eval` names a citation as `citeqa ask` does: a PDF by its page
(`harbour_report.pdf p.1`, not the extracted text's lines `:3-3`), a web page or Word file by its
section, text by its lines: in the table, --only-failures, the reasons, the JSON report, JUnit and the
baseline diff. Hand-made answers: no model."""

import xml.etree.ElementTree as ET
from pathlib import Path

from citeqa import cli
from citeqa.evaluation.checking import check
from citeqa.evaluation.metrics import score_question
from citeqa.evaluation.questions import CiteExpectation, Expectation, Outcome, Question, QuestionSet
from citeqa.evaluation.reports import build_report, compare, format_diff, format_table, write_junit
from citeqa.evaluation.running import Run

PDF = {"n": 1, "source": "docs/harbour_report.pdf", "title": "Harbour", "start": 40, "end": 90, "line_start": 3,
       "line_end": 3, "quote": "The pier was rebuilt in 1911.", "score": 0.5, "supported": True, "format": "pdf",
       "page": 1, "boxes": [[1, 10, 10, 50, 20]]}
HTML = {"n": 2, "source": "docs/ferry.html", "title": "Ferry", "start": 5, "end": 30, "line_start": 5, "line_end": 5,
        "quote": "The ferry sails twice.", "score": 0.5, "supported": True, "format": "html",
        "section": "Ferry times › Winter", "block": 2}


class FakeSettings:
    def public_dict(self):
        return {"k": 5}


def runs_citing(*citations) -> tuple[QuestionSet, list[Run]]:
    wants_lines = Question("pier", "When was the pier rebuilt?", expect=Expectation(
        contains=("1911",), cites=(CiteExpectation("harbour_report.pdf", lines=(7, 7)),)))
    qset = QuestionSet("harbour", Path("harbour.yaml"), (wants_lines,))
    result = {"question": wants_lines.question, "answer": "It was rebuilt in 1911. [1]", "refused": False,
              "citations": list(citations), "passages": list(citations), "answerer": "extractive", "search_query": "q"}
    verdict = check(wants_lines, result)
    return qset, [Run(qset, Outcome(wants_lines, result, verdict), 0.2, score_question(wants_lines, result, False, 0.2))]


def test_table_and_reasons_name_the_page(tmp_path):
    qset, runs = runs_citing(PDF, HTML)
    reasons = runs[0].outcome.check.reasons
    # Expected in lines: the cited lines follow the page, so the two can be compared.
    assert reasons == ["cited docs/harbour_report.pdf p.1 (lines 3-3), docs/ferry.html § Ferry times › Winter "
                       "(lines 5-5) instead of lines 7-7 of harbour_report.pdf"]
    for table in (format_table(runs, width=200), format_table(runs, width=200, only_failures=True)):
        row = table.splitlines()[1]
        assert row.split()[:5] == ["FAIL", "pier", "0.20", "harbour_report.pdf", "p.1,"], row
        assert "cited harbour_report.pdf p.1 (lines 3-3), ferry.html § Ferry times" in row
        assert ":3-3" not in table


def test_report_junit_and_baseline_name_the_page(tmp_path):
    qset, runs = runs_citing(PDF)
    report = build_report(runs, [qset], FakeSettings(), [])
    cited = report["results"][0]["cited"][0]
    assert cited["page"] == 1 and cited["format"] == "pdf" and cited["line_start"] == 3  # lines kept for tools
    write_junit(report, tmp_path / "j.xml")
    failure = ET.parse(tmp_path / "j.xml").getroot().find(".//testcase[@name='pier']/failure")
    assert "cited docs/harbour_report.pdf p.1 (lines 3-3)" in failure.get("message")
    assert "cited: harbour_report.pdf p.1" in failure.text and ":3-3" not in failure.text
    qset2, runs2 = runs_citing(PDF | {"start": 200, "end": 250, "page": 2, "line_start": 9, "line_end": 9})
    after = build_report(runs2, [qset2], FakeSettings(), [])
    diff = compare(after, report)
    assert "pier: harbour_report.pdf p.1 -> harbour_report.pdf p.2" in format_diff(diff, Path("before.json"))


def test_ask_and_eval_name_a_citation_alike():
    answer = {"answer": "It was rebuilt in 1911. [1]", "citations": [PDF, HTML], "refused": False}
    printed = cli.format_answer(answer)
    assert "[1] docs/harbour_report.pdf p.1" in printed and "[2] docs/ferry.html § Ferry times › Winter" in printed
    text = {"source": "notes.txt", "line_start": 4, "line_end": 6}
    assert cli.citation_place(text) == "notes.txt:4-6"
