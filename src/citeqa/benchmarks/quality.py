"""Quality benchmark: citeqa's default pipeline side by side with two baselines, in one run.

    python -m citeqa.benchmarks quality [--bench DIR] [--sets squad2,covidqa] [--limit N] [--json out.json]
                                        [--judge-folds DIR] [--no-naive]

Pipelines, all over the same documents and the same embedding model:
- citeqa: the default pipeline (sentence passages, dense + BM25 fused, reranked, extractive answer);
- naive: the LangChain tutorial pipeline: RecursiveCharacterTextSplitter(1000, 200), dense only, Chroma
  top-4 (hit@5 is read off its top 5 so the columns compare);
- bm25: citeqa's passages ranked by BM25 alone.

citeqa's answers are scored twice from the same retrieved passages: with the judge (the shipped model,
or with --judge-folds each question judged by the model not trained on its article) and with today's
scorer (judge off, min_score), so the two columns compare within one run. Short answers get SQuAD's
exact match and token F1.

Scores follow the bench README: retrieval hit@k (a top-k passage overlaps a gold span); answer hit (the
answer contains one of the gold answers, case-insensitive; for long answers token recall is printed
too); citation correct (a citation overlaps a gold span, over answered questions); refusal on
unanswerable questions and false refusal on answerable ones.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TARGETS = {
    "squad2": {"citeqa hit@5": 0.97, "answer hit": 0.85, "citation correct": 0.95, "refusal": 0.70, "false refusal": ("<=", 0.10)},
    "covidqa": {"citeqa hit@5": 0.85, "citation correct": 0.70},
}


def _default_bench() -> Path:
    for base in (Path.cwd(), *Path.cwd().parents):
        if (base / "shared" / "bench").is_dir():
            return base / "shared" / "bench"
        if (base.parent / "shared" / "bench").is_dir():
            return base.parent / "shared" / "bench"
    return Path("../shared/bench")


def load_questions(folder: Path, limit: int | None) -> list[dict]:
    qs = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return qs[:limit] if limit else qs


def _overlaps(doc_path: str, start: int, end: int, gold: list[dict]) -> bool:
    name = Path(doc_path).name
    return any(name == g["doc"] and start < g["end"] and g["start"] < end for g in gold)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def token_recall(answer: str, gold_answers: list[str]) -> float:
    have = set(_tokens(answer))
    best = 0.0
    for g in gold_answers:
        toks = _tokens(g)
        if toks:
            best = max(best, sum(t in have for t in toks) / len(toks))
    return best


def _docs_for(folder: Path, questions: list[dict], limit: int | None, distractors: int = 2) -> Path:
    """The documents folder; with --limit, a scratch copy of only the documents those questions cite
    (plus a few distractors), so a smoke run stays small."""
    docs = folder / "docs"
    if not limit:
        return docs
    wanted = sorted({g["doc"] for q in questions for g in q["gold"]})
    others = sorted(p.name for p in docs.iterdir() if p.name not in wanted)[:distractors]
    scratch = Path(tempfile.gettempdir()) / f"citeqa-bench-docs-{folder.name}-{limit}-{distractors}"
    scratch.mkdir(parents=True, exist_ok=True)
    for name in wanted + others:
        target = scratch / name
        if not target.exists():
            target.write_bytes((docs / name).read_bytes())
    return scratch


def _normalize(text: str) -> str:
    """SQuAD's answer normalization: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def exact_match(pred: str, golds: list[str]) -> float:
    return float(any(_normalize(pred) == _normalize(g) for g in golds))


def token_f1(pred: str, golds: list[str]) -> float:
    best = 0.0
    p = _normalize(pred).split()
    for g in golds:
        t = _normalize(g).split()
        common = sum((Counter(p) & Counter(t)).values())
        if common:
            prec, rec = common / len(p), common / len(t)
            best = max(best, 2 * prec * rec / (prec + rec))
    return best


