"""Retriever: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank, then the best
candidates reranked by their best sentence, as a LangChain BaseRetriever.

Several queries (the question, and the question read with the conversation) are fused the same way,
so a follow-up finds passages about what "it" refers to without drowning the question's own words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from citeqa.index.keyword import tokenize
from citeqa.schema import Passage
from citeqa.answering.scoring import RERANK, QuestionTerms, sentence_scores

RRF_K = 60  # the usual constant from Cormack et al.; flattens the head of each ranking
RERANK_DEPTH = 30  # fused candidates reranked by their best sentence
RRF_TIE_BREAK = 3.0  # keeps a little of the fused order among passages whose best sentences score alike


def reciprocal_rank_fusion(rankings: list[list[str]], weights: list[float] | None = None) -> dict[str, float]:
    scores: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        w = weights[i] if weights else 1.0
        for rank, pid in enumerate(ranking):
            scores[pid] = scores.get(pid, 0.0) + w / (RRF_K + rank + 1)
    return scores


def to_document(p: Passage) -> Document:
    meta = p.metadata()
    meta["score"] = p.score
    return Document(page_content=p.text, metadata=meta, id=p.id)


def from_document(d: Document) -> Passage:
    return Passage.from_metadata(d.page_content, d.metadata)


class HybridRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    embedder: Any
    k: int = 5
    candidates: int = 30
    rerank: bool = True

    def search(self, queries: list[str], weights: list[float] | None = None, k: int | None = None,
               sources: list[str] | None = None) -> list[Passage]:
        """The k best passages for the queries; with `sources`, only from those documents."""
        k = k or self.k
        queries = [q for q in queries if q.strip()]
        if not queries:
            return []
        weights = weights or [1.0] * len(queries)
        vectors = self.embedder.encode_queries(queries)
        rankings, rank_weights = [], []
        for query, vector, w in zip(queries, vectors, weights):
            rankings.append([pid for pid, _ in self.store.dense_search(vector, self.candidates, sources)])
            rankings.append([pid for pid, _ in self.store.keyword.search(query, self.candidates, sources)])
            rank_weights += [w, w]
        fused = reciprocal_rank_fusion(rankings, rank_weights)
        ordered = sorted(fused, key=lambda pid: -fused[pid])
        depth = max(RERANK_DEPTH, k) if self.rerank else k * 3
        # Passages come from the passage table: a vector without a passage (interrupted ingest) is skipped.
        found = self.store.passages(ordered[:depth])
        candidates = [found[pid] for pid in ordered[:depth] if pid in found]
        for p in candidates:
            p.score = fused[p.id]
        if self.rerank and candidates and all(p.vectors is not None for p in candidates):
            scores = np.zeros(len(candidates))
            for query, vector, w in zip(queries, vectors, weights):
                scores = np.maximum(scores, w * self._best_sentence_scores(query, vector, candidates))
            for p, s in zip(candidates, scores):
                p.score = float(s) + RRF_TIE_BREAK * p.score
            candidates.sort(key=lambda p: -p.score)
        return candidates[:k]

    def _best_sentence_scores(self, query: str, vector: np.ndarray, passages: list[Passage]) -> np.ndarray:
        terms = QuestionTerms(query, self.store.keyword)
        texts, owner = [], []
        for i, p in enumerate(passages):
            for s, e in p.sentences:
                texts.append(p.sentence_text(s, e))
                owner.append(i)
        sent_tokens = tokenize(texts)
        passage_tokens = tokenize([p.text for p in passages])
        vecs = np.concatenate([p.vectors for p in passages])
        scores, _ = sentence_scores(vector, terms, vecs, sent_tokens, [passage_tokens[i] for i in owner], RERANK)
        best = np.full(len(passages), -1.0)
        np.maximum.at(best, np.asarray(owner), scores)
        return best

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(p) for p in self.search([query])]
