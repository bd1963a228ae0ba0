"""Overview questions get a few cited sentences covering different points, in document order; a topic
the documents do not touch is still refused."""

import numpy as np
import pytest

from citeqa.answering.overview import NEAR_DUPLICATE, overview_topic


@pytest.mark.parametrize("question, topic", [
    ("Summarise the document", ""),
    ("summarize this article.", ""),
    ("What are the main points?", ""),
    ("What is this document about?", ""),
    ("What do the documents say?", ""),
    ("Give me a short overview", ""),
    ("tell me about scams", "scams"),
    ("Can you give me an overview of human trafficking?", "human trafficking"),
    ("What do the documents say about the Mekong meeting?", "the Mekong meeting"),
    ("What are the key findings of the report?", ""),
])
def test_overview_questions_are_recognised(question, topic):
    assert overview_topic(question) == topic


@pytest.mark.parametrize("question", ["In which city did Thailand sign the convention?", "Who co-organised it?",
                                      "What was the budget of the conference?", "How many member states were there?"])
def test_ordinary_questions_are_not_overviews(question):
    assert overview_topic(question) is None


@pytest.mark.parametrize("question", ["Summarise the document", "What are the main points?", "tell me about scams"])
def test_overview_cites_several_different_sentences_in_document_order(seed_assistant, question):
    result = seed_assistant.ask(question)
    assert not result["refused"]
    citations = result["citations"]
    assert len(citations) >= 3
    assert [c["start"] for c in citations] == sorted(c["start"] for c in citations)  # one document: in its order
    assert len({c["line_start"] for c in citations}) == len(citations)
    assert all(f"[{c['n']}]" in result["answer"] for c in citations)
    vectors = seed_assistant.embedder.encode([c["quote"] for c in citations])
    sims = vectors @ vectors.T - np.eye(len(citations)) * 2
    assert sims.max() <= NEAR_DUPLICATE  # no two sentences make the same point


@pytest.mark.parametrize("question", ["tell me about volcanoes", "Give me an overview of quantum computing"])
def test_overview_of_an_absent_topic_is_refused(seed_assistant, question):
    result = seed_assistant.ask(question)
    assert result["refused"] and result["citations"] == []
