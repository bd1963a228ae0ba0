"""citeqa.evaluation.questions: loading question sets and checking answers, without running a model."""

import textwrap
from pathlib import Path

import pytest

from citeqa.errors import InputError
from citeqa.evaluation.checking import check
from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.questions import (
    CheckResult,
    CiteExpectation,
    Expectation,
    Outcome,
    Question,
    QuestionSet,
    source_matches,
)
from citeqa.evaluation.running import assistant_for, run_question_set

ROOT = Path(__file__).resolve().parents[2]
from conftest import SEED_DOC  # noqa: E402  (a copy: never a file a user added to seeds/)
SEED_SET = ROOT / "tests" / "regression" / "seeds.yaml"
SRC = "seeds/x.txt"

HANOI = (
    "Earlier in 2025, Thailand took another major step by signing the United Nations Convention against "
    "Cybercrime at a high-level ceremony in Hanoi."
)


def cit(line_start=7, line_end=None, source=SRC, start=1213, end=1485, quote=HANOI, supported=True, n=1):
    return {
        "n": n, "source": source, "title": "T", "start": start, "end": end, "line_start": line_start,
        "line_end": line_end if line_end is not None else line_start, "quote": quote, "score": 0.7,
        "supported": supported,
    }


def result(answer=HANOI + " [1]", citations=None, refused=False):
    return {
        "question": "q", "answer": answer, "refused": refused,
        "citations": [cit()] if citations is None else citations, "passages": [],
    }


def q(**expect) -> Question:
    return Question(id="q1", question="Where did Thailand sign the convention?", expect=Expectation(**expect))