class _Tally:
    def __init__(self):
        self.m = {"hit@1": 0, "hit@5": 0, "answer hit": 0, "token recall": [], "citation correct": 0, "answered": 0,
                  "false refusal": 0, "refusal": 0, "answerable": 0, "unanswerable": 0, "latency": [], "em": [], "f1": []}

    def add(self, q: dict, r: dict, passages: list[tuple]) -> None:
        m = self.m
        if q["answerable"]:
            m["answerable"] += 1
            m["hit@1"] += any(_overlaps(*p, q["gold"]) for p in passages[:1])
            m["hit@5"] += any(_overlaps(*p, q["gold"]) for p in passages[:5])
            if r["refused"]:
                m["false refusal"] += 1
            else:
                m["answered"] += 1
                m["answer hit"] += any(a.lower() in r["answer"].lower() for a in q["answers"])
                m["token recall"].append(token_recall(r["answer"], q["answers"]))
                m["citation correct"] += any(_overlaps(c["source"], c["start"], c["end"], q["gold"]) for c in r["citations"])
                short = (r.get("short_answer") or {}).get("text", "")
                m["em"].append(exact_match(short, q["answers"]))
                m["f1"].append(token_f1(short, q["answers"]))
        else:
            m["unanswerable"] += 1
            m["refusal"] += bool(r["refused"] and not r["citations"])

    def figures(self) -> dict:
        m = self.m
        a, u, d = max(m["answerable"], 1), max(m["unanswerable"], 1), max(m["answered"], 1)
        lat = sorted(m["latency"])
        return {
            "hit@1": m["hit@1"] / a,
            "hit@5": m["hit@5"] / a,
            "answer hit": m["answer hit"] / d,
            "answer token recall": statistics.mean(m["token recall"]) if m["token recall"] else 0.0,
            "citation correct": m["citation correct"] / d,
            "refusal": m["refusal"] / u if m["unanswerable"] else None,
            "false refusal": m["false refusal"] / a,
            "short exact match": statistics.mean(m["em"]) if m["em"] else 0.0,
            "short token F1": statistics.mean(m["f1"]) if m["f1"] else 0.0,
            "latency p50 ms": 1000 * lat[len(lat) // 2] if lat else 0.0,
            "latency p95 ms": 1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0.0,
        }


class _FoldJudges:
    """Out-of-fold judges (citeqa/training/train_judge.py --folds-out DIR): each question is judged by the model
    trained without its article, so no figure is measured on the judge's own training article."""

    def __init__(self, folder: Path, embedder, keyword):
        from citeqa.answering.extractive import ExtractiveAnswerer
        from citeqa.answering.judge import load_judge

        self.map = json.loads((folder / "folds.json").read_text())
        self.answerers = {f: ExtractiveAnswerer(embedder, keyword=keyword, judge=load_judge(str(folder / f))) for f in set(self.map.values())}
        self.question_docs = set(self.map)

    def for_question(self, q: dict, passages: list):
        docs = [g["doc"] for g in q["gold"]] or [Path(p.source).name for p in passages if Path(p.source).name in self.question_docs]
        doc = sorted(docs)[0] if q["gold"] else (max(set(docs), key=docs.count) if docs else None)
        return self.answerers.get(self.map.get(doc, ""), None) or next(iter(self.answerers.values()))


def run_citeqa(docs: Path, questions: list[dict], index: Path, judge_folds: Path | None = None) -> tuple[dict, dict, dict]:
    """(citeqa with the judge, BM25 alone, citeqa with today's scorer), all from one retrieval per question."""
    from citeqa.answering.extractive import ExtractiveAnswerer
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    assistant = Assistant(load_settings(index_path=index, corpus_path=docs, collection="bench"))
    started = time.perf_counter()
    report = assistant.ingest(progress=False)
    ingest_s = time.perf_counter() - started
    today = ExtractiveAnswerer(assistant.embedder, min_score=assistant.settings.min_score, keyword=assistant.store.keyword, judge=None)
    folds = _FoldJudges(judge_folds, assistant.embedder, assistant.store.keyword) if judge_folds else None
    judged, before = _Tally(), _Tally()
    bm = {"hit@1": 0, "hit@5": 0}
    for q in questions:
        t = time.perf_counter()
        r = assistant.ask(q["question"])  # the whole pipeline, timed
        judged.m["latency"].append(time.perf_counter() - t)
        x = {"question": q["question"], "history": []}
        x["queries"] = assistant._queries(x)
        x["passages"] = assistant._retrieve(x)
        if folds is not None:
            x["draft"] = folds.for_question(q, x["passages"]).answer(q["question"], [], x["passages"])
            r = assistant._build(x).to_dict()
        passages = [(Path(p["source"]).name, p["start"], p["end"]) for p in r["passages"]]
        judged.add(q, r, passages)
        t = time.perf_counter()
        x["draft"] = today.answer(q["question"], [], x["passages"])
        before.m["latency"].append(time.perf_counter() - t)
        before.add(q, assistant._build(x).to_dict(), passages)
        if q["answerable"]:
            # BM25 alone over the same passages.
            hits = assistant.store.keyword.search(q["question"], 5)
            found = assistant.store.passages([pid for pid, _ in hits])
            ranked = [found[pid] for pid, _ in hits if pid in found]
            bm["hit@1"] += any(_overlaps(p.source, p.start, p.end, q["gold"]) for p in ranked[:1])
            bm["hit@5"] += any(_overlaps(p.source, p.start, p.end, q["gold"]) for p in ranked[:5])
    a = max(judged.m["answerable"], 1)
    citeqa = {**judged.figures(), "ingest s": ingest_s, "passages": report.passages_total}
    return citeqa, {"hit@1": bm["hit@1"] / a, "hit@5": bm["hit@5"] / a}, before.figures()


def run_naive(docs: Path, questions: list[dict], index: Path) -> dict:
    """The LangChain tutorial pipeline: 1000/200 character chunks, dense only, Chroma top-4."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from citeqa.index.embedders import Embedder
    from citeqa.settings import load_settings

    embedder = Embedder(load_settings().embedding_model)
    client = chromadb.PersistentClient(path=str(index / "naive-chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    col = client.get_or_create_collection("naive", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    if col.count() == 0:
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        ids, texts, metas = [], [], []
        for path in sorted(docs.glob("*.txt")):
            for i, d in enumerate(splitter.create_documents([path.read_bytes().decode("utf-8")])):
                start = d.metadata["start_index"]
                ids.append(f"{path.name}-{i}")
                texts.append(d.page_content)
                metas.append({"doc": path.name, "start": start, "end": start + len(d.page_content)})
        vectors = embedder.encode(texts)
        for i in range(0, len(ids), 1000):
            col.add(ids=ids[i : i + 1000], embeddings=vectors[i : i + 1000], documents=texts[i : i + 1000], metadatas=metas[i : i + 1000])
    h1 = h5 = n = 0
    for q in questions:
        if not q["answerable"]:
            continue
        n += 1
        res = col.query(query_embeddings=[embedder.encode([q["question"]])[0]], n_results=5, include=["metadatas"])
        metas = res["metadatas"][0]
        h1 += any(_overlaps(m["doc"], m["start"], m["end"], q["gold"]) for m in metas[:1])
        h5 += any(_overlaps(m["doc"], m["start"], m["end"], q["gold"]) for m in metas[:5])
    return {"hit@1": h1 / max(n, 1), "hit@5": h5 / max(n, 1)}


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1.0 else f"{v:.1f}"
    return str(v)


def bench_one(folder: Path, limit: int | None, index_root: Path, distractors: int = 2, judge_folds: Path | None = None, naive: bool = True) -> dict:
    questions = load_questions(folder, limit)
    docs = _docs_for(folder, questions, limit, distractors)
    key = hashlib.sha1(str(docs.resolve()).encode()).hexdigest()[:10]
    index = index_root / f"{folder.name}-{key}"
    citeqa, bm25, before = run_citeqa(docs, questions, index, judge_folds)
    naive_r = run_naive(docs, questions, index) if naive else {"hit@1": float("nan"), "hit@5": float("nan")}
    return {"set": folder.name, "questions": len(questions), "citeqa": citeqa, "naive": naive_r, "bm25": bm25,
            "today": before, "judge": "out of fold" if judge_folds else "shipped"}


def print_result(r: dict) -> None:
    c, n, b = r["citeqa"], r["naive"], r["bm25"]
    print(f"\n{r['set']}: {r['questions']} questions, {c['passages']} citeqa passages (ingest {c['ingest s']:.1f} s)")
    print(f"  {'pipeline':<28}{'hit@1':>8}{'hit@5':>8}")
    for name, m in (("citeqa (default)", c), ("naive LangChain 1000/200", n), ("BM25 alone", b)):
        print(f"  {name:<28}{m['hit@1']:>8.3f}{m['hit@5']:>8.3f}")
    print(f"  citeqa answers (judge: {r.get('judge', 'shipped')}; today: today's scorer on the same passages):")
    targets = TARGETS.get(r["set"], {})
    today = r.get("today", {})
    print(f"    {'':<22}{'judge':>8}{'today':>8}")
    for key in ("answer hit", "answer token recall", "citation correct", "refusal", "false refusal", "short exact match",
                "short token F1", "latency p50 ms", "latency p95 ms"):
        target = targets.get(key)
        note = ""
        if target is not None and c[key] is not None:
            op, val = target if isinstance(target, tuple) else (">=", target)
            ok = c[key] <= val if op == "<=" else c[key] >= val
            verdict = "met" if ok else f"missed by {abs(c[key] - val):.3f}"
            note = f"   target {op} {val}: {verdict}"
        before = "" if key.startswith("short") else _fmt(today.get(key))
        if key == "latency p95 ms" or key == "latency p50 ms":
            before = "—"  # today's column times the answer step alone, not the pipeline
        print(f"    {key:<22}{_fmt(c[key]):>8}{before:>8}{note}")
    t = targets.get("citeqa hit@5")
    if t is not None:
        hit5 = c["hit@5"]
        verdict = "met" if hit5 >= t else f"missed by {t - hit5:.3f}"
        print(f"    {'hit@5':<22}{hit5:>8.3f}   target >= {t}: {verdict}")


def main(argv: list[str] | None = None) -> int:
    import citeqa  # noqa: F401  (offline environment)

    parser = argparse.ArgumentParser(prog="python -m citeqa.benchmarks quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=None, help="folder holding squad2/ and covidqa/ (default: ../shared/bench)")
    parser.add_argument("--sets", default="squad2,covidqa")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only (a smoke run)")
    parser.add_argument("--distractors", type=int, default=2, help="with --limit: how many other documents to index")
    parser.add_argument("--index-root", type=Path, default=Path(tempfile.gettempdir()) / "citeqa-bench")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--judge-folds", type=Path, default=None,
                        help="folder of out-of-fold judge models (citeqa/training/train_judge.py --folds-out): judge each question with the model not trained on its article")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive LangChain baseline (retrieval only)")
    args = parser.parse_args(argv)
    bench = args.bench or _default_bench()
    results = []
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        folder = bench / name
        if not (folder / "questions.jsonl").is_file():
            print(f"error: {folder}/questions.jsonl not found (use --bench).", file=sys.stderr)
            return 2
        r = bench_one(folder, args.limit, args.index_root, args.distractors, args.judge_folds, not args.no_naive)
        print_result(r)
        results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
