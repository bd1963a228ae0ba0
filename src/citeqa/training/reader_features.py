"""Examples -> the reader's token windows, and scoring windows' logits back into characters.

One example becomes one or more windows of at most `max_len` tokens ([CLS] question [SEP] part of the
context [SEP]), overlapping by `stride` tokens when the context is long. A window that does not hold the
whole answer is labelled "no answer" ([CLS], token 0), as in SQuAD 2.0's reference models.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from citeqa.answering.reader import best_span
from citeqa.benchmarks.quality import exact_match, token_f1
from citeqa.training.reader_data import Example


@dataclass
class Window:
    ids: np.ndarray  # int32 token ids
    types: np.ndarray  # int8 segment ids
    start: int  # answer's first token, 0 ([CLS]) for none
    end: int
    example: int  # index of its example
    offsets: np.ndarray | None = None  # (tokens, 2) character offsets into the context; (0, 0) outside it
    context: np.ndarray | None = None  # bool: the token is part of the context after its lead (may be the answer)


def windows(tok, examples: list[Example], max_len: int, stride: int, keep_offsets: bool = False, chunk: int = 2000) -> list[Window]:
    out: list[Window] = []
    for base in range(0, len(examples), chunk):
        part = examples[base : base + chunk]
        enc = tok([e.question for e in part], [e.context for e in part], truncation="only_second", max_length=max_len,
                  stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
        for i, ids in enumerate(enc["input_ids"]):
            k = enc["overflow_to_sample_mapping"][i]
            ex = part[k]
            seq = enc.sequence_ids(i)
            ctx = np.array([s == 1 for s in seq])
            offs = np.array([o if s == 1 else (0, 0) for o, s in zip(enc["offset_mapping"][i], seq)], dtype=np.int32)
            answerable = ctx & (offs[:, 0] >= ex.lead)  # a title read in front is never the answer
            start = end = 0
            if ex.answer_start is not None:
                a0, a1 = ex.answer_start, ex.answer_start + len(ex.answer_text)
                inside = np.flatnonzero(ctx)
                if offs[inside[0], 0] <= a0 and offs[inside[-1], 1] >= a1:
                    start = int(inside[np.searchsorted(offs[inside, 1], a0, side="right")])
                    end = int(inside[np.searchsorted(offs[inside, 1], a1, side="left")])
            out.append(Window(np.array(ids, dtype=np.int32), np.array(enc["token_type_ids"][i], dtype=np.int8),
                              start, end, base + k, offs if keep_offsets else None, answerable if keep_offsets else None))
    return out


def schedule(lengths: list[int], batch: int, rng: random.Random, pool: int = 64) -> list[list[int]]:
    """Batches of windows of similar length (padding costs time on a CPU), in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    for base in range(0, len(order), batch * pool):
        group = sorted(order[base : base + batch * pool], key=lambda i: lengths[i])
        batches += [group[i : i + batch] for i in range(0, len(group), batch)]
    rng.shuffle(batches)
    return batches


def pad(ws: list[Window]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = max(len(w.ids) for w in ws)
    ids = np.zeros((len(ws), n), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for r, w in enumerate(ws):
        ids[r, : len(w.ids)], types[r, : len(w.ids)], mask[r, : len(w.ids)] = w.ids, w.types, 1
    return ids, types, mask


def predictions(examples: list[Example], ws: list[Window], logits: list[tuple[np.ndarray, np.ndarray]]) -> list[dict]:
    """Per example: the best span over its windows (text, score) and the lowest no-answer score."""
    preds = [{"text": "", "score": -np.inf, "null": np.inf} for _ in examples]
    for w, (s, e) in zip(ws, logits):
        i, j, score = best_span(s, e, w.context)
        p = preds[w.example]
        p["null"] = min(p["null"], float(s[0] + e[0]))
        if score > p["score"]:
            ctx = examples[w.example].context
            p["text"], p["score"] = ctx[w.offsets[i, 0] : w.offsets[j, 1]], score
    for p in preds:
        p["margin"] = p["score"] - p["null"]
    return preds


def auc(pos: list[float], neg: list[float]) -> float | None:
    if not pos or not neg:
        return None
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float((p > n).mean() + 0.5 * (p == n).mean())


def figures(examples: list[Example], preds: list[dict]) -> dict:
    """Span EM/F1 on answerable questions, and how well the margin tells answerable from each kind of
    unanswerable (AUC), and SQuAD 2.0's F1 at the best single threshold."""
    able = [(e, p) for e, p in zip(examples, preds) if e.answer_start is not None]
    out = {"em": np.mean([exact_match(p["text"], e.answers) for e, p in able]),
           "f1": np.mean([token_f1(p["text"], e.answers) for e, p in able])}
    pos = [p["margin"] for _, p in able]
    for kind in ("unanswerable", "near-miss"):
        out[f"auc_{kind}"] = auc(pos, [p["margin"] for e, p in zip(examples, preds) if e.kind == kind])
    human = [(token_f1(p["text"], e.answers) if e.answer_start is not None else None, p["margin"])
             for e, p in zip(examples, preds) if e.kind in ("answer", "unanswerable")]
    best = 0.0
    for t in sorted({round(m, 1) for _, m in human}):
        best = max(best, float(np.mean([(f if m > t else 0.0) if f is not None else float(m <= t) for f, m in human])))
    out["squad2_f1_best_threshold"] = best
    return {k: (round(float(v), 4) if v is not None else None) for k, v in out.items()}
