"""The Regression tab's run, question by question (issue 18.8): `regression_steps` gives where the run
stands after each question (count, passes, failures, the last verdict) for the page to show while it
runs, then the report as before; a stop between questions ends it early with a report of what ran,
saying it was stopped. Set names and ids from an uploaded file are shown as text."""

import threading

from citeqa.app.regression import progress_markdown, regression_steps, run_regression

SET = """name: "three <b>questions</b>"
questions:
  - id: where
    question: In which city did Thailand sign the UN convention against cybercrime?
    expect: {contains: [Hanoi]}
  - id: wrong*id*
    question: In which city did Thailand sign the UN convention against cybercrime?
    expect: {contains: [Paris]}
  - id: again
    question: Where was it signed?
    expect: {contains: [Hanoi]}
"""


class Answers:
    def __init__(self):
        self.asked = 0

    def ask(self, question, history=None):
        self.asked += 1
        return {"question": question, "answer": "Hanoi", "refused": False, "citations": [], "passages": []}


def test_each_question_updates_the_progress_then_the_report(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(SET, encoding="utf-8")
    shown = [(s.done, s.passed, s.failed, s.summary, progress_markdown(s)) for s in regression_steps(Answers(), path)]
    assert [d[:3] for d in shown] == [(0, 0, 0), (1, 1, 0), (2, 1, 1), (3, 2, 1), (3, 2, 1)]
    assert "0/3" in shown[0][4]
    assert "2/3 · 1 passed · 1 failed" in shown[2][4] and r"wrong\*id\*" in shown[2][4] and "FAIL" in shown[2][4]
    assert "<b>" not in shown[2][4]  # the set's name as text
    assert all(not s[3] for s in shown[:-1]) and "2 passed, 1 failed of 3" in shown[-1][3]
    summary, rows = run_regression(Answers(), path)  # the whole run, as before
    assert summary == shown[-1][3]
    assert [r[:2] for r in rows] == [["wrong*id*", "FAIL"], ["where", "pass"], ["again", "pass"]]  # failures first


def test_a_stop_ends_the_run_with_what_ran(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(SET, encoding="utf-8")
    answers, stop = Answers(), threading.Event()
    for state in regression_steps(answers, path, stop=stop.is_set):
        if state.done == 1:
            stop.set()
    assert answers.asked == 1 and state.stopped and state.done == 1
    assert "stopped after 1 of 3" in state.summary and [r[:2] for r in state.rows] == [["where", "pass"]]
