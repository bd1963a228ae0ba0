"""Question sets: questions with expected answers and citations, checked against the pipeline.

A question set is a YAML file::

    name: seed article
    settings: {k: 8}                 # optional citeqa settings overrides for this set
    questions:
      - id: convention-where
        question: Where did Thailand sign the UN cybercrime convention?
        history: []                   # optional earlier questions, oldest first
        expect:
          contains: [Hanoi]           # every one must appear in the answer
          any: [Hanoi, Viet Nam]      # at least one must appear
          regex: 'Ha\\s*noi'          # must match somewhere in the answer
          not_contains: [Bangkok]     # none may appear
          cites:                      # each must overlap some citation of the answer
            - {source: seeds/x.txt, lines: [7, 7]}
            - {source: x.txt, quote: "in Hanoi"}
            - {source: seeds/x.txt, start: 1213, end: 1485}
          answerable: true            # false: the answer must be a refusal that cites nothing
        xfail: "..."                  # optional: a known limitation of the pipeline, why it fails today

Text checks are case-insensitive and ignore differences in whitespace and typographic quotes
(’ matches '); `regex` is searched the same way: case-insensitively (use `(?-i:...)` to make part
of it case-sensitive) in the answer with its whitespace collapsed to single spaces. A cited source
matches an expected one when one path ends with the other, compared by whole path components, so
`x.txt`, `seeds/x.txt` and `/abs/seeds/x.txt` all match each other. Lines are 1-based and
inclusive, character spans half-open, as in citations; a citation marked unsupported does not count.
An answerable question that is refused fails with that one reason; `answerable: false` cannot be
combined with contains, any, regex or cites (only not_contains).

A set may also carry `thresholds` (the exit code of `citeqa eval`, below)::

    thresholds: {pass_rate: 0.9, citation_recall: 0.8, latency_p95: 2.0}

Bench sets (`citeqa eval bench/squad2/questions.jsonl --docs bench/squad2/docs`) are JSON Lines, one
question a line: `{"id", "question", "answers": [...], "answerable": bool, "gold": [{"doc", "start",
"end"}]}`. Each maps to the same model: `answers` become `any` (one must appear, case-insensitive),
the `gold` spans become character-span `cites` that are alternatives (one overlapping citation is
enough; `doc` is matched by file name), and `answerable: false` must refuse and cite nothing. With
`--docs` every gold span is checked to lie inside its document. The set is named after its folder.

This module holds the model of a set (its data classes) and how sources and texts are compared.
loader.py reads YAML sets and bench.py JSONL ones (every problem is a `SetFileError` naming the file,
the line and the question); checking.py compares one `Assistant.ask` result with a question's
expectations; running.py asks a set's questions; metrics.py, reports.py and command.py make `citeqa eval`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from citeqa.documents.places import citation_place, lines
from citeqa.documents.reasons import clause
from citeqa.errors import InputError

# -- data classes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CiteExpectation:
    """A span some citation of the answer must overlap: one of `lines`, `quote` or `start`/`end` is set."""

    source: str
    lines: tuple[int, int] | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None

    def describe(self) -> str:
        """The expected span as a reason reads it, e.g. "lines 7-7" or "chars 1213-1485"."""
        if self.lines is not None:
            return f"lines {self.lines[0]}-{self.lines[1]}"
        if self.quote is not None:
            return f"a passage quoting {short(self.quote)!r}"
        return f"chars {self.start}-{self.end}"

    def matches(self, citation: dict) -> bool:
        """Same source and an overlapping line range, character span or quote."""
        if not source_matches(self.source, str(citation.get("source", ""))):
            return False
        if self.lines is not None:
            a, b = self.lines
            ls, le = citation.get("line_start"), citation.get("line_end")
            return isinstance(ls, int) and isinstance(le, int) and ls <= b and le >= a
        if self.quote is not None:
            want, got = norm(self.quote), norm(str(citation.get("quote", "")))
            return bool(got) and (want in got or got in want)
        cs, ce = citation.get("start"), citation.get("end")
        return isinstance(cs, int) and isinstance(ce, int) and cs < self.end and ce > self.start


@dataclass(frozen=True)
class Expectation:
    contains: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    regex: str | None = None
    not_contains: tuple[str, ...] = ()
    cites: tuple[CiteExpectation, ...] = ()
    answerable: bool = True
    cites_any: bool = False  # bench gold spans are alternatives: one overlapped citation is enough


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    history: tuple[str, ...] = ()
    expect: Expectation = field(default_factory=Expectation)
    line: int | None = None  # where the question starts in its file (1-based), for messages
    xfail: str | None = None  # a known pipeline limitation: the question is expected to fail, and why


@dataclass(frozen=True)
class QuestionSet:
    name: str
    path: Path
    questions: tuple[Question, ...]
    settings: dict[str, Any] = field(default_factory=dict)  # validated citeqa settings overrides
    thresholds: dict[str, float] = field(default_factory=dict)  # metric name -> bound (see citeqa.evaluation.metrics)
    format: str = "yaml"  # "yaml" or "bench" (JSONL)
    corpus: Path | None = None  # the documents the set is about: run in an index of its own, not the live one
    collection: str | None = None  # the collection it is about (by name): run against it, whatever else is chosen


@dataclass
class CheckResult:
    passed: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        return "passed" if self.passed else "; ".join(self.reasons)


class SetFileError(InputError):
    """A question set that cannot be used: `file`, `line` (or None) and `detail` for `FILE:LINE: detail`."""

    def __init__(self, message: str, file: Path | str, line: int | None, detail: str):
        super().__init__(message)
        self.file, self.line, self.detail = str(file), line, detail

    def location(self) -> str:
        """`FILE:LINE: detail` (or `FILE: detail`), the form `citeqa eval` prints."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.detail.rstrip('.')}"


