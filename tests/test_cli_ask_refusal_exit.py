"""Issue 18 item 11: `citeqa ask --fail-on-refusal` exits 4 when it refuses, so a script can tell a
refusal without --json; without the flag a refusal still exits 0, and an error is 1 either way. The
answerer is stubbed: which answers refuse is the reader model's business, not this test's."""

import re

import pytest

from citeqa import chat, cli

REFUSAL = {"question": "q", "answer": "The documents do not say.", "refused": True, "citations": [], "passages": []}
ANSWER = {"question": "q", "answer": "Hanoi.", "refused": False, "citations": [], "passages": []}
ERROR = REFUSAL | {"error": "The LLM server at http://127.0.0.1:9 does not answer."}


class _Store:
    def passage_count(self):
        return 1


def stub(monkeypatch, result):
    class Assistant:
        def __init__(self, settings):
            self.store = _Store()

        def validate_question(self, question):
            pass

        def ask(self, question, history=None, sources=None):
            return result

    monkeypatch.setattr(chat, "Assistant", Assistant)


@pytest.mark.parametrize("result, flags, code", [
    (REFUSAL, [], 0),
    (REFUSAL, ["--fail-on-refusal"], cli.EXIT_REFUSED),
    (REFUSAL, ["--fail-on-refusal", "--json"], cli.EXIT_REFUSED),
    (ANSWER, ["--fail-on-refusal"], 0),
    (ERROR, ["--fail-on-refusal"], 1),
])
def test_exit_status(monkeypatch, capsys, result, flags, code):
    stub(monkeypatch, result)
    assert cli.main(["ask", "What was the conference budget?", *flags]) == code
    out = capsys.readouterr()
    assert result["answer"] in out.out and "Traceback" not in out.err


def test_the_code_is_documented_in_help(capsys):
    assert cli.EXIT_REFUSED == 4
    with pytest.raises(SystemExit):
        cli.main(["ask", "--help"])
    text = re.sub(r"-\s+", "-", " ".join(capsys.readouterr().out.split()))  # argparse wraps at hyphens
    assert "--fail-on-refusal" in text and "4 on a refusal with --fail-on-refusal" in text
