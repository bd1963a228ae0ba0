"""Collections benchmark: which index layout serves collections better, and what a scope costs an ask.

    python -m citeqa.benchmarks collections [--quick] [--parts layout,ask] [--layout-size 100000]
        [--ask-size 10000] [--collections 10] [--questions 60] [--base-index DIR --base-collection NAME]

layout: the same passages (synthetic, clustered unit vectors) stored two ways in Chroma, one Chroma
    collection per collection, or one collection with a `collection` field that every search filters
    on; each asked the same queries scoped to a collection, and to three documents of it: search
    latency p50/p95, recall@10 against an exact search of the scope, build time, disk, and the time
    to delete a collection.
ask: the real ask path (question encoder, Chroma, BM25, passage table, reader) at `--ask-size`
    passages: one collection holding all of them (the unscoped ask, today's index), and the same
    passages split over `--collections` collections, asked through the app's Engine and Scopes with a
    collection chosen, and with three of its documents ticked; the questions interleaved, so every
    figure sees the same machine load. Target: scoped p95 within 10 ms of the unscoped p95.

The ask indexes are built by benchmarks/synthetic.py from a base index (the squad2 bench indexed here,
or --base-index): real passages and vectors plus synthetic variations, written through the store.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from citeqa.benchmarks.speed import BENCH, ROOT

DIM = 384


def _log(msg: str) -> None:
    print(f"[collections {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _stats(ms: list[float]) -> dict:
    a = np.asarray(ms)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "mean_ms": round(float(a.mean()), 2)}


def _du_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


# -- layout -----------------------------------------------------------------------------------------
def _vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(size=(max(50, n // 200), DIM)).astype(np.float32)
    v = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def bench_layout(work: Path, size: int, n_collections: int, queries: int, seed: int = 5) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    rng = np.random.default_rng(seed)
    vecs = _vectors(size, rng)
    per = size // n_collections
    coll_of = np.arange(size) // per
    doc_of = [f"c{c}/doc{(i % per) // 50:04d}.txt" for i, c in enumerate(coll_of)]  # 50 passages a document
    ids = [f"p{i}" for i in range(size)]
    out: dict = {"passages": size, "collections": n_collections}
    clients = {}
    for layout in ("separate", "field"):
        client = chromadb.PersistentClient(path=str(work / layout), settings=ChromaSettings(anonymized_telemetry=False))
        clients[layout] = client
        t0 = time.perf_counter()
        for c in range(n_collections) if layout == "separate" else [None]:
            col = client.get_or_create_collection(f"col{c}" if c is not None else "all", metadata={"hnsw:space": "cosine"},
                                                  embedding_function=None)
            rows = np.flatnonzero(coll_of == c) if c is not None else np.arange(size)
            for i in range(0, len(rows), 5000):
                part = rows[i : i + 5000]
                meta = [{"source": doc_of[j], "collection": int(coll_of[j])} for j in part]
                col.upsert(ids=[ids[j] for j in part], embeddings=vecs[part], metadatas=meta)
        out[f"{layout}_build_s"] = round(time.perf_counter() - t0, 1)
        out[f"{layout}_disk_mb"] = _du_mb(work / layout)
    qrng = random.Random(seed)
    timings = {k: [] for k in ("separate_collection", "field_collection", "separate_docs", "field_docs", "unscoped")}
    recall = {k: [] for k in timings if k != "unscoped"}
    separate = {c: clients["separate"].get_collection(f"col{c}") for c in range(n_collections)}
    one = clients["field"].get_collection("all")
    for q in range(queries + 5):
        c = qrng.randrange(n_collections)
        rows = np.flatnonzero(coll_of == c)
        docs = qrng.sample(sorted({doc_of[j] for j in rows}), 3)
        query = vecs[qrng.randrange(size)] + 0.3 * rng.normal(size=DIM).astype(np.float32)
        plans = {
            "separate_collection": (separate[c], None, rows),
            "field_collection": (one, {"collection": c}, rows),
            "separate_docs": (separate[c], {"source": {"$in": docs}}, [j for j in rows if doc_of[j] in docs]),
            "field_docs": (one, {"$and": [{"collection": c}, {"source": {"$in": docs}}]}, [j for j in rows if doc_of[j] in docs]),
            "unscoped": (one, None, None),
        }
        for name, (col, where, scope) in plans.items():
            t0 = time.perf_counter()
            got = col.query(query_embeddings=[query], n_results=30, where=where, include=["distances"])["ids"][0]
            if q >= 5:  # the first queries load each HNSW index from disk
                timings[name].append((time.perf_counter() - t0) * 1000)
                if scope is not None:
                    scope = np.asarray(scope)
                    exact = scope[np.argsort(-(vecs[scope] @ query))[:10]]
                    recall[name].append(len({ids[j] for j in exact} & set(got[:10])) / min(10, len(scope)))
    for name, ms in timings.items():
        out[name] = _stats(ms) | ({"recall_at_10": round(float(np.mean(recall[name])), 3)} if name in recall else {})
    t0 = time.perf_counter()
    clients["separate"].delete_collection("col0")
    out["separate_delete_collection_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    one.delete(where={"collection": 0})
    out["field_delete_collection_s"] = round(time.perf_counter() - t0, 2)
    return out


# -- ask ----------------------------------------------------------------------------------------------
def _base_index(work: Path, base: Path | None, base_collection: str, quick: bool) -> tuple[Path, str, Path]:
    """(index folder, collection, corpus) of the real passages the synthetic ones are made from."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    docs = BENCH / "squad2" / "docs"
    corpus = docs if docs.is_dir() else ROOT / "seeds"
    if base is not None:
        return base, base_collection, corpus
    files = sorted(corpus.glob("*.txt"))[: 3 if quick else None]
    index = work / "base-index"
    Assistant(load_settings(index_path=index, corpus_path=corpus)).ingest(files, progress=False)
    return index, "citeqa", corpus


