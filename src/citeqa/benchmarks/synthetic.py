"""Synthetic indexes for the speed benchmark: the real passages (with their real vectors) of a base
index plus variations of them (sentences rotated, ~15% of words swapped for corpus words, each vector
the original's plus Gaussian noise, re-normalised, cosine ~0.85), written directly through the store:
embedding 100k passages would take well over an hour on 2 cores, and the latency question is about the
query path, which stays real.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import time
from pathlib import Path

import numpy as np

from citeqa.documents.chunking import passage_id, split_sentences
from citeqa.index import chroma
from citeqa.index.store import DocumentRecord, Store
from citeqa.schema import LineIndex, Passage
from citeqa.settings import load_settings

NOISE = 0.6  # norm of the Gaussian perturbation added to a unit vector for a synthetic passage


def _settings(index: Path, corpus: Path, collection: str = "citeqa", chroma_url: str | None = None):
    return load_settings(index_path=index, corpus_path=corpus, answerer="extractive", collection=collection, chroma_url=chroma_url)


_WORD = re.compile(r"[A-Za-z]{4,}")


def _vocabulary(folders: list[Path]) -> list[str]:
    words: set[str] = set()
    for folder in folders:
        for f in sorted(folder.glob("*.txt")):
            words.update(_WORD.findall(f.read_text(encoding="utf-8")))
    return sorted(words)


def _vary(text: str, sentences: list[tuple[int, int]], offset: int, rng: random.Random, vocab: list[str]) -> tuple[str, int]:
    """The passage's sentences rotated by k, ~15% of words swapped for corpus words: (text, k)."""
    parts = [text[s - offset : e - offset] for s, e in sentences] or [text]
    k = rng.randrange(len(parts))
    parts = parts[k:] + parts[:k]
    out = []
    for part in parts:
        words = part.split(" ")
        for i in range(len(words)):
            if rng.random() < 0.15 and words[i].isalpha():
                words[i] = rng.choice(vocab)
        out.append(" ".join(words))
    return " ".join(out), k


def build_scaled_index(size: int, base_index: Path, corpus: Path, index: Path, vocab_folders: list[Path], seed: int = 7,
                       base_collection: str = "citeqa", collection: str = "citeqa", per_doc: int = 250,
                       chroma_url: str | None = None) -> dict:
    """An index of `size` passages: the real passages of base_index plus synthetic variations (words
    swapped for words of the texts in `vocab_folders`), in `collection` of a fresh `index` folder, in
    synthetic documents of `per_doc` passages."""

    base = Store(_settings(base_index, corpus, base_collection))
    real: list[tuple[DocumentRecord, list[Passage], np.ndarray]] = []
    for source, record in sorted(base.documents().items()):
        ps = base.document_passages(source)  # with their sentence vectors, when the store keeps them
        got = base.collection.get(ids=[p.id for p in ps], include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        real.append((record, ps, np.stack([np.asarray(by_id[p.id], dtype=np.float32) for p in ps])))
    base.close()
    pool = [(p, v) for _, ps, vs in real for p, v in zip(ps, vs)]

    shutil.rmtree(index, ignore_errors=True)
    chroma.forget(index)
    store = Store(_settings(index, corpus, collection, chroma_url))  # with chroma_url: written into that server
    t0 = time.perf_counter()
    written = 0
    for record, ps, vs in real:
        if written + len(ps) > size:
            break
        store.write_document(record, ps, vs)
        written += len(ps)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    vocab = _vocabulary([corpus, *vocab_folders])
    d = 0
    while written < size:
        n = min(per_doc, size - written)
        source = f"synthetic/{size}/doc{d:05d}.txt"
        picks = [pool[rng.randrange(len(pool))] for _ in range(n)]
        varied = [_vary(p.text, p.sentences, p.start, rng, vocab) for p, _ in picks]
        texts = [t for t, _ in varied]
        doc_text = "\n\n".join(texts)
        doc_hash = hashlib.sha256(doc_text.encode()).hexdigest()
        lines = LineIndex(doc_text)
        passages, pos = [], 0
        for i, (t, (picked, _)) in enumerate(zip(texts, picks)):
            sents = [(pos + s, pos + e) for s, e, _ in split_sentences(t)] or [(pos, pos + len(t))]
            ls, le = lines.span_lines(pos, pos + len(t))
            p = Passage(passage_id(source, doc_hash, i), source, f"Synthetic {d}", pos, pos + len(t), ls, le, t, doc_hash, sents)
            src_vecs = getattr(picked, "vectors", None)
            if src_vecs is not None and len(src_vecs):
                # Sentence vectors (stores that keep them): the original sentences' in the rotated order,
                # perturbed like the passage vector, one per sentence of the varied text.
                k = varied[i][1]
                rot = np.roll(np.asarray(src_vecs, dtype=np.float32), -k, axis=0)
                rot = np.resize(rot, (len(sents), rot.shape[1]))
                rot = rot + nrng.normal(0.0, NOISE / np.sqrt(rot.shape[1]), rot.shape).astype(np.float32)
                p.vectors = rot / np.linalg.norm(rot, axis=1, keepdims=True)
            passages.append(p)
            pos += len(t) + 2
        vecs = np.stack([v for _, v in picks]).astype(np.float32)
        vecs = vecs + nrng.normal(0.0, NOISE / np.sqrt(vecs.shape[1]), vecs.shape).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        record = DocumentRecord(source, f"/nonexistent/{source}", f"Synthetic {d}", doc_hash, len(doc_text), n, time.time())
        store.write_document(record, passages, vecs)
        written += n
        d += 1
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.refresh_keyword_index()
    bm25_s = time.perf_counter() - t0
    count = store.passage_count()
    store.close()
    return {"passages": count, "real_passages": len(pool), "write_s": round(write_s, 2), "bm25_build_s": round(bm25_s, 2)}
