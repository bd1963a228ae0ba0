"""A question set run reports each question as it finishes and stops between two questions when asked:
`ask_each` yields each outcome as soon as it is checked, and a stop flag, read before each question,
ends the run with nothing more asked (the Regression tab's Stop button; the server stops working)."""

import threading

from citeqa.evaluation.questions import Expectation, Question
from citeqa.evaluation.running import ask_each


class CountingAssistant:
    def __init__(self):
        self.asked = []

    def ask(self, question, history=None):
        self.asked.append(question)
        return {"question": question, "answer": "Hanoi", "refused": False, "citations": [], "passages": []}


def _questions(n):
    return [Question(id=f"q{i}", question=f"Question {i}?", expect=Expectation(contains=("Hanoi",))) for i in range(n)]


def test_each_outcome_comes_as_it_is_checked():
    assistant, questions = CountingAssistant(), _questions(3)
    seen = []
    for outcome in ask_each(assistant, questions):
        seen.append((outcome.question.id, outcome.check.passed, len(assistant.asked)))
    assert seen == [("q0", True, 1), ("q1", True, 2), ("q2", True, 3)]  # one ask per outcome, in order


def test_a_stop_between_questions_asks_nothing_more():
    assistant, stop = CountingAssistant(), threading.Event()
    done = []
    for outcome in ask_each(assistant, _questions(10), stop=stop.is_set):
        done.append(outcome.question.id)
        if len(done) == 2:
            stop.set()  # Stop pressed while the second question's result is shown
    assert done == ["q0", "q1"] and assistant.asked == ["Question 0?", "Question 1?"]
    stop = threading.Event()
    stop.set()
    assert list(ask_each(assistant, _questions(3), stop=stop.is_set)) == []  # stopped before the first
