"""Train the judge (src/citeqa/answering/judge_model.json) from data collected by citeqa/training/judge_data.py.

    python -m citeqa.training.train_judge --data DATA [--folds-out DIR] [--model logreg|mlp] [--write]

Training pairs are (question, candidate sentence) rows labelled 1 when the sentence answers:
- SelQA (Apache-2.0): each question against the sentences of its section; and, for every other
  question, the same section with the answering sentences taken out, so the model also sees the
  near-miss case (same topic, no answer) that refusal is about;
- the bench development halves (squad2, covidqa): each question against the candidate sentences
  citeqa's retrieval found for it, SQuAD 2.0's unanswerable questions included.

Every figure printed is out of fold: bench questions are grouped by article (squad2) or paper
(covidqa) and scored by a model trained without that article; an unanswerable squad2 question, which
names no gold article, belongs to the article of its best retrieved passage. --folds-out writes those
fold models and the article -> model map for `python -m citeqa.benchmarks quality --judge-folds DIR`.
The refusal threshold is picked on out-of-fold scores (each fold's from the other folds' scores).
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
from pathlib import Path

import numpy as np

from citeqa.answering.judge import FEATURES, Candidate, Judge, answer_features, cross_scores, features
from citeqa.answering.scoring import ANSWER, QuestionTerms, sentence_scores
from citeqa.index.keyword import tokenize

from citeqa.training.judge_data import DocFreq

from citeqa.answering.judge import MODEL_PATH  # noqa: E402  (where --write puts the model)
MAX_FALSE_REFUSAL = 0.08  # the threshold keeps out-of-fold false refusal under this (target: 0.10)
SQUAD_ARTICLES_ORDER = None


def _terms(tokens, weights, unseen_idf) -> QuestionTerms:
    t = QuestionTerms.__new__(QuestionTerms)
    t.text, t.tokens, t.weights, t.unseen_idf = "", list(tokens), dict(weights), unseen_idf
    return t


def _unseen_idf(index: Path) -> float:
    """The idf the bench index gives a word it never saw (older data files did not record it)."""
    from citeqa.index.keyword import KeywordIndex

    return KeywordIndex(index / "bench" / "keyword").idf(["\x00unseen"])[0]


def selqa_questions(items: list[dict], seed: int = 13) -> list[dict]:
    """SelQA items as judged questions: candidates with today's prior, labels, and a no-answer twin."""
    sections = {(it["article"], it["section"]): it["sentences"] for it in items}
    df = DocFreq(tokenize([" ".join(s) for s in sections.values()]))
    rng = random.Random(seed)
    out = []
    for it in items:
        variants = [(list(range(len(it["sentences"]))), True)]
        keep = [i for i in range(len(it["sentences"])) if i not in it["answers"]]
        if keep and rng.random() < 0.5:
            variants.append((keep, False))
        for idx, answerable in variants:
            sents = [it["sentences"][i] for i in idx]
            vecs = it["vecs"][idx]
            tokens = tokenize(sents)
            ptoks = [t for ts in tokens for t in ts]
            q_tokens = tokenize([it["question"]])[0]
            words = sorted(set(q_tokens))
            terms = QuestionTerms.__new__(QuestionTerms)
            terms.text, terms.tokens = it["question"], q_tokens
            from citeqa.answering.scoring import QUESTION_FRAME_WORDS

            terms.weights = {t: (0.0 if t in QUESTION_FRAME_WORDS else w) for t, w in zip(words, df.idf(words))}
            terms.unseen_idf = df.idf(["\x00unseen"])[0]
            prior, _ = sentence_scores(it["qvec"], terms, vecs, tokens, [ptoks] * len(sents), ANSWER)
            cands = [
                Candidate(s, " ".join(sents[max(0, j - 1) : j + 2]), ptoks, vecs[j], float(prior[j]))
                for j, s in enumerate(sents)
            ]
            out.append({"question": it["question"], "terms": terms, "qvec": it["qvec"], "candidates": cands,
                        "labels": [i in it["answers"] for i in idx], "answerable": answerable,
                        "group": "selqa:" + it["article"], "source": "selqa"})
    return out


