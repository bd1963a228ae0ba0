"""The generative answerer path (ChatAnswerer + parse_claims/attach_support/render), driven end to end
through `Assistant` with LangChain's fake chat models: no server, no model weights.

The fake replies are written the way a model would write them; the passage numbers they cite are
looked up from the retriever first, so the tests do not depend on the exact retrieval order.
"""

import re

import numpy as np
import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field

from conftest import SEED_DOC, SEEDS

DOC = SEED_DOC.read_bytes().decode("utf-8")  # what offsets refer to: the file's text exactly as read
QUESTION = "Where did Thailand sign the United Nations Convention against Cybercrime?"
HANOI_SENTENCE = (
    "Earlier in 2025, Thailand took another major step by signing the United Nations Convention against "
    "Cybercrime at a high-level ceremony in Hanoi, underscoring its formal commitment to a legally binding "
    "global framework to counter cybercrime and related online exploitation."
)
HANOI_START = DOC.index(HANOI_SENTENCE)
HANOI_END = HANOI_START + len(HANOI_SENTENCE)
HANOI_LINE = DOC.count("\n", 0, HANOI_START) + 1
CLAIM = "Thailand signed the United Nations Convention against Cybercrime in Hanoi."
CONDENSE_TEXT = "Rewrite the last question of this conversation as one standalone question"
ANSWER_SYSTEM_TEXT = "You answer questions using only the numbered passages you are given."