def write(tmp_path, text: str, name="set.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(tmp_path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        load_question_set(path)
    message = str(e.value)
    assert str(path) in message
    return message


# -- check: answer text -----------------------------------------------------------------------------


def test_check_passes_a_right_answer():
    r = check(q(contains=["hanoi", "UNITED NATIONS"], any=["Vientiane", "Hanoi"], regex=r"in\s+Hanoi",
                not_contains=["Bangkok"], cites=(CiteExpectation(SRC, lines=(7, 7)),)), result())
    assert r == CheckResult(True, [])
    assert r and r.summary() == "passed"


def test_a_deliberately_wrong_expectation_fails_with_a_clear_reason():
    r = check(q(contains=["Hanoi", "Jakarta"]), result())
    assert not r.passed
    assert r.reasons[0] == "answer lacks 'Jakarta'"
    assert "the answer was:" in r.reasons[-1] and "Hanoi" in r.reasons[-1]


def test_check_any_regex_and_not_contains_reasons():
    r = check(q(any=["Jakarta", "Manila"], regex=r"\bJakarta\b", not_contains=["hanoi"]), result())
    assert "answer has none of 'Jakarta', 'Manila'" in r.reasons
    assert "answer does not match /\\bJakarta\\b/" in r.reasons
    assert "answer contains 'hanoi', which it should not" in r.reasons


def test_text_checks_ignore_case_whitespace_and_typographic_quotes():
    answer = "Thai representatives reaffirmed the government’s\n  resolve [1]"
    assert check(q(contains=["GOVERNMENT'S RESOLVE"]), result(answer=answer)).passed
    assert check(q(regex="government.s resolve"), result(answer=answer)).passed


def test_expected_refusal_but_answered():
    r = check(q(answerable=False), result())
    assert not r.passed
    assert r.reasons[0].startswith("expected a refusal but answered: 'Earlier in 2025")
    assert r.reasons[1] == "expected no citations but cited seeds/x.txt:7-7"


def test_refusal_passes_when_expected():
    refusal = result(answer='The documents do not say: no indexed passage answers "q".', citations=[], refused=True)
    assert check(q(answerable=False), refusal).passed
    r = check(q(contains=["Hanoi"]), refusal)
    assert r.reasons == ["expected an answer but it refused: 'The documents do not say: no indexed passage answers \"q\".'"]


def test_a_pipeline_error_fails_even_a_refusal():
    r = check(q(answerable=False), {**result(citations=[], refused=True), "error": "The openai answerer is down."})
    assert r.reasons == ["the pipeline failed: The openai answerer is down."]


# -- check: cites -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lines, ok", [((7, 7), True), ((6, 8), True), ((7, 9), True), ((1, 6), False), ((8, 8), False)])
def test_cites_lines_overlap(lines, ok):
    r = check(q(cites=(CiteExpectation(SRC, lines=lines),)), result())
    assert r.passed is ok
    if not ok:
        assert r.reasons == [f"cited seeds/x.txt:7-7 instead of lines {lines[0]}-{lines[1]}"]


def test_cites_lines_reason_names_the_wrong_line():
    r = check(q(cites=(CiteExpectation(SRC, lines=(7, 7)),)), result(citations=[cit(4)]))
    assert r.reasons == ["cited seeds/x.txt:4-4 instead of lines 7-7"]


def test_cites_multi_line_citation_overlaps():
    assert check(q(cites=(CiteExpectation(SRC, lines=(5, 5)),)), result(citations=[cit(4, 6)])).passed


@pytest.mark.parametrize(
    "quote, ok",
    [
        ("at a high-level ceremony in Hanoi", True),  # inside the citation's quote
        ("AT A  HIGH-LEVEL\nceremony in hanoi", True),  # case and whitespace do not matter
        (HANOI + " It underscored its formal commitment.", True),  # the citation's quote is inside it
        ("a ceremony in Bangkok", False),
    ],
)
def test_cites_quote(quote, ok):
    r = check(q(cites=(CiteExpectation(SRC, quote=quote),)), result())
    assert r.passed is ok
    if not ok:
        assert r.reasons == ["cited seeds/x.txt:7-7 instead of a passage quoting 'a ceremony in Bangkok'"]


@pytest.mark.parametrize(
    "span, ok",
    [((1213, 1485), True), ((1300, 1310), True), ((1000, 1214), True), ((1485, 1600), False), ((0, 1213), False)],
)
def test_cites_char_span_half_open(span, ok):
    r = check(q(cites=(CiteExpectation(SRC, start=span[0], end=span[1]),)), result())
    assert r.passed is ok
    if not ok:
        assert r.reasons == [f"cited seeds/x.txt:7-7 instead of chars {span[0]}-{span[1]}"]


def test_cites_other_source_fails_and_names_the_expected_source():
    r = check(q(cites=(CiteExpectation("other.txt", lines=(7, 7)),)), result())
    assert r.reasons == ["cited seeds/x.txt:7-7 instead of lines 7-7 of other.txt"]


def test_cites_nothing_cited():
    r = check(q(cites=(CiteExpectation(SRC, lines=(7, 7)),)), result(citations=[]))
    assert r.reasons == ["cited nothing instead of lines 7-7 of seeds/x.txt"]


def test_cites_unsupported_citation_does_not_count():
    r = check(q(cites=(CiteExpectation(SRC, lines=(7, 7)),)), result(citations=[cit(supported=False)]))
    assert r.reasons == ["cited seeds/x.txt:7-7 for lines 7-7 but the citation is marked unsupported"]


def test_cites_all_expectations_must_match_some_citation():
    two = [cit(4, n=1), cit(7, n=2)]
    ok = (CiteExpectation(SRC, lines=(4, 4)), CiteExpectation("x.txt", lines=(7, 7)))
    assert check(q(cites=ok), result(citations=two)).passed
    bad = (CiteExpectation(SRC, lines=(4, 4)), CiteExpectation(SRC, lines=(10, 10)))
    assert check(q(cites=bad), result(citations=two)).reasons == [
        "cited seeds/x.txt:4-4, seeds/x.txt:7-7 instead of lines 10-10"
    ]


@pytest.mark.parametrize(
    "expected, cited, ok",
    [
        ("seeds/x.txt", "seeds/x.txt", True),
        ("x.txt", "seeds/x.txt", True),
        ("seeds/x.txt", "/work/main/seeds/x.txt", True),
        ("seeds/x.txt", "x.txt", True),
        ("./seeds/x.txt", "seeds\\x.txt", True),
        ("other/x.txt", "seeds/x.txt", False),
        ("x.txt", "seeds/ex.txt", False),  # whole components, not string suffixes
        ("x.txt", "", False),
    ],
)
def test_source_matches(expected, cited, ok):
    assert source_matches(expected, cited) is ok


# -- loading ----------------------------------------------------------------------------------------

GOOD = """
name: demo
settings: {k: 8, min_score: 0.5}
questions:
  - id: where
    question: Where did Thailand sign the convention?
    expect:
      contains: [Hanoi]
      cites:
        - {source: seeds/x.txt, lines: [7, 7]}
        - {source: x.txt, quote: "in Hanoi"}
        - {source: x.txt, start: 10, end: 20}
  - id: who
    history: ["When was the conference?"]
    question: Who co-organised it?
    expect: {any: [UNODC, United Nations Office on Drugs and Crime], regex: 'Drugs\\s+and', not_contains: Nepal}
  - id: budget
    question: What was the budget?
    xfail: the extractive answerer cannot tell topic from answer
    expect: {answerable: false}
"""


def test_load_question_set(tmp_path):
    qs = load_question_set(write(tmp_path, GOOD))
    assert isinstance(qs, QuestionSet) and qs.name == "demo"
    assert qs.settings == {"k": 8, "min_score": 0.5}
    where, who, budget = qs.questions
    assert where.id == "where" and where.line == 4 and where.history == ()
    assert where.expect.cites == (
        CiteExpectation("seeds/x.txt", lines=(7, 7)),
        CiteExpectation("x.txt", quote="in Hanoi"),
        CiteExpectation("x.txt", start=10, end=20),
    )
    assert who.history == ("When was the conference?",) and who.expect.not_contains == ("Nepal",)
    assert who.expect.regex == r"Drugs\s+and"
    assert budget.expect == Expectation(answerable=False) and budget.xfail.startswith("the extractive")
    assert where.expect.answerable is True and where.xfail is None


def test_malformed_yaml_names_file_and_line(tmp_path):
    message = load_error(tmp_path, """
        name: demo
        questions:
          - id: a
            question: "Where is it?
            expect: {contains: [x]}
          - id: b
        """)
    assert "line 7" in message and "not valid YAML" in message, message
    assert "quoted scalar that starts at line 4" in message, message


def test_malformed_yaml_line_is_the_right_one(tmp_path):
    message = load_error(tmp_path, """
        name: demo
        questions:
          - id: a
            question: Where?
            expect: {contains: [x]
          - id: b
        """)
    assert ", line 6, column 3: not valid YAML" in message, message


@pytest.mark.parametrize(
    "expect, line, words",
    [
        ("{contains: [x], cites: [{source: a.txt, lines: [7]}]}", 5, ["expect.cites[0].lines", "[7]"]),
        ("{contains: [x], cites: [{source: a.txt, lines: [9, 7]}]}", 5, ["first ≤ last"]),
        ("{contains: [x], cites: [{lines: [7, 7]}]}", 5, ["needs a source"]),
        ("{contains: [x], cites: [{source: a.txt}]}", 5, ["exactly one of lines"]),
        ("{contains: [x], cites: [{source: a.txt, lines: [1, 1], quote: q}]}", 5, ["got lines and quote"]),
        ("{contains: [x], cites: [{source: a.txt, start: 5}]}", 5, ["start without end"]),
        ("{contains: [x], cites: [{source: a.txt, start: 9, end: 5}]}", 5, ["end 5 not after start 9"]),
        ("{contain: [Hanoi]}", 5, ["unknown field 'contain'"]),
        ("{contains: {a: 1}}", 5, ["expect.contains must be a list"]),
        ("{regex: '(unclosed'}", 5, ["not a valid regular expression"]),
        ("{answerable: maybe}", 5, ["expect.answerable must be true or false"]),
        ("{answerable: false, cites: [{source: a.txt, lines: [1, 1]}]}", 5, ["answerable is false", "cites"]),
        ("{}", 5, ["expect checks nothing"]),
    ],
)
def test_bad_expectation_names_file_line_and_question(tmp_path, expect, line, words):
    message = load_error(tmp_path, f"""
        name: demo
        questions:
          - id: my-question
            question: Where?
            expect: {expect}
        """)
    assert "question 'my-question'" in message
    assert f"line {line}" in message, message  # the expect line in this file
    for w in words:
        assert w in message, message


def test_bad_field_in_block_style_points_at_its_own_line(tmp_path):
    message = load_error(tmp_path, """
        name: demo
        questions:
          - id: ok
            question: Fine?
            expect: {contains: [x]}
          - id: broken
            question: Where?
            expect:
              contains: [x]
              cites:
                - source: a.txt
                  lines: [0, 3]
        """)
    assert "line 12" in message and "question 'broken'" in message and "lines" in message, message


@pytest.mark.parametrize(
    "text, words",
    [
        ("- just a list\n", ["must be a mapping"]),
        ("name: demo\nquestions: []\n", ["questions must be a non-empty list"]),
        ("questions: [{id: a, question: b, expect: {contains: [c]}}]\n", ["no name"]),
        ("name: demo\nsetings: {k: 3}\nquestions: [{id: a, question: b, expect: {contains: [c]}}]\n",
         ["unknown field 'setings'", "line 2"]),
        ("name: demo\nsettings: {kk: 3}\nquestions: [{id: a, question: b, expect: {contains: [c]}}]\n",
         ["settings.kk is not a setting (allowed: k, min_score, reader_threshold)", "line 2"]),
        ("name: demo\nsettings: {k: 0}\nquestions: [{id: a, question: b, expect: {contains: [c]}}]\n",
         ["settings.k is invalid", "line 2"]),
        ("name: demo\nquestions:\n  - {id: a, question: b, expect: {contains: [c]}}\n"
         "  - {id: a, question: d, expect: {contains: [c]}}\n", ["question 'a'", "used twice (first at line 3)", "line 4"]),
        ("name: demo\nquestions:\n  - {question: b, expect: {contains: [c]}}\n", ["questions[0] has no id", "line 3"]),
        ("name: demo\nquestions:\n  - {id: a, expect: {contains: [c]}}\n", ["question 'a'", "question text is missing"]),
        ("name: demo\nquestions:\n  - {id: a, question: b}\n", ["question 'a'", "expect is missing"]),
        ("name: demo\nquestions:\n  - {id: a, question: b, history: [{x: 1}], expect: {contains: [c]}}\n",
         ["history[0] must be a non-empty text"]),
        ("name: demo\nquestions:\n  - {id: a, question: '  ', expect: {contains: [c]}}\n", ["question must be a non-empty"]),
    ],
)
def test_bad_set_raises_input_error(tmp_path, text, words):
    message = load_error(tmp_path, text)
    for w in words:
        assert w in message, message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_question_set(tmp_path / "nope.yaml")


# -- running ----------------------------------------------------------------------------------------


class FakeAssistant:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def ask(self, question, history=None):
        self.calls.append((question, history))
        answer = self.answers[question]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_run_question_set_runs_each_question_with_its_history(tmp_path):
    qs = load_question_set(write(tmp_path, GOOD.replace("settings: {k: 8, min_score: 0.5}\n", "")))
    refusal = result(answer="The documents do not say.", citations=[], refused=True)
    fake = FakeAssistant({
        "Where did Thailand sign the convention?": result(citations=[cit(7, start=0, end=15, quote="in Hanoi")]),
        "Who co-organised it?": result(answer="The UNODC [1]"),
        "What was the budget?": refusal,
    })
    outcomes = run_question_set(fake, qs)
    assert [type(o) for o in outcomes] == [Outcome] * 3
    assert [o.check.passed for o in outcomes] == [True, False, True]
    assert outcomes[1].check.reasons[0] == "answer does not match /Drugs\\s+and/"
    question, res, verdict = outcomes[0]  # an Outcome is a (Question, result, CheckResult) tuple
    assert question.id == "where" and res["answer"].startswith("Earlier") and verdict.passed
    assert fake.calls[1] == ("Who co-organised it?", ["When was the conference?"])


def test_run_question_set_turns_a_citeqa_error_into_a_failed_check():
    qset = QuestionSet("s", Path("s.yaml"), (q(contains=["Hanoi"]),))
    fake = FakeAssistant({"Where did Thailand sign the convention?": InputError("The index is empty.")})
    [(_, res, verdict)] = run_question_set(fake, qset)
    assert verdict.reasons == ["the pipeline failed: The index is empty."] and res["error"] == "The index is empty."


def test_assistant_for_applies_settings_and_shares_the_index(make_settings):
    from citeqa.chat import Assistant

    base = Assistant(make_settings())
    assert assistant_for(base, {}) is base
    base.store  # built: shared with the new one
    other = assistant_for(base, {"k": 9, "min_score": 0.3})
    assert other is not base and other.settings.k == 9 and other.settings.min_score == 0.3
    assert other.settings.index_path == base.settings.index_path
    assert other.store is base.store
    moved = assistant_for(base, {"collection": "elsewhere"})
    assert moved._store is None  # another index: its own store


# -- the shipped regression set ---------------------------------------------------------------------


def _norm(s: str) -> str:
    return " ".join(s.replace("’", "'").casefold().split())


def test_seed_set_shape_and_expectations_come_from_the_document():
    qs = load_question_set(SEED_SET)
    doc = SEED_DOC.read_text(encoding="utf-8")
    text, n_lines = _norm(doc), len(doc.splitlines())
    answerable = [x for x in qs.questions if x.expect.answerable]
    assert len(qs.questions) >= 22
    assert sum(1 for x in qs.questions if x.history) >= 3
    assert len(qs.questions) - len(answerable) >= 6
    for x in answerable:
        assert x.expect.cites, f"{x.id}: says no cited lines"
        for want in x.expect.contains:
            assert _norm(want) in text, f"{x.id}: {want!r} is not in the document"
        if x.expect.any:
            assert any(_norm(w) in text for w in x.expect.any), f"{x.id}: none of {x.expect.any} is in the document"
        for c in x.expect.cites:
            assert source_matches(c.source, "seeds/" + SEED_DOC.name)
            if c.lines:
                assert 1 <= c.lines[0] <= c.lines[1] <= n_lines
            if c.quote:
                assert _norm(c.quote) in text
            if c.start is not None:
                assert 0 <= c.start < c.end <= len(doc)
