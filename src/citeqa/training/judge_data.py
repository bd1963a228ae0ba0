"""Collect the judge's training data (kept out of the repository; see README, "Judgement").

    python -m citeqa.training.judge_data selqa --selqa DIR --out DATA/selqa.pkl
    python -m citeqa.training.judge_data bench --bench ../shared/bench --set squad2 --out DATA/squad2.pkl

selqa: SelQA's answer-sentence-selection dev and test files (emorynlp/selqa, Apache-2.0): for each
question, the sentences of one Wikipedia section, which of them answer it. Sections of the SQuAD v1.1 /
2.0 development articles (the articles this project's quality is measured on) are dropped, by title and
by any shared sentence with the bench documents.

bench: the bench set's development questions run through citeqa's own retrieval; for each question the
candidate sentences of the retrieved passages, each labelled by whether it overlaps a gold answer span.
The bench README allows these questions for development; train.py cross-validates by article.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

# SQuAD v1.1 development articles (SQuAD 2.0's development set is drawn from the same articles):
# never trained on, whatever the source.
SQUAD_DEV_TITLES = """Super_Bowl_50 Warsaw Normans Nikola_Tesla Computational_complexity_theory Teacher Martin_Luther
Southern_California Sky_(United_Kingdom) Victoria_(Australia) Huguenot Steam_engine Oxygen 1973_oil_crisis Apollo_program
European_Union_law Amazon_rainforest Ctenophora Fresno,_California Packet_switching Black_Death Geology Newcastle_upon_Tyne
Victoria_and_Albert_Museum American_Broadcasting_Company Genghis_Khan Pharmacy Immune_system Civil_disobedience Construction
Private_school Harvard_University Jacksonville,_Florida Economic_inequality University_of_Chicago Yuan_dynasty Kenya
Intergovernmental_Panel_on_Climate_Change Chloroplast Prime_number Rhine Scottish_Parliament Islamism Imperialism
French_and_Indian_War Force""".split()


def _norm_title(t: str) -> str:
    return "".join(ch for ch in t.lower().replace("_", " ") if ch.isalnum())


class DocFreq:
    """BM25-style idf over a list of token lists (what KeywordIndex.idf gives at run time)."""

    def __init__(self, docs: list[list[str]]):
        self.n = len(docs)
        self.df = Counter(t for d in docs for t in set(d))

    def idf(self, tokens: list[str]) -> list[float]:
        return [math.log(1 + (self.n - self.df.get(t, 0) + 0.5) / (self.df.get(t, 0) + 0.5)) for t in tokens]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_selqa(folder: Path, bench: Path | None) -> tuple[list[dict], list[Path]]:
    """SelQA's questions with their section's sentences, less the sections this project may not train on."""
    files = [folder / "selqa-ass-dev.json", folder / "selqa-ass-test.json"]
    banned = {_norm_title(t) for t in SQUAD_DEV_TITLES}
    bench_sentences = set()
    if bench:
        for f in sorted(Path(bench).glob("*/docs/*.txt")):
            bench_sentences.update(" ".join(s.split()) for s in f.read_text(encoding="utf-8").replace(". ", ".\n").splitlines() if len(s) > 40)
    items, dropped = [], Counter()
    for f in files:
        print(f"{f.name}: sha256 {sha256(f)}", file=sys.stderr)
        for it in json.loads(f.read_text(encoding="utf-8")):
            if _norm_title(it["article"]) in banned:
                dropped["squad dev title"] += 1
                continue
            if any(" ".join(c.split()) in bench_sentences for c in it["candidates"]):
                dropped["shares a sentence with the bench"] += 1
                continue
            if not it["answers"] or len(it["candidates"]) < 2:
                dropped["no answer or one sentence"] += 1
                continue
            items.append({"question": it["question"], "sentences": it["candidates"], "answers": it["answers"],
                          "article": it["article"], "section": it["section"], "split": f.stem})
    print(f"selqa: {len(items)} questions kept, dropped {dict(dropped)}", file=sys.stderr)
    return items, files


def collect_selqa(args) -> None:
    from citeqa.index.embedders import Embedder
    from citeqa.settings import load_settings

    items, files = load_selqa(args.selqa, args.bench)
    embedder = Embedder(load_settings().embedding_model)
    sentences = sorted({s for it in items for s in it["sentences"]})
    print(f"embedding {len(sentences)} sentences and {len(items)} questions", file=sys.stderr)
    vecs = embedder.encode(sentences, progress=True)
    index = {s: i for i, s in enumerate(sentences)}
    qvecs = embedder.encode([it["question"] for it in items], progress=True)
    for it, qv in zip(items, qvecs):
        it["qvec"] = qv
        it["vecs"] = np.stack([vecs[index[s]] for s in it["sentences"]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pickle.dumps({"source": "selqa", "items": items, "files": {f.name: sha256(f) for f in files}}))
    print(f"wrote {args.out}", file=sys.stderr)


def collect_bench(args) -> None:
    from citeqa.answering.extractive import ExtractiveAnswerer
    from citeqa.answering.scoring import QuestionTerms
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    folder = Path(args.bench) / args.set
    questions = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assistant = Assistant(load_settings(index_path=args.index / args.set, corpus_path=folder / "docs", collection="bench"))
    assistant.ingest(progress=False)
    scorer = ExtractiveAnswerer(assistant.embedder, keyword=assistant.store.keyword, judge=None)
    assistant._answerer = scorer  # today's scorer ranks the candidates; the judge is what is trained
    items = []
    for n, q in enumerate(questions):
        x = {"question": q["question"], "history": []}
        queries = assistant._queries(x)
        passages = assistant._retrieve({**x, "queries": queries})
        ranked = scorer.score_sentences(q["question"], [], passages)
        terms = QuestionTerms(q["question"], assistant.store.keyword)
        labels = [
            any(g["doc"] == Path(r.passage.source).name and r.start < g["end"] and g["start"] < r.end for g in q["gold"])
            for r in ranked
        ]
        items.append({
            "id": q["id"], "question": q["question"], "answerable": q["answerable"], "answers": q["answers"],
            "article": sorted({g["doc"] for g in q["gold"]}) or [Path(passages[0].source).name if passages else ""],
            "qvec": assistant.embedder.encode_queries([q["question"]])[0],
            "terms": (terms.tokens, terms.weights),
            "candidates": [r.candidate for r in ranked], "labels": labels,
            "spans": [(Path(r.passage.source).name, r.start, r.end) for r in ranked],
            "gold": q["gold"],
        })
        if n % 100 == 0:
            print(f"{args.set}: {n}/{len(questions)}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pickle.dumps({"source": args.set, "items": items, "unseen_idf": assistant.store.keyword.idf(["\x00unseen"])[0],
                                       "files": {"questions.jsonl": sha256(folder / "questions.jsonl")}}))
    print(f"wrote {args.out}: {len(items)} questions", file=sys.stderr)


def main(argv=None) -> int:
    import citeqa  # noqa: F401  (offline environment)

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("selqa")
    s.add_argument("--selqa", type=Path, required=True, help="folder with selqa-ass-dev.json and selqa-ass-test.json")
    s.add_argument("--bench", type=Path, default=None, help="bench folder: drop SelQA sections sharing a sentence with it")
    s.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("bench")
    b.add_argument("--bench", type=Path, required=True)
    b.add_argument("--set", required=True)
    b.add_argument("--index", type=Path, default=Path("/tmp/citeqa-judge-index"))
    b.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    (collect_selqa if args.cmd == "selqa" else collect_bench)(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
