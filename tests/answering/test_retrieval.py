"""Hybrid retrieval: a LangChain BaseRetriever over dense + BM25, fused by reciprocal rank."""

import json

from langchain_core.retrievers import BaseRetriever

from citeqa.index.keyword import KeywordIndex
from citeqa.answering.retrieval import from_document, reciprocal_rank_fusion

from conftest import SEED_DOC


def test_rrf_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"], ["b"]])
    assert max(fused, key=fused.get) == "b"
    assert reciprocal_rank_fusion([["a"], ["a"]], weights=[1.0, 0.0])["a"] == 1 / 61


def test_retriever_is_a_langchain_retriever_with_provenance(seed_assistant):
    r = seed_assistant.retriever
    assert isinstance(r, BaseRetriever)
    docs = r.invoke("Mekong River Basin telecommunications fraud meeting")
    assert len(docs) == seed_assistant.settings.k
    text = SEED_DOC.read_text(encoding="utf-8")
    top = docs[0]
    assert "Mekong" in top.page_content
    for d in docs:
        m = d.metadata
        assert m["source"].endswith("000_b943be75029e422a.txt")
        assert text[m["start"] : m["end"]] == d.page_content
        assert 1 <= m["line_start"] <= m["line_end"] <= 16
        assert len(m["doc_hash"]) == 64 and m["title"].startswith("Thailand Champions")
        assert from_document(d).sentences  # sentence spans ride along for citations


def test_keyword_only_match_is_found(seed_assistant):
    # A rare exact word finds its passage even if dense similarity alone would rank it lower.
    hits = seed_assistant.retriever.search(["43rd"])
    assert any("43rd ASEAN" in p.text for p in hits[:2])


def test_keyword_index_is_persisted_not_rebuilt_per_query(seed_assistant, monkeypatch):
    calls = []
    monkeypatch.setattr(KeywordIndex, "build", lambda *a, **k: calls.append(1))
    for q in ["Who hosted?", "What was signed in Hanoi?", "Which police conference?"]:
        seed_assistant.ask(q)
    assert calls == []
    keyword = seed_assistant.store.folder / "keyword"
    build = json.loads((keyword / "current.json").read_text())["build"]  # the build in use (keyword.py)
    assert (keyword / build / "bm25").is_dir()