class Outcome(NamedTuple):
    """One question run: the question, the `Assistant.ask` dict and the verdict."""

    question: Question
    result: dict
    check: CheckResult


# -- text and source matching -----------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "\u00a0": " "})


def plain(text: str) -> str:
    """Whitespace collapsed, typographic quotes made plain."""
    return " ".join(text.translate(_QUOTES).split())


def norm(text: str) -> str:
    return plain(text).casefold()


def short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parts(path: str) -> tuple[str, ...]:
    parts = PurePosixPath(path.strip().replace("\\", "/")).parts
    return tuple(p for p in parts if p not in (".", "/"))


def source_matches(expected: str, cited: str) -> bool:
    """True when one path ends with the other, whole components compared (`x.txt` ~ `seeds/x.txt`)."""
    a, b = _parts(expected), _parts(cited)
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[-n:] == b[-n:]


def cite_label(c: dict, with_lines: bool = False) -> str:
    """A citation named as `citeqa ask` names it (`x.pdf p.3`, `x.txt:7-7`); `with_lines` adds the lines
    of one named by page or section, for a reason that compares it with expected lines."""
    place = citation_place(c)
    return place if not with_lines or place.endswith(f":{lines(c)}") else f"{place} (lines {lines(c)})"


def short_cite_label(c: dict) -> str:
    """`file.txt:7-7`, `report.pdf p.3`: a citation with its source cut to the file name, for tables."""
    return citation_place(c, short=True)


def kind_of(value: Any) -> str:
    """What a value is, as an error message names it ("a mapping", "int 3", "nothing")."""
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return f"{type(value).__name__} {short(repr(value), 60)}"


def read_set_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetFileError(f"Question set {path} does not exist.", path, None, "the file does not exist") from None
    except IsADirectoryError:
        raise SetFileError(f"Question set {path} is a folder, not a file.", path, None,
                           "is a folder, not a question set file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SetFileError(f"Question set {path} cannot be read: {clause(e)}.", path, None, f"cannot be read ({clause(e)})") from None
