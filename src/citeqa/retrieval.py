"""Retriever: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank, as a LangChain BaseRetriever.

Several queries (the question, and the question read with the conversation) are fused the same way,
so a follow-up finds passages about what "it" refers to without drowning the question's own words.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from citeqa.schema import Passage

RRF_K = 60  # the usual constant from Cormack et al.; flattens the head of each ranking


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

    def search(self, queries: list[str], weights: list[float] | None = None) -> list[Passage]:
        queries = [q for q in queries if q.strip()]
        if not queries:
            return []
        vectors = self.embedder.encode(queries)
        rankings, rank_weights = [], []
        for i, (query, vector) in enumerate(zip(queries, vectors)):
            w = weights[i] if weights else 1.0
            rankings.append([pid for pid, _ in self.store.dense_search(vector, self.candidates)])
            rankings.append([pid for pid, _ in self.store.keyword.search(query, self.candidates)])
            rank_weights += [w, w]
        fused = reciprocal_rank_fusion(rankings, rank_weights)
        ordered = sorted(fused, key=lambda pid: -fused[pid])
        # Passages come from the passage table: a vector without a passage (interrupted ingest) is skipped.
        found = self.store.passages(ordered[: self.k * 3])
        out = []
        for pid in ordered:
            if pid in found:
                p = found[pid]
                p.score = fused[pid]
                out.append(p)
                if len(out) == self.k:
                    break
        return out

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(p) for p in self.search([query])]