def bench_questions(data: dict, question_articles: set[str] | None = None) -> list[dict]:
    out = []
    for it in data["items"]:
        if it["gold"]:
            group = sorted({g["doc"] for g in it["gold"]})[0]
        else:  # no gold article: the article its retrieval landed on
            docs = [d for d, _, _ in it["spans"] if question_articles is None or d in question_articles]
            group = max(set(docs), key=docs.count) if docs else "none"
        out.append({"question": it["question"], "terms": _terms(*it["terms"], data["unseen_idf"]), "qvec": it["qvec"],
                    "candidates": it["candidates"], "labels": it["labels"], "answerable": it["answerable"],
                    "group": f"{data['source']}:{group}", "source": data["source"], "id": it["id"],
                    "spans": it["spans"], "answers": it["answers"]})
    return out


def featurize(qs: list[dict], cross=None) -> None:
    for q in qs:
        q["x"] = features(q["question"], q["terms"], q["qvec"], q["candidates"], cross=cross_scores(cross, q["question"], q["candidates"]))


def stack(qs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    xs = [q["x"] for q in qs if len(q["x"])]
    ys = [np.asarray(q["labels"], dtype=np.int8) for q in qs if len(q["x"])]
    return np.concatenate(xs), np.concatenate(ys)


def _net(x: np.ndarray, y: np.ndarray, kind: str, seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    if kind == "logreg":
        m = LogisticRegression(C=1.0, max_iter=2000).fit(z, y)
        layers = [(m.coef_.T.tolist(), m.intercept_.tolist())]
    else:
        m = MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-3, max_iter=300, early_stopping=True, random_state=seed).fit(z, y)
        layers = [(w.tolist(), b.tolist()) for w, b in zip(m.coefs_, m.intercepts_)]
    return {"mean": mean.tolist(), "scale": scale.tolist(), "layers": layers, "rows": int(len(y)), "positives": int(y.sum())}


def _without(x: np.ndarray, prefixes: list[str], kind: str, y: np.ndarray) -> dict:
    """The pair model trained without some features, as an answerability model (input: the pair
    model's logit, then the features): zero weight on that logit and on the features left out."""
    cols = [j for j, name in enumerate(FEATURES) if any(name.startswith(p) for p in prefixes)]
    keep = [j for j in range(len(FEATURES)) if j not in cols]
    net = _net(x[:, keep], y, kind)
    if kind != "logreg":
        raise ValueError("--refuse-without needs --model logreg")
    mean, scale, w = [0.0] * (len(FEATURES) + 1), [1.0] * (len(FEATURES) + 1), [[0.0]] * (len(FEATURES) + 1)
    for i, j in enumerate(keep):
        mean[j + 1], scale[j + 1], w[j + 1] = net["mean"][i], net["scale"][i], net["layers"][0][0][i]
    return {**net, "mean": mean, "scale": scale, "layers": [(w, net["layers"][0][1])], "without": prefixes}


def fit(qs: list[dict], kind: str, able_sources=("selqa", "squad2", "covidqa"), refuse_without: list[str] | None = None,
        pair_sources=None) -> dict:
    """The pair model on the candidates of answerable questions; then the answerability model on each
    question's best candidate (by the pair model), labelled by whether the question is answerable; or,
    with refuse_without, the pair model trained without those features decides refusal instead."""
    x, y = stack([q for q in qs if q["answerable"]])
    px, py = stack([q for q in qs if q["answerable"] and (pair_sources is None or q["source"] in pair_sources)])
    pair = _net(px, py, kind)
    if refuse_without:
        return {"features": FEATURES, "kind": kind, "pair": pair, "answerable": _without(x, refuse_without, kind, y),
                "threshold": 0.5, "cross": False}
    rows, labels = [], []
    judge = Judge({"features": FEATURES, "pair": pair, "answerable": pair, "threshold": 0.5})
    for q in qs:
        if q["source"] in able_sources and len(q["x"]):
            probs = judge.probabilities(q["x"])
            top = int(np.argmax(probs))
            rows.append(answer_features(q["x"][top : top + 1], probs[top : top + 1])[0])
            labels.append(int(q["answerable"]))
    able = _net(np.asarray(rows), np.asarray(labels), "logreg") if rows else None
    return {"features": FEATURES, "kind": kind, "pair": pair, "answerable": able, "threshold": 0.5, "cross": False}


def question_scores(judge: Judge, qs: list[dict]) -> None:
    """p: pair probabilities; a: one-element answerability of the best candidate."""
    for q in qs:
        if len(q["x"]):
            probs, able = judge.assess(q["x"])
            q["p"], q["a"] = probs, able[int(np.argmax(probs)) : int(np.argmax(probs)) + 1]
        else:
            q["p"] = q["a"] = np.zeros(0)


def pick_threshold(qs: list[dict], key: str = "a", max_fr: float = MAX_FALSE_REFUSAL) -> float:
    """The highest threshold whose false refusal (answerable questions refused) stays under max_fr on
    every bench set given."""
    best = 0.0
    for t in np.linspace(0.01, 0.99, 197):
        ok = True
        for src in {q["source"] for q in qs}:
            ans = [q for q in qs if q["source"] == src and q["answerable"]]
            fr = np.mean([len(q[key]) == 0 or q[key].max() < t for q in ans]) if ans else 0.0
            ok &= fr <= max_fr
        if ok:
            best = float(t)
    return best


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos), np.asarray(neg)
    return float(((p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()) / (len(p) * len(n)))


def report(qs: list[dict], key: str, threshold: float, label: str, select: str = "p") -> dict:
    out = {}
    for src in sorted({q["source"] for q in qs}):
        sub = [q for q in qs if q["source"] == src]
        ans = [q for q in sub if q["answerable"]]
        una = [q for q in sub if not q["answerable"]]
        best = lambda q: float(q[key].max()) if len(q[key]) else 0.0  # noqa: E731
        answered = [q for q in ans if best(q) >= threshold]
        top1 = [bool(q["labels"][int(np.argmax(q[select]))]) for q in answered]
        r = {
            "answerable AUC": auc([best(q) for q in ans], [best(q) for q in una]),
            "refusal": float(np.mean([best(q) < threshold for q in una])) if una else None,
            "false refusal": float(np.mean([best(q) < threshold for q in ans])),
            "top-1 cites gold": float(np.mean(top1)) if top1 else 0.0,
        }
        out[src] = r
        print(f"  {label:<14}{src:<9}" + "  ".join(f"{k} {v:.3f}" for k, v in r.items() if v is not None))
    return out


def curve(qs: list[dict], key: str = "a") -> list[tuple[float, float, float]]:
    sq = [q for q in qs if q["source"] == "squad2"]
    ans = [q for q in sq if q["answerable"]]
    una = [q for q in sq if not q["answerable"]]
    rows = []
    for t in np.linspace(0.05, 0.95, 19):
        best = lambda q: float(q[key].max()) if len(q[key]) else 0.0  # noqa: E731
        rows.append((float(t), float(np.mean([best(q) < t for q in una])), float(np.mean([best(q) < t for q in ans]))))
    return rows


def _prefixes(text: str) -> list[str]:
    return [p for p in text.split(",") if p]


def main(argv=None) -> int:
    import citeqa  # noqa: F401

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with selqa.pkl, squad2.pkl, covidqa.pkl")
    ap.add_argument("--model", choices=["logreg", "mlp"], default="logreg")
    ap.add_argument("--no-selqa", action="store_true")
    ap.add_argument("--gates", default="", help="comma-separated rules that refuse whatever the model says (type, unseen)")
    ap.add_argument("--prior-floor", type=float, default=0.3, help="with the prior gate: today's score below which a sentence never answers")
    ap.add_argument("--able-sources", default="selqa,squad2,covidqa", help="data the answerability model learns from")
    ap.add_argument("--refuse-without", default="", help="comma-separated feature prefixes: refusal is decided by the "
                    "pair model trained without them (the cross-encoder ranks, the other features refuse)")
    ap.add_argument("--pair-sources", default="", help="data the pair model learns from (default: all); e.g. squad2,covidqa "
                    "when the cross-encoder learnt from SelQA, so its SelQA scores are in-sample")
    ap.add_argument("--no-bench", action="store_true", help="train on SelQA alone (bench only scored)")
    ap.add_argument("--drop", default="", help="comma-separated feature name prefixes to zero (ablation)")
    ap.add_argument("--folds-out", type=Path, default=None)
    ap.add_argument("--index", type=Path, default=Path("/tmp/citeqa-judge-index"), help="judge_data.py bench's --index")
    ap.add_argument("--cross", type=Path, default=None, help="the cross-encoder (cross.onnx) whose scores are features; "
                    "train on bench data only (--no-selqa) when it learnt from SelQA")
    ap.add_argument("--write", action="store_true", help=f"write the final model to {MODEL_PATH}")
    args = ap.parse_args(argv)

    squad = pickle.loads((args.data / "squad2.pkl").read_bytes())
    squad.setdefault("unseen_idf", _unseen_idf(args.index / "squad2"))
    articles = {g["doc"] for it in squad["items"] for g in it["gold"]}
    bench = bench_questions(squad, articles)
    if (args.data / "covidqa.pkl").is_file():
        covid = pickle.loads((args.data / "covidqa.pkl").read_bytes())
        covid.setdefault("unseen_idf", _unseen_idf(args.index / "covidqa"))
        bench += bench_questions(covid)
    selqa = [] if args.no_selqa else selqa_questions(pickle.loads((args.data / "selqa.pkl").read_bytes())["items"])
    cross = None
    if args.cross:
        from citeqa.answering.cross import CrossEncoder

        cross = CrossEncoder.load(args.cross)
    featurize(bench + selqa, cross)
    if args.drop:
        for q in bench + selqa:
            for j, name in enumerate(FEATURES):
                if any(name.startswith(d) for d in args.drop.split(",")):
                    q["x"][:, j] = 0.0
    for q in bench:
        q["prior"] = np.array([c.prior for c in q["candidates"]])

    # Out-of-fold: squad2 by article; covidqa papers in 5 groups.
    groups = sorted({q["group"] for q in bench})
    covid_groups = [g for g in groups if g.startswith("covidqa:")]
    fold_of = {g: g for g in groups if not g.startswith("covidqa:")}
    for i, g in enumerate(covid_groups):
        fold_of[g] = f"covidqa:fold{i % 5}"
    folds = sorted(set(fold_of.values()))
    fold_models = {}
    for f in folds:
        train = selqa + ([] if args.no_bench else [q for q in bench if fold_of[q["group"]] != f])
        fold_models[f] = fit(train, args.model, args.able_sources.split(","), _prefixes(args.refuse_without),
                             _prefixes(args.pair_sources) or None)
        fold_models[f]["gates"] = [g for g in args.gates.split(",") if g]
        fold_models[f]["prior_floor"] = args.prior_floor
        judge = Judge(fold_models[f])
        question_scores(judge, [q for q in bench if fold_of[q["group"]] == f])
    # Each fold's threshold from the other folds' out-of-fold scores.
    for f in folds:
        fold_models[f]["threshold"] = pick_threshold([q for q in bench if fold_of[q["group"]] != f])
    for f in folds:  # set only now: Judge() above scores the features already computed, cross included
        fold_models[f]["cross"] = bool(args.cross)
    for q in bench:
        q["p_t"] = fold_models[fold_of[q["group"]]]["threshold"]
    overall_t = pick_threshold(bench)
    print(f"out-of-fold ({len(folds)} folds, {args.model}, threshold {overall_t:.3f}; today's scorer at min_score 0.45):")
    # Per-question thresholds differ by fold: score each question against its own fold's threshold.
    for q in bench:
        q["a_rel"] = q["a"] - q["p_t"] + 0.5 if len(q["a"]) else q["a"]
    judged = report(bench, "a_rel", 0.5, "judge")
    report(bench, "prior", 0.45, "today", select="prior")
    print("refusal curve (squad2, out of fold): threshold  refusal  false-refusal")
    for t, r, fr in curve(bench):
        print(f"  {t:.2f}  {r:.3f}  {fr:.3f}")
    if args.folds_out:
        args.folds_out.mkdir(parents=True, exist_ok=True)
        mapping = {}
        for f, m in fold_models.items():
            name = "fold-" + "".join(ch if ch.isalnum() else "_" for ch in f) + ".json"
            (args.folds_out / name).write_text(json.dumps(m))
            for g, ff in fold_of.items():
                if ff == f:
                    mapping[g.split(":", 1)[1]] = name
        (args.folds_out / "folds.json").write_text(json.dumps(mapping, indent=1))
        print(f"wrote {len(fold_models)} fold models to {args.folds_out}")
    if args.write:
        final = fit(selqa + ([] if args.no_bench else bench), args.model, args.able_sources.split(","), _prefixes(args.refuse_without),
                             _prefixes(args.pair_sources) or None)
        final["threshold"] = overall_t
        final["gates"] = [g for g in args.gates.split(",") if g]
        final["prior_floor"] = args.prior_floor
        final["cross"] = bool(args.cross)
        if args.cross:
            import hashlib

            final["cross_sha256"] = hashlib.sha256(args.cross.read_bytes()).hexdigest()
        final["out_of_fold"] = judged
        final["trained_on"] = {"selqa questions": len(selqa), "bench questions": 0 if args.no_bench else len(bench)}
        MODEL_PATH.write_text(json.dumps(final, separators=(",", ":")))
        print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