def _split(engine, n: int) -> list:
    """The default collection's documents dealt over `n` new collections, the same passages and vectors."""
    from citeqa.app.access import OPERATOR
    from citeqa.index.store import Store

    base = engine.assistant.store
    made = [engine.create_collection(f"Part {i}", actor=OPERATOR) for i in range(n)]
    stores = [Store(engine.catalog.settings_for(c)) for c in made]
    for k, (source, record) in enumerate(sorted(base.documents().items())):
        ps = base.document_passages(source)
        got = base.collection.get(ids=[p.id for p in ps], include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        stores[k % n].write_document(record, ps, np.stack([np.asarray(by_id[p.id], np.float32) for p in ps]))
    for s in stores:
        s.refresh_keyword_index()
    return made


def _questions(n: int, engine) -> list[str]:
    path = BENCH / "squad2" / "questions.jsonl"
    if path.is_file():
        rows = [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    else:  # no bench: sentences of the index, asked back
        rows = [p.text.split(". ")[0] + "?" for p in list(engine.assistant.store.passages(engine.assistant.store.passage_ids()[:400]).values())]
    random.Random(11).shuffle(rows)
    return rows[:n]


def bench_ask(work: Path, size: int, n_collections: int, questions: int, base: Path | None, base_collection: str,
              quick: bool) -> dict:
    from citeqa.app.access import AccessPolicy
    from citeqa.app.engine import Engine
    from citeqa.app.scopes import Scopes
    from citeqa.benchmarks.synthetic import build_scaled_index
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    base_index, base_collection, corpus = _base_index(work, base, base_collection, quick)
    index = work / "ask-index"
    # Enough documents to deal one or more to each collection, even from the seed article alone (no bench).
    per_doc = max(1, min(250, size // (n_collections + 1)))
    built = build_scaled_index(size, base_index, corpus, index, [BENCH / "covidqa" / "docs"], base_collection=base_collection,
                               per_doc=per_doc)
    engine = Engine(Assistant(load_settings(index_path=index, corpus_path=corpus, answerer="extractive")))
    parts = _split(engine, n_collections)
    scopes = Scopes(engine, AccessPolicy())
    asked = _questions(questions + n_collections, engine)
    rng = random.Random(3)
    for i, c in enumerate(parts):  # warm-up: the model, and each collection's vectors and keyword index
        engine.assistant_for(c).answer(asked[i])
    engine.assistant.answer(asked[0])
    modes = {"unscoped": [], "collection": [], "collection + 3 documents": []}
    for q in asked[n_collections:]:
        c = rng.choice(parts)
        docs = [d["source"] for d in engine.documents(c)]
        for mode in modes:
            t0 = time.perf_counter()
            if mode == "unscoped":
                engine.assistant.answer(q)
            else:
                scope = scopes.api(c.name, rng.sample(docs, min(3, len(docs))) if "documents" in mode else None, None, None)
                scope.assistant.answer(q, sources=scope.sources)
            modes[mode].append((time.perf_counter() - t0) * 1000)
    out = {"passages": built["passages"], "collections": n_collections, "questions": len(asked) - n_collections}
    out |= {mode: _stats(ms) for mode, ms in modes.items()}
    for mode in ("collection", "collection + 3 documents"):
        out[f"{mode}: p95 over unscoped, ms"] = round(out[mode]["p95_ms"] - out["unscoped"]["p95_ms"], 2)
    return out


def render(result: dict) -> str:
    lines = []
    if "layout" in result:
        r = result["layout"]
        lines += [f"layout: {r['passages']} passages in {r['collections']} collections (Chroma {r.get('chroma', '')})",
                  "| search (k=30) | p50 ms | p95 ms | recall@10 |", "| --- | --- | --- | --- |"]
        for name in ("separate_collection", "field_collection", "separate_docs", "field_docs", "unscoped"):
            s = r[name]
            lines.append(f"| {name} | {s['p50_ms']} | {s['p95_ms']} | {s.get('recall_at_10', '')} |")
        lines.append(f"build: separate {r['separate_build_s']} s, field {r['field_build_s']} s; disk: separate "
                     f"{r['separate_disk_mb']} MB, field {r['field_disk_mb']} MB; delete a collection: separate "
                     f"{r['separate_delete_collection_s']} s, field {r['field_delete_collection_s']} s")
    if "ask" in result:
        r = result["ask"]
        lines += ["", f"ask: {r['passages']} passages, {r['collections']} collections, {r['questions']} questions (interleaved)",
                  "| ask | p50 ms | p95 ms | mean ms |", "| --- | --- | --- | --- |"]
        for mode in ("unscoped", "collection", "collection + 3 documents"):
            s = r[mode]
            lines.append(f"| {mode} | {s['p50_ms']} | {s['p95_ms']} | {s['mean_ms']} |")
        for mode in ("collection", "collection + 3 documents"):
            d = r[f"{mode}: p95 over unscoped, ms"]
            lines.append(f"{mode}: p95 {d:+} ms over unscoped (target ≤ +10 ms: {'pass' if d <= 10 else 'MISS'})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m citeqa.benchmarks collections", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="CI smoke: small sizes, few questions")
    p.add_argument("--parts", default="layout,ask")
    p.add_argument("--layout-size", type=int, default=None, help="passages for the layout comparison (default 100000)")
    p.add_argument("--ask-size", type=int, default=None, help="passages for the ask latency (default 10000)")
    p.add_argument("--collections", type=int, default=None, help="collections (default 10)")
    p.add_argument("--questions", type=int, default=None, help="questions (default 60) and layout queries (x3)")
    p.add_argument("--base-index", type=Path, help="an index to take real passages from (default: index the squad2 bench here)")
    p.add_argument("--base-collection", default="citeqa", help="the collection of --base-index holding them")
    p.add_argument("--workdir", type=Path, help="keep the indexes here (default: a temporary folder, removed after)")
    p.add_argument("--json", metavar="OUT", help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    parts = {x.strip() for x in args.parts.split(",")}
    n = args.collections or (4 if args.quick else 10)
    nq = args.questions or (6 if args.quick else 60)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="citeqa-collections-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {"cpus": os.cpu_count()}
    try:
        if "layout" in parts:
            import chromadb

            _log("layout: building both layouts")
            result["layout"] = bench_layout(work / "layout", args.layout_size or (4000 if args.quick else 100_000), n, nq * 3)
            result["layout"]["chroma"] = chromadb.__version__
        if "ask" in parts:
            _log("ask: building the index and its collections")
            result["ask"] = bench_ask(work / "ask", args.ask_size or (400 if args.quick else 10_000), n, nq,
                                      args.base_index, args.base_collection, args.quick)
        load = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True).stdout.split()[:3]
        result["load_average"] = load
        print(render(result), flush=True)
        print(f"({os.cpu_count()} cores; load average {' '.join(load)})")
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
