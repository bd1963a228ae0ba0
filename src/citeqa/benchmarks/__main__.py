"""`python -m citeqa.benchmarks <name> [options]`: run one benchmark (speed, quality, load, runon, formats, collections or scaleout)."""

from __future__ import annotations

import sys

BENCHMARKS = {"speed": "citeqa.benchmarks.speed", "quality": "citeqa.benchmarks.quality", "load": "citeqa.benchmarks.load",
              "runon": "citeqa.benchmarks.runon", "formats": "citeqa.benchmarks.formats",
              "collections": "citeqa.benchmarks.scoped", "scaleout": "citeqa.benchmarks.scaleout"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in BENCHMARKS:
        print(f"usage: python -m citeqa.benchmarks {{{','.join(BENCHMARKS)}}} [options]  (--help after the name for its options)")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import importlib

    return importlib.import_module(BENCHMARKS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
