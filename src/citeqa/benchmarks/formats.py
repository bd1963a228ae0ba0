"""Formats benchmark: PDF extraction speed beside embedding cost, and format parity, in one run.

    python -m citeqa.benchmarks formats [--bench DIR] [--sets squad2] [--limit N] [--speed-docs 10] [--json out.json]

Speed: the first --speed-docs COVID-QA papers rendered as two-column PDFs are read by citeqa's PDF reader
(pypdfium2; pypdf's plain text extraction beside it when installed, for the choice of library), and the
same text as read is embedded as ingest embeds it (its sentences); pages per second and the share of
ingest that extraction takes. A page render for the citation panel is timed too.

Parity: each set's development documents are rendered into PDF (one and two columns), HTML (with
navigation, a cookie banner and a footer around the article) and DOCX (render.py), each version is
ingested into its own index and asked the same questions. Gold spans are matched by their text in each
format's text as read (the occurrence nearest the gold's relative position). Retrieval hit@5 and citation
correctness per format are printed beside plain text's, with the difference.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from citeqa.benchmarks.quality import _default_bench, _docs_for, load_questions, run_citeqa
from citeqa.benchmarks.render import FORMATS, SUFFIX, render

PARITY_TOLERANCE = 0.02


def _nfkc(text: str) -> tuple[str, list[int]]:
    """NFKC-normalised text (ligatures such as "ﬂ" become "fl", as a PDF's text layer gives them) and,
    per normalised character, its offset in the original."""
    out, back = [], []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        out.append(norm)
        back.extend([i] * len(norm))
    back.append(len(text))
    return "".join(out), back


def map_gold(orig: str, read: str, start: int, end: int) -> tuple[int, int] | None:
    """Where orig[start:end] is in the text as read: the same words (NFKC-normalised; a word ending in a
    hyphen may run into the next, as a line-end hyphen is read), nearest the gold's relative position."""
    words = unicodedata.normalize("NFKC", orig[start:end]).split()
    if not words:
        return None
    parts = []
    for k, word in enumerate(words):
        if k:
            parts.append(r"\s*" if words[k - 1].endswith("-") else r"\s+")
        # A hyphen that ended a line may be gone from the text as read ("except-" / "ing" -> "excepting").
        parts.append(re.escape(word[:-1]) + "-?" if word.endswith("-") and k < len(words) - 1 else re.escape(word))
    norm, back = _nfkc(read)
    expected = start * len(norm) / max(len(orig), 1)
    best = min(re.finditer("".join(parts), norm), key=lambda m: abs(m.start() - expected), default=None)
    return (back[best.start()], back[best.end() - 1] + 1) if best else None


def format_questions(questions: list[dict], src_docs: Path, fmt_docs: Path, fmt: str) -> tuple[list[dict], int]:
    from citeqa.documents.registry import read_document

    texts: dict[str, tuple[str, str]] = {}
    out, unmapped = [], 0
    for q in questions:
        gold = []
        for g in q["gold"]:
            name = Path(g["doc"]).stem + SUFFIX[fmt]
            if name not in texts:
                texts[name] = ((src_docs / g["doc"]).read_text(encoding="utf-8"), read_document(fmt_docs / name).text)
            span = map_gold(*texts[name], g["start"], g["end"])
            if span is None:
                unmapped += 1
            else:
                gold.append({"doc": name, "start": span[0], "end": span[1]})
        out.append(q | {"gold": gold})
    return out, unmapped


def parity(folder: Path, limit: int | None, work: Path, formats: list[str]) -> list[dict]:
    from citeqa.documents.registry import read_document

    questions = load_questions(folder, limit)
    src = _docs_for(folder, questions, limit)
    rows = []
    for fmt in formats:
        fmt_docs = work / folder.name / fmt
        for doc in sorted(src.glob("*.txt")):
            render(doc, fmt, fmt_docs)
        same = sum(
            " ".join(read_document(p).text.split()) == " ".join(p2.read_text(encoding="utf-8").split())
            for p2 in sorted(src.glob("*.txt"))
            for p in [fmt_docs / (p2.stem + SUFFIX[fmt])]
        )
        qs, unmapped = format_questions(questions, src, fmt_docs, fmt)
        started = time.perf_counter()
        m, _ = run_citeqa(fmt_docs, qs, work / "index" / f"{folder.name}-{fmt}-{limit or 'all'}")
        rows.append({"set": folder.name, "format": fmt, "documents": len(list(src.glob("*.txt"))), "same text": same,
                     "unmapped gold": unmapped, "passages": m["passages"], "hit@5": m["hit@5"],
                     "citation correct": m["citation correct"], "answer hit": m["answer hit"],
                     "ingest s": m["ingest s"], "run s": time.perf_counter() - started})
        r = rows[-1]
        print(f"  {folder.name} {fmt:<5} hit@5 {r['hit@5']:.3f}  citation correct {r['citation correct']:.3f}  "
              f"({r['same text']}/{r['documents']} texts as read equal the plain text, {r['run s']:.0f} s)", flush=True)
    return rows


def speed(folder: Path, n_docs: int, work: Path) -> dict:
    import pypdfium2 as pdfium

    from citeqa.app.pdfview import _CACHE, render_page
    from citeqa.documents.chunking import split_document
    from citeqa.documents.registry import read_document
    from citeqa.index.embedders import Embedder
    from citeqa.settings import load_settings

    sources = sorted((folder / "docs").glob("*.txt"))[:n_docs]
    pdfs = [render(p, "pdf2", work / "speed") for p in sources]
    pages = 0
    for p in pdfs:
        pdf = pdfium.PdfDocument(str(p))
        pages += len(pdf)
        pdf.close()
    started = time.perf_counter()
    docs = [read_document(p) for p in pdfs]
    extract_s = time.perf_counter() - started
    out = {"documents": len(pdfs), "pages": pages, "characters": sum(len(d.text) for d in docs),
           "extract s": extract_s, "pages/s": pages / extract_s}
    started = time.perf_counter()
    for p in pdfs:  # pdfium's own plain text, no boxes or reading order: what the per-glyph work costs
        pdf = pdfium.PdfDocument(str(p))
        for page in pdf:
            page.get_textpage().get_text_range()
        pdf.close()
    out["pdfium text only pages/s"] = pages / (time.perf_counter() - started)
    try:
        import pypdf

        started = time.perf_counter()
        for p in pdfs:
            "".join(page.extract_text() or "" for page in pypdf.PdfReader(str(p)).pages)
        out["pypdf pages/s"] = pages / (time.perf_counter() - started)
    except ImportError:
        pass
    sentences = list(dict.fromkeys(ps.sentence_text(s, e) for d in docs for ps in split_document(d) for s, e in ps.sentences))
    embedder = Embedder(load_settings().embedding_model)
    embedder.encode(sentences[:32])  # load and warm the model first: the figure is the steady cost
    started = time.perf_counter()
    embedder.encode(sentences)
    out["embed s"] = time.perf_counter() - started
    out["extraction share of ingest"] = extract_s / (extract_s + out["embed s"])
    times = []
    for k in range(min(20, pages)):
        _CACHE.clear()
        page = render_page(pdfs[0], k % max(1, len(pdfium.PdfDocument(str(pdfs[0])))) + 1)
        times.append(page.seconds)
    out["render ms median"] = 1000 * statistics.median(times)
    out["render ms max"] = 1000 * max(times)
    return out


def main(argv: list[str] | None = None) -> int:
    import citeqa  # noqa: F401  (offline environment)

    parser = argparse.ArgumentParser(prog="python -m citeqa.benchmarks formats", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=None, help="folder holding squad2/ and covidqa/ (default: ../shared/bench)")
    parser.add_argument("--sets", default="squad2")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--limit", type=int, default=None, help="first N questions only (and only their documents)")
    parser.add_argument("--speed-docs", type=int, default=10, help="COVID-QA papers for the speed figures (0: skip)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "citeqa-bench-formats")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    bench = args.bench or _default_bench()
    result: dict = {}
    if not bench.is_dir():
        print(f"error: the bench folder {bench} does not exist (use --bench).", file=sys.stderr)
        return 2
    if args.speed_docs:
        s = speed(bench / "covidqa", args.speed_docs, args.work)
        result["speed"] = s
        print(f"PDF extraction: {s['pages']} pages ({s['documents']} two-column papers, {s['characters']} characters) "
              f"in {s['extract s']:.2f} s = {s['pages/s']:.1f} pages/s"
              + f" (pdfium plain text without boxes: {s['pdfium text only pages/s']:.0f} pages/s"
              + (f"; pypdf plain text: {s['pypdf pages/s']:.1f} pages/s)" if "pypdf pages/s" in s else ")"))
        print(f"embedding the same text: {s['embed s']:.1f} s; extraction is {100 * s['extraction share of ingest']:.1f}% of the two")
        print(f"page render for the panel: median {s['render ms median']:.0f} ms, max {s['render ms max']:.0f} ms", flush=True)
    rows = []
    for name in [x.strip() for x in args.sets.split(",") if x.strip()]:
        folder = bench / name
        if not (folder / "questions.jsonl").is_file():
            print(f"error: {folder}/questions.jsonl not found (use --bench).", file=sys.stderr)
            return 2
        rows += parity(folder, args.limit, args.work, [f.strip() for f in args.formats.split(",")])
    if rows:
        print("\n| set | format | texts equal to plain | passages | hit@5 | Δ | citation correct | Δ | ingest s |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            base = next((b for b in rows if b["set"] == r["set"] and b["format"] == "txt"), r)
            dh, dc = r["hit@5"] - base["hit@5"], r["citation correct"] - base["citation correct"]
            flag = "" if max(abs(dh), abs(dc)) <= PARITY_TOLERANCE else " ✗"
            print(f"| {r['set']} | {r['format']} | {r['same text']}/{r['documents']} | {r['passages']} | {r['hit@5']:.3f} | "
                  f"{dh:+.3f} | {r['citation correct']:.3f} | {dc:+.3f}{flag} | {r['ingest s']:.0f} |")
    result["parity"] = rows
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