class RecordingChat(FakeListChatModel):
    """FakeListChatModel that keeps every list of messages it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return super()._call(messages, stop=stop, run_manager=run_manager, **kwargs)

    def prompt(self, i: int) -> str:
        return "\n".join(str(m.content) for m in self.seen[i])


class UnreachableChat(BaseChatModel):
    """A chat model whose server is down."""

    calls: int = 0
    message: str = "[Errno 111] Connection refused"

    @property
    def _llm_type(self) -> str:
        return "unreachable"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.calls += 1
        raise ConnectionError(self.message)


@pytest.fixture(scope="module")
def settings(seed_assistant):
    """The shared seed index (read only), with a generative answerer named."""
    from citeqa.settings import load_settings

    return load_settings(index_path=seed_assistant.settings.index_path, corpus_path=SEEDS, answerer="openai")


@pytest.fixture(scope="module")
def retrieved(settings):
    """The passages retrieval gives for QUESTION: exactly what the answerer numbers 1..k in its prompt."""
    from citeqa.chat import Assistant

    passages = Assistant(settings).retriever.search([QUESTION], [1.0])
    assert len(passages) == settings.k == 5
    return passages


def numbers_holding(passages, start: int, end: int) -> list[int]:
    """1-based numbers of the passages that contain the document span [start, end)."""
    return [i for i, p in enumerate(passages, 1) if (start, end) in p.sentences]


@pytest.fixture(scope="module")
def hanoi(retrieved) -> list[int]:
    found = numbers_holding(retrieved, HANOI_START, HANOI_END)
    assert found, "retrieval no longer returns the Hanoi sentence for the Hanoi question"
    return found


def ask(settings, replies, question=QUESTION, history=None, model=None):
    from citeqa.chat import Assistant

    model = model or RecordingChat(responses=list(replies))
    answer = Assistant(settings, chat_model=model).answer(question, history=history)
    return answer, model


def check_quotes(answer):
    for c in answer.citations:
        assert c.quote == DOC[c.start : c.end]
        assert c.line_start == DOC.count("\n", 0, c.start) + 1
        assert c.line_end == DOC.count("\n", 0, max(c.start, c.end - 1)) + 1


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


# -- citations from markers ----------------------------------------------------------------------


def test_marker_becomes_a_sentence_citation_with_the_exact_quote(settings, hanoi):
    n = hanoi[0]
    answer, model = ask(settings, [f"{CLAIM[:-1]} [{n}]."])

    assert len(model.seen) == 1  # no history: no condense call
    assert ANSWER_SYSTEM_TEXT in model.prompt(0) and f"Question: {QUESTION}" in model.prompt(0)
    assert answer.refused is False and answer.error is None
    assert answer.answer == f"{CLAIM} [1]"
    assert answer.search_query == QUESTION
    assert len(answer.citations) == 1
    c = answer.citations[0]
    assert (c.n, c.start, c.end) == (1, HANOI_START, HANOI_END)
    assert c.quote == DOC[c.start : c.end] == HANOI_SENTENCE
    assert (c.line_start, c.line_end) == (HANOI_LINE, HANOI_LINE)
    assert c.supported is True
    assert c.source.endswith(SEED_DOC.name)
    # The span is one sentence inside the cited passage, not the passage itself.
    passage = answer.passages[n - 1]
    assert c.passage_id == passage.id
    assert passage.start <= c.start < c.end <= passage.end
    assert (c.start, c.end) != (passage.start, passage.end)
    assert len(passage.sentences) > 1


def test_two_claims_are_numbered_in_order_of_appearance(settings, retrieved, hanoi):
    bangkok = "In December 2025, Bangkok hosted the International Conference on the Global Partnership against Online Scams"
    b_start = DOC.index(bangkok)
    b_end = DOC.index(".", b_start) + 1
    nb = numbers_holding(retrieved, b_start, b_end)
    assert nb, "retrieval no longer returns the Bangkok conference sentence"
    reply = (
        f"Bangkok hosted the International Conference on the Global Partnership against Online Scams in December 2025 [{nb[0]}]. "
        f"{CLAIM} [{hanoi[0]}]"
    )
    answer, _ = ask(settings, [reply])

    assert answer.refused is False
    assert [c.n for c in answer.citations] == [1, 2]
    assert [(c.start, c.end) for c in answer.citations] == [(b_start, b_end), (HANOI_START, HANOI_END)]
    assert all(c.supported is True for c in answer.citations)
    assert answer.answer.endswith(f"December 2025. [1] {CLAIM} [2]")
    check_quotes(answer)


def test_same_sentence_cited_by_two_claims_gets_one_number(settings, hanoi):
    n = hanoi[0]
    answer, _ = ask(settings, [f"{CLAIM[:-1]} [{n}]. The ceremony in Hanoi was high-level [{n}]."])

    assert answer.answer == f"{CLAIM} [1] The ceremony in Hanoi was high-level. [1]"
    assert [(c.n, c.start, c.end, c.supported) for c in answer.citations] == [(1, HANOI_START, HANOI_END, True)]


@pytest.mark.parametrize(
    "template",
    [
        "{claim} [{a}].",  # marker before the full stop
        "{claim}. [{a}]",  # after it
        "{claim} [{a}][{b}].",  # adjacent markers
        "{claim} [{a}, {b}].",  # a list in one bracket
        "{claim} [{a}], [{b}].",  # separate brackets with a comma between
        "[{a}] {claim}.",  # a marker that opens the answer
    ],
)
def test_marker_styles_all_parse(settings, hanoi, template):
    from citeqa.answering.citations import parse_claims

    a, b = hanoi[0], hanoi[-1]  # both passages hold the Hanoi sentence (overlapping passages when there are two)
    reply = template.format(claim=CLAIM[:-1], a=a, b=b)
    refs = [a] if "{b}" not in template else [a, b]

    claims = parse_claims(reply)
    assert [(c.text, c.refs) for c in claims] == [(CLAIM, refs)]

    answer, _ = ask(settings, [reply])
    assert answer.refused is False
    assert answer.answer == f"{CLAIM} [1]"  # the same sentence through two passages is one citation
    assert [(c.n, c.start, c.end, c.supported) for c in answer.citations] == [(1, HANOI_START, HANOI_END, True)]


def test_parse_claims_markers_between_sentences():
    from citeqa.answering.citations import parse_claims

    claims = parse_claims("Thailand signed it in Hanoi. [1] Bangkok hosted the conference [2][3]. It was in 2025.")
    assert [(c.text, c.refs) for c in claims] == [
        ("Thailand signed it in Hanoi.", [1]),
        ("Bangkok hosted the conference.", [2, 3]),
        ("It was in 2025.", []),
    ]
    assert parse_claims("") == [] and parse_claims("  [1] ") == []


# -- markers to nothing, unsupported claims ------------------------------------------------------


def test_marker_to_no_passage_is_dropped(settings, hanoi):
    n = hanoi[0]
    answer, _ = ask(settings, [f"{CLAIM[:-1]} [{n}][9]. The ceremony was attended by delegates [9]."])

    assert answer.refused is False
    assert "[9]" not in answer.answer
    assert answer.answer == f"{CLAIM} [1] The ceremony was attended by delegates."
    assert [(c.n, c.start, c.end) for c in answer.citations] == [(1, HANOI_START, HANOI_END)]
    assert markers(answer.answer) == [1]


def test_answer_whose_only_marker_points_at_no_passage_is_refused(settings):
    from citeqa.answering.base import REFUSAL

    answer, _ = ask(settings, [f"{CLAIM[:-1]} [9]."])

    assert answer.refused is True
    assert answer.citations == []
    assert "[9]" not in answer.answer and "Hanoi" not in answer.answer  # the unbacked claim is not shown
    assert answer.answer.startswith(REFUSAL)
    assert answer.error is None


def test_sentence_the_cited_passage_does_not_back_is_unsupported(settings, hanoi):
    n = hanoi[0]
    reply = f"{CLAIM[:-1]} [{n}]. The convention was signed on the Moon by a crew of astronauts [{n}]."
    answer, _ = ask(settings, [reply])

    assert answer.refused is False
    check_quotes(answer)
    first, second = re.split(r"(?<=\]) ", answer.answer)
    assert first == f"{CLAIM} [1]"
    assert second.startswith("The convention was signed on the Moon by a crew of astronauts. [")
    (m,) = markers(second)
    by_n = {c.n: c for c in answer.citations}
    assert by_n[1].supported is True and (by_n[1].start, by_n[1].end) == (HANOI_START, HANOI_END)
    # The Moon claim's citation says the passage does not back it, even when it points at the same
    # sentence as the supported claim before it.
    assert m != 1
    assert by_n[m].supported is False
    assert sorted(by_n) == [1, 2]


def test_supported_flag_is_a_bool_and_depends_on_the_claim(settings, hanoi):
    n = hanoi[0]
    ok, _ = ask(settings, [f"{CLAIM[:-1]} [{n}]."])
    bad, _ = ask(settings, [f"Penguins migrate across Antarctica every winter [{n}]."])
    assert [c.supported for c in ok.citations] == [True]
    assert [c.supported for c in bad.citations] == [False]
    assert type(bad.citations[0].supported) is bool
    assert bad.refused is False  # cited but unsupported: shown, and flagged
    check_quotes(bad)


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", ["The documents do not say.", "The documents do not say [2]."])
def test_model_refusal_gives_refused_and_no_citations(settings, reply):
    answer, _ = ask(settings, [reply])
    assert answer.refused is True
    assert answer.citations == []
    assert answer.answer == "The documents do not say."  # no marker left pointing at no citation
    assert answer.error is None
    d = answer.to_dict()
    assert d["refused"] is True and d["citations"] == [] and "error" not in d


def test_answer_citing_nothing_is_refused(settings):
    from citeqa.answering.base import refusal_text

    answer, _ = ask(settings, [CLAIM])
    assert answer.refused is True
    assert answer.citations == []
    assert answer.answer == refusal_text(QUESTION)
    assert answer.error is None


def test_content_blocks_reply_is_read(settings, hanoi):
    """Chat models may answer with a list of content blocks instead of a string."""
    blocks = [{"type": "text", "text": f"{CLAIM[:-1]} "}, {"type": "text", "text": f"[{hanoi[0]}]."}]
    model = GenericFakeChatModel(messages=iter([AIMessage(content=blocks)]))
    answer, _ = ask(settings, [], model=model)
    assert answer.answer == f"{CLAIM} [1]"
    assert [(c.start, c.end) for c in answer.citations] == [(HANOI_START, HANOI_END)]


# -- follow-up questions -------------------------------------------------------------------------


def test_follow_up_is_condensed_and_the_standalone_question_drives_retrieval(settings):
    from citeqa.chat import Assistant

    history = ["What convention did Thailand sign in 2025?"]
    follow_up = "Where did it sign it?"
    standalone = "Where did Thailand sign the United Nations Convention against Cybercrime?"
    expected = Assistant(settings).retriever.search([standalone, follow_up], [1.0, 0.5])
    n = numbers_holding(expected, HANOI_START, HANOI_END)
    assert n, "retrieval for the standalone question no longer returns the Hanoi sentence"

    answer, model = ask(settings, [f"{standalone}\n", f"{CLAIM[:-1]} [{n[0]}]."], question=follow_up, history=history)

    assert len(model.seen) == 2
    condense = model.prompt(0)
    assert CONDENSE_TEXT in condense
    assert f"- {history[0]}" in condense and f"Last question: {follow_up}" in condense
    assert ANSWER_SYSTEM_TEXT not in condense
    final = model.prompt(1)
    assert ANSWER_SYSTEM_TEXT in final
    assert f"Earlier question: {history[0]}" in final and f"Question: {follow_up}" in final

    assert answer.search_query == standalone
    assert [p.id for p in answer.passages] == [p.id for p in expected]
    assert answer.question == follow_up
    assert [(c.start, c.end, c.supported) for c in answer.citations] == [(HANOI_START, HANOI_END, True)]


# -- the model cannot be reached -----------------------------------------------------------------


@pytest.mark.parametrize(
    "history, message, reason",
    [
        (None, "[Errno 111] Connection refused", "[Errno 111] Connection refused"),
        (["What did Thailand sign?"], "[Errno 111] Connection refused", "[Errno 111] Connection refused"),  # fails in condense
        (None, "Connection error.", "Connection error"),  # openai's wording: one full stop, not two
    ],
)
def test_unreachable_model_gives_refused_answer_with_error(settings, history, message, reason):
    from citeqa.chat import Assistant

    model = UnreachableChat(message=message)
    result = Assistant(settings, chat_model=model).ask(QUESTION, history=history)

    assert model.calls >= 1
    assert result["refused"] is True
    assert result["citations"] == []
    assert result["error"] == f"The openai answerer (custom model) did not answer: {reason}."
    assert result["answer"] == result["error"]
    assert "Traceback" not in result["error"]


# -- attach_support, without the index -----------------------------------------------------------


class _NoMeaning:
    """An embedder that knows nothing: support rests on shared words alone."""

    def encode(self, texts):
        return np.zeros((len(texts), 4), dtype=np.float32)


def test_span_is_at_most_two_adjacent_sentences():
    from citeqa.answering.citations import attach_support, parse_claims
    from citeqa.schema import Passage

    text = "Alpha bravo charlie. Delta echo foxtrot golf. Hotel india juliet kilo."
    sentences = [(0, 20), (21, 45), (46, 72)]
    passage = Passage("p", "doc.txt", "Doc", 0, len(text), 1, 1, text, "h", sentences)
    # The middle sentence is best; either neighbour adds words, the last one more.
    (claim,) = attach_support(parse_claims("Alpha delta echo foxtrot golf hotel india [1]."), [passage], _NoMeaning())
    (span,) = claim.spans
    assert (span.start, span.end) == (21, 72)  # middle + last, not the whole passage
    assert span.supported is True


def test_generative_answer_streams_then_checks_citations(make_settings, seed_assistant):
    """Assistant.stream: the model's words arrive piece by piece, then the checked result."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from citeqa.chat import Assistant

    settings = make_settings(index_path=seed_assistant.settings.index_path, answerer="openai")
    question = "Where did Thailand sign the UN cybercrime convention?"
    passages = seed_assistant.retriever.search([question])  # what the answerer will be shown, in order
    n = next(i for i, p in enumerate(passages, 1) if "Hanoi" in p.text)
    reply = f"Thailand signed the convention in Hanoi [{n}]."
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    events = list(Assistant(settings, chat_model=model).stream(question))
    deltas = [v for k, v in events if k == "delta"]
    kind, result = events[-1]
    assert kind == "result" and len(deltas) > 2  # the fake model streams word by word
    assert all(b.startswith(a) for a, b in zip(deltas, deltas[1:])) and deltas[-1].strip() == reply
    assert "Hanoi" in result["answer"] and result["citations"] and result["citations"][0]["supported"] is True


def test_extractive_stream_gives_only_the_result(seed_assistant):
    events = list(seed_assistant.stream("In which city did Thailand sign the UN convention against cybercrime?"))
    assert [k for k, _ in events] == ["result"] and "Hanoi" in events[0][1]["answer"]
