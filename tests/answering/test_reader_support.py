"""Generative answers: the reader is part of the citation check. A cited sentence that shares the claim's
words but does not answer the question is flagged `supported: false`; one whose answer the claim states
stays supported, and one whose answer the claim contradicts is flagged."""

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from conftest import SEED_DOC, SEEDS

DOC = SEED_DOC.read_bytes().decode("utf-8")
CONFERENCE = "The 43rd ASEAN Chiefs of Police Conference in Bangkok brought together senior police leaders"


def _ask(seed_assistant, question, claim, anchor):
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    settings = load_settings(index_path=seed_assistant.settings.index_path, corpus_path=SEEDS, answerer="openai")
    passages = Assistant(settings).retriever.search([question], [1.0])
    n = next(i for i, p in enumerate(passages, 1) if anchor in p.text)
    model = FakeListChatModel(responses=[f"{claim} [{n}]."])
    return Assistant(settings, chat_model=model).answer(question)


def test_a_cited_near_miss_is_flagged_unsupported(seed_assistant):
    # The words match the conference sentence (the lexical check alone passes it), but it names no chair.
    answer = _ask(seed_assistant, "Who chaired the 43rd ASEAN Chiefs of Police Conference?",
                  "The conference was chaired by senior police leaders", "43rd")
    assert answer.refused is False
    (c,) = answer.citations
    assert DOC[c.start : c.end].startswith(CONFERENCE)
    assert c.supported is False


def test_a_cited_answer_stays_supported(seed_assistant):
    answer = _ask(seed_assistant, "How many member states took part in the 43rd ASEAN Chiefs of Police Conference?",
                  "Senior police leaders from ten member states took part", "43rd")
    (c,) = answer.citations
    assert DOC[c.start : c.end].startswith(CONFERENCE)
    assert c.supported is True



def test_a_claim_that_does_not_state_the_cited_answer_is_flagged(seed_assistant):
    # Every word of the claim is in line 7 (the lexical check passes it), but line 7 answers "when" with
    # 2025, which the claim does not say.
    answer = _ask(seed_assistant, "When did Thailand sign the United Nations Convention against Cybercrime?",
                  "Thailand signed the United Nations Convention against Cybercrime at a ceremony in Hanoi", "Hanoi")
    (c,) = answer.citations
    assert "2025" in c.quote and c.supported is False
