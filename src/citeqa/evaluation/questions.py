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

`load_question_set` reads and validates a YAML file, `load_bench_set` a JSONL one, `load_set` either
by suffix (every problem is a `SetFileError`, an `InputError` naming the file, the line and the
question), `check` compares one `Assistant.ask` result with a question's expectations, and
`run_question_set` does both for a whole set.

Metrics (`citeqa.metrics`; each is a mean over the questions that count for it, reported with that
count n; "expected spans" are a question's `cites`, or a bench question's `gold`):

- pass rate: questions whose every expectation holds / all questions (xfail questions included).
- answer hit: answerable questions with contains/any/regex (bench: `answers`) whose answer is not a
  refusal and satisfies contains, any and regex (and not_contains).
- citation precision: per answerable question with expected spans that cites something, the share of
  its citations that overlap an expected span (an unsupported citation never does).
- citation recall: per answerable question with expected spans, the share of expected spans overlapped
  by some supported citation (bench gold spans are alternatives of one span: 0 or 1).
- retrieval hit@1 / @5 / @k, MRR: per answerable question with expected spans, whether one of the
  top 1 / 5 / k retrieved `passages` overlaps an expected span (`lines` and `start`/`end` by range
  overlap, `quote` when the passage text contains it), and 1/rank of the first such passage (0 if none).
- refusal accuracy: unanswerable questions answered with a refusal that cites nothing.
- false refusals: answerable questions that were refused (lower is better).
- latency p50 / p95: nearest-rank percentiles of the seconds spent in `Assistant.ask` per question,
  after the models are loaded.

`citeqa eval` exit code: 2 for a bad set file (`error: FILE:LINE: ...`), otherwise 0 when every
threshold holds and 1 when one does not. A set's `thresholds` apply to that set's metrics (rates are
minimums, `false_refusal_rate` and `latency_*` maximums; a metric no question counts for fails);
`--fail-under RATE` applies to the pass rate of the whole run; with neither, every question of the set
must pass except those marked xfail, as under pytest.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Annotated, NamedTuple

import yaml

from citeqa.errors import CiteqaError, InputError

__all__ = [
    "CheckResult",
    "CiteExpectation",
    "Expectation",
    "Outcome",
    "Question",
    "QuestionSet",
    "SetFileError",
    "assistant_for",
    "check",
    "eval_command",
    "load_bench_set",
    "load_question_set",
    "load_set",
    "run_question",
    "run_question_set",
    "source_matches",
]

_QUESTION_KEYS = {"id", "question", "history", "expect", "xfail"}
_EXPECT_KEYS = {"contains", "any", "regex", "not_contains", "cites", "answerable"}
_CITE_KEYS = {"source", "lines", "quote", "start", "end"}
_TOP_KEYS = {"name", "settings", "thresholds", "questions"}
_BENCH_KEYS = {"id", "question", "answers", "answerable", "gold"}
# Settings that decide which index is read and how it was embedded: an Assistant that shares them
# can share the store and the embedding model.
_INDEX_SETTINGS = ("index_path", "chroma_url", "collection", "embedding_model")


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
            return f"a passage quoting {_short(self.quote)!r}"
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
            want, got = _norm(self.quote), _norm(str(citation.get("quote", "")))
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
    thresholds: dict[str, float] = field(default_factory=dict)  # metric name -> bound (see citeqa.metrics)
    format: str = "yaml"  # "yaml" or "bench" (JSONL)


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


def _plain(text: str) -> str:
    """Whitespace collapsed, typographic quotes made plain."""
    return " ".join(text.translate(_QUOTES).split())


def _norm(text: str) -> str:
    return _plain(text).casefold()


def _short(text: str, limit: int = 160) -> str:
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


def _cite_label(c: dict) -> str:
    return f"{c.get('source', '?')}:{c.get('line_start', '?')}-{c.get('line_end', '?')}"


# -- loading ----------------------------------------------------------------------------------------


class _Locator:
    """Line numbers of the nodes of a YAML document, looked up by the path of keys and indexes."""

    def __init__(self, root: yaml.Node | None):
        self.root = root

    def line(self, *path: str | int) -> int | None:
        node, line = self.root, None
        for step in path:
            if node is None:
                break
            line = node.start_mark.line + 1
            node = self._child(node, step)
        if node is not None:
            line = node.start_mark.line + 1
        return line

    @staticmethod
    def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            return node.value[step] if 0 <= step < len(node.value) else None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                    return value
        return None


class _Loader:
    def __init__(self, path: Path, locator: _Locator):
        self.path = path
        self.loc = locator

    def error(self, problem: str, *where: str | int, qid: str | None = None) -> InputError:
        line = self.loc.line(*where)
        place = f"{self.path}, line {line}" if line else str(self.path)
        who = f", question {qid!r}" if qid else ""
        detail = f"question {qid!r}: {problem}" if qid else problem
        return SetFileError(f"Question set {place}{who}: {problem}.", self.path, line, detail)

    # field readers: `where` is the node path, used for the line number
    def text(self, value: Any, what: str, *where: str | int, qid: str | None = None) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            raise self.error(f"{what} must be a non-empty text, got {_kind(value)}", *where, qid=qid)
        return str(value)

    def texts(self, value: Any, what: str, *where: str | int, qid: str | None = None) -> tuple[str, ...]:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]  # a single item written without brackets
        if not isinstance(value, list):
            raise self.error(f"{what} must be a list of texts, got {_kind(value)}", *where, qid=qid)
        return tuple(self.text(v, f"{what}[{i}]", *where, i, qid=qid) for i, v in enumerate(value))

    def integer(self, value: Any, what: str, *where: str | int, qid: str | None = None, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(f"{what} must be a whole number ≥ {minimum}, got {_kind(value)}", *where, qid=qid)
        return value

    def unknown(self, data: dict, allowed: set[str], what: str, *where: str | int, qid: str | None = None) -> None:
        extra = sorted(str(k) for k in data if k not in allowed)
        if extra:
            raise self.error(
                f"{what} has unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} "
                f"(expected {', '.join(sorted(allowed))})",
                *where, extra[0], qid=qid,
            )

    def settings(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"settings must be a mapping of citeqa settings, got {_kind(value)}", "settings")
        from pydantic import TypeAdapter, ValidationError

        from citeqa.settings import Settings

        fields = Settings.model_fields
        out = {}
        for key, raw in value.items():
            if key not in fields:
                raise self.error(
                    f"settings has unknown setting {key!r} (known: {', '.join(fields)})", "settings", str(key)
                )
            info = fields[key]
            try:
                out[key] = TypeAdapter(Annotated[info.annotation, *info.metadata]).validate_python(raw)
            except ValidationError as e:
                msg = "; ".join(err["msg"] for err in e.errors())
                raise self.error(f"settings.{key} is invalid ({msg})", "settings", key) from None
        return out

    def thresholds(self, value: Any) -> dict[str, float]:
        from citeqa.metrics import METRICS

        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"thresholds must be a mapping of metric: bound, got {_kind(value)}", "thresholds")
        out = {}
        for key, raw in value.items():
            name = str(key)
            if name not in METRICS:
                raise self.error(f"thresholds has unknown metric {name!r} (known: {', '.join(METRICS)})",
                                 "thresholds", name)
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise self.error(f"thresholds.{name} must be a number, got {_kind(raw)}", "thresholds", name)
            if METRICS[name].unit == "s":
                if raw <= 0:
                    raise self.error(f"thresholds.{name} must be a number of seconds > 0, got {raw}",
                                     "thresholds", name)
            elif not 0 <= raw <= 1:
                raise self.error(f"thresholds.{name} must be a rate between 0 and 1, got {raw}", "thresholds", name)
            out[name] = float(raw)
        return out

    def cite(self, value: Any, i: int, qid: str, where: tuple) -> CiteExpectation:
        what = f"expect.cites[{i}]"
        here = (*where, "expect", "cites", i)
        if not isinstance(value, dict):
            raise self.error(
                f"{what} must be a mapping like {{source: ..., lines: [a, b]}}, got {_kind(value)}", *here, qid=qid
            )
        self.unknown(value, _CITE_KEYS, what, *here, qid=qid)
        if "source" not in value:
            raise self.error(f"{what} needs a source (a document path or file name)", *here, qid=qid)
        source = self.text(value["source"], f"{what}.source", *here, "source", qid=qid)
        forms = [f for f in ("lines", "quote", "start") if f in value]
        if "end" in value and "start" not in value:
            raise self.error(f"{what} has end without start", *here, "end", qid=qid)
        if len(forms) != 1:
            raise self.error(
                f"{what} needs exactly one of lines: [a, b], quote: \"...\" or start/end"
                + (f", got {' and '.join(forms)}" if forms else ""),
                *here, qid=qid,
            )
        if "lines" in value:
            lines = value["lines"]
            if isinstance(lines, int) and not isinstance(lines, bool):
                lines = [lines, lines]
            if (
                not isinstance(lines, list)
                or len(lines) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in lines)
                or lines[0] > lines[1]
            ):
                raise self.error(
                    f"{what}.lines must be [first, last] line numbers (1-based, first ≤ last), got {lines!r}",
                    *here, "lines", qid=qid,
                )
            return CiteExpectation(source, lines=(lines[0], lines[1]))
        if "quote" in value:
            return CiteExpectation(source, quote=self.text(value["quote"], f"{what}.quote", *here, "quote", qid=qid))
        if "end" not in value:
            raise self.error(f"{what} has start without end", *here, "start", qid=qid)
        start = self.integer(value["start"], f"{what}.start", *here, "start", qid=qid)
        end = self.integer(value["end"], f"{what}.end", *here, "end", qid=qid)
        if end <= start:
            raise self.error(f"{what} has end {end} not after start {start}", *here, "end", qid=qid)
        return CiteExpectation(source, start=start, end=end)

    def expect(self, value: Any, qid: str, where: tuple) -> Expectation:
        here = (*where, "expect")
        if value is None:
            raise self.error(
                "expect is missing: say what the answer must contain or cite, or answerable: false", *where, qid=qid
            )
        if not isinstance(value, dict):
            raise self.error(f"expect must be a mapping, got {_kind(value)}", *here, qid=qid)
        self.unknown(value, _EXPECT_KEYS, "expect", *here, qid=qid)
        get = lambda key: self.texts(value[key], f"expect.{key}", *here, key, qid=qid) if key in value else ()  # noqa: E731
        contains, any_of, not_contains = get("contains"), get("any"), get("not_contains")
        regex = None
        if "regex" in value:
            regex = self.text(value["regex"], "expect.regex", *here, "regex", qid=qid)
            try:
                re.compile(regex, re.IGNORECASE)
            except re.error as e:
                raise self.error(f"expect.regex {regex!r} is not a valid regular expression ({e})", *here, "regex",
                                 qid=qid) from None
        cites_raw = value.get("cites", [])
        if isinstance(cites_raw, dict):
            cites_raw = [cites_raw]
        if not isinstance(cites_raw, list):
            raise self.error(f"expect.cites must be a list of mappings, got {_kind(cites_raw)}", *here, "cites",
                             qid=qid)
        cites = tuple(self.cite(c, i, qid, where) for i, c in enumerate(cites_raw))
        answerable = value.get("answerable", True)
        if not isinstance(answerable, bool):
            raise self.error(f"expect.answerable must be true or false, got {_kind(answerable)}", *here,
                             "answerable", qid=qid)
        if not answerable:
            clash = [k for k in ("contains", "any", "regex", "cites") if value.get(k)]
            if clash:
                raise self.error(
                    f"expect.answerable is false (a refusal citing nothing) but expect also has {', '.join(clash)}",
                    *here, clash[0], qid=qid,
                )
        elif not (contains or any_of or regex or not_contains or cites):
            raise self.error(
                "expect checks nothing: give contains, any, regex, not_contains or cites (or answerable: false)",
                *here, qid=qid,
            )
        return Expectation(contains, any_of, regex, not_contains, cites, answerable)

    def question(self, value: Any, i: int, seen: dict[str, int]) -> Question:
        where = ("questions", i)
        if not isinstance(value, dict):
            raise self.error(f"questions[{i}] must be a mapping with id, question and expect, got {_kind(value)}",
                             *where)
        if "id" not in value:
            raise self.error(f"questions[{i}] has no id", *where)
        qid = self.text(value["id"], "id", *where, "id")
        if qid in seen:
            raise self.error(f"the id is used twice (first at line {seen[qid]})", *where, "id", qid=qid)
        seen[qid] = self.loc.line(*where) or 0
        self.unknown(value, _QUESTION_KEYS, "the question", *where, qid=qid)
        if "question" not in value:
            raise self.error("the question text is missing (question: ...)", *where, qid=qid)
        text = self.text(value["question"], "question", *where, "question", qid=qid)
        history = self.texts(value["history"], "history", *where, "history", qid=qid) if value.get("history") else ()
        expect = self.expect(value.get("expect"), qid, where)
        xfail = self.text(value["xfail"], "xfail", *where, "xfail", qid=qid) if "xfail" in value else None
        return Question(qid, text, history, expect, self.loc.line(*where), xfail)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return f"{type(value).__name__} {_short(repr(value), 60)}"


def load_question_set(path: str | Path) -> QuestionSet:
    """Read and validate a question set; any problem is an InputError naming the file, line and question."""
    path = Path(path)
    text = _read_set(path)
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and cmark is not None and mark is not None and cmark.line != mark.line:
            context = f"{context} that starts at line {cmark.line + 1}"
        detail = f"{context}: {problem}" if context else problem
        detail = f"not valid YAML ({' '.join(str(detail).split())})"
        raise SetFileError(
            f"Question set {path}{where}: {detail}.", path, mark.line + 1 if mark else None,
            f"column {mark.column + 1}: {detail}" if mark else detail,
        ) from None
    loader = _Loader(path, _Locator(root))
    if not isinstance(data, dict):
        raise loader.error(f"the file must be a mapping with name and questions, got {_kind(data)}")
    loader.unknown(data, _TOP_KEYS, "the file")
    if "name" not in data:
        raise loader.error("the set has no name (name: ...)")
    name = loader.text(data["name"], "name", "name")
    settings = loader.settings(data.get("settings"))
    thresholds = loader.thresholds(data.get("thresholds"))
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise loader.error(f"questions must be a non-empty list, got {_kind(raw)}", "questions")
    seen: dict[str, int] = {}
    questions = tuple(loader.question(q, i, seen) for i, q in enumerate(raw))
    return QuestionSet(name=name, path=path, questions=questions, settings=settings, thresholds=thresholds)


def _read_set(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetFileError(f"Question set {path} does not exist.", path, None, "the file does not exist") from None
    except IsADirectoryError:
        raise SetFileError(f"Question set {path} is a folder, not a file.", path, None,
                           "is a folder, not a question set file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SetFileError(f"Question set {path} cannot be read: {e}.", path, None, f"cannot be read ({e})") from None


def load_bench_set(path: str | Path, docs: str | Path | None = None) -> QuestionSet:
    """Read and validate a bench-format JSONL set (one question a line, see the module docstring).

    With `docs`, every gold span must name a file under that folder and lie inside its text. Any problem
    is a SetFileError naming the file and the line."""
    path = Path(path)
    text = _read_set(path)
    docs_dir = Path(docs) if docs is not None else None
    doc_cache: dict[str, str | None] = {}

    def doc_text(name: str) -> str | None:
        if name not in doc_cache:
            hit = docs_dir / name
            if not hit.is_file():
                hit = next((f for f in docs_dir.rglob(PurePosixPath(name).name) if f.is_file()), None)
            try:
                doc_cache[name] = hit.read_text(encoding="utf-8") if hit else None
            except (OSError, UnicodeDecodeError):
                doc_cache[name] = None
        return doc_cache[name]

    questions: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue

        def fail(problem: str, qid: str | None = None) -> SetFileError:
            who = f", question {qid!r}" if qid else ""
            detail = f"question {qid!r}: {problem}" if qid else problem
            return SetFileError(f"Question set {path}, line {lineno}{who}: {problem}.", path, lineno, detail)

        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise fail(f"not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise fail(f"each line must be a JSON object with id, question, answers, answerable and gold, "
                       f"got {_kind(obj)}")
        if "id" not in obj:
            raise fail("the question has no id")
        qid = obj["id"]
        if isinstance(qid, bool) or not isinstance(qid, (str, int)) or not str(qid).strip():
            raise fail(f"id must be a non-empty text, got {_kind(qid)}")
        qid = str(qid)
        if qid in seen:
            raise fail(f"the id is used twice (first at line {seen[qid]})", qid)
        seen[qid] = lineno
        extra = sorted(k for k in obj if k not in _BENCH_KEYS)
        if extra:
            raise fail(f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} "
                       f"(expected {', '.join(sorted(_BENCH_KEYS))})", qid)
        question = obj.get("question")
        if not isinstance(question, str) or not question.strip():
            raise fail(f"question must be a non-empty text, got {_kind(question)}", qid)
        answers = obj.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
            raise fail(f"answers must be a list of non-empty texts, got {_kind(answers)}", qid)
        answerable = obj.get("answerable", True)
        if not isinstance(answerable, bool):
            raise fail(f"answerable must be true or false, got {_kind(answerable)}", qid)
        gold_raw = obj.get("gold", [])
        if not isinstance(gold_raw, list):
            raise fail(f"gold must be a list of {{doc, start, end}} spans, got {_kind(gold_raw)}", qid)
        gold = []
        for i, g in enumerate(gold_raw):
            if not isinstance(g, dict) or set(g) != {"doc", "start", "end"}:
                raise fail(f"gold[{i}] must be {{\"doc\": file name, \"start\": int, \"end\": int}}, got "
                           f"{_short(json.dumps(g), 80)}", qid)
            doc, start, end = g["doc"], g["start"], g["end"]
            if not isinstance(doc, str) or not doc.strip():
                raise fail(f"gold[{i}].doc must be a file name, got {_kind(doc)}", qid)
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in (start, end)) or end <= start:
                raise fail(f"gold[{i}] must have whole numbers 0 <= start < end, got start {start!r}, end {end!r}",
                           qid)
            if docs_dir is not None:
                body = doc_text(doc)
                if body is None:
                    raise fail(f"gold[{i}].doc {doc!r} is not a readable file under {docs_dir}", qid)
                if end > len(body):
                    raise fail(f"gold[{i}] ends at {end}, past the end of {doc} ({len(body)} characters)", qid)
            gold.append(CiteExpectation(doc, start=start, end=end))
        if not answerable and (answers or gold):
            raise fail("answerable is false (a refusal citing nothing) but it has answers or gold spans", qid)
        if answerable and not (answers or gold):
            raise fail("an answerable question needs answers or gold spans to check", qid)
        expect = Expectation(any=tuple(answers), cites=tuple(gold), answerable=answerable, cites_any=True)
        questions.append(Question(qid, question, (), expect, lineno))
    if not questions:
        raise SetFileError(f"Question set {path} holds no questions.", path, None, "holds no questions")
    parent = path.resolve().parent.name
    name = parent if path.stem == "questions" and parent else path.stem
    return QuestionSet(name=name, path=path, questions=tuple(questions), format="bench")


def load_set(path: str | Path, docs: str | Path | None = None) -> QuestionSet:
    """A YAML question set (.yaml, .yml) or a bench JSONL set (.jsonl), by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_question_set(path)
    if suffix in (".jsonl", ".ndjson"):
        return load_bench_set(path, docs)
    raise SetFileError(f"Question set {path}: unknown format.", path, None,
                       "unknown question set format (expected a .yaml/.yml set or a bench .jsonl file)")


# -- checking ---------------------------------------------------------------------------------------


def check(question: Question, result: dict) -> CheckResult:
    """Compare one `Assistant.ask` result with the question's expectations; each failure is one reason."""
    exp = question.expect
    reasons: list[str] = []
    answer = str(result.get("answer") or "")
    refused = bool(result.get("refused"))
    citations = [c for c in result.get("citations") or [] if isinstance(c, dict)]
    if result.get("error"):
        reasons.append(f"the pipeline failed: {result['error']}")

    if not exp.answerable:
        if not refused:
            reasons.append(f"expected a refusal but answered: {_short(answer)!r}")
        if citations:
            reasons.append(f"expected no citations but cited {', '.join(map(_cite_label, citations))}")
        return CheckResult(not reasons, reasons)

    if refused:
        reasons.append(f"expected an answer but it refused: {_short(answer)!r}")
        return CheckResult(False, reasons)

    text_reasons = answer_text_reasons(exp, answer)
    reasons.extend(text_reasons)
    if text_reasons:
        reasons.append(f"the answer was: {_short(answer)!r}")

    if exp.cites_any:
        if exp.cites and not any(cite_hit(cite, citations) for cite in exp.cites):
            cited = ", ".join(map(_label, citations)) or "nothing"
            first = exp.cites[0]
            more = f" (or {len(exp.cites) - 1} other gold span{'s' if len(exp.cites) > 2 else ''})" \
                if len(exp.cites) > 1 else ""
            reasons.append(f"cited {cited} instead of {first.describe()} of {first.source}{more}")
        return CheckResult(not reasons, reasons)

    for cite in exp.cites:
        matching = [c for c in citations if cite.matches(c)]
        if any(c.get("supported", True) for c in matching):
            continue
        if matching:
            reasons.append(
                f"cited {_cite_label(matching[0])} for {cite.describe()} but the citation is marked unsupported"
            )
        elif not citations:
            reasons.append(f"cited nothing instead of {cite.describe()} of {cite.source}")
        else:
            same_source = all(source_matches(cite.source, str(c.get("source", ""))) for c in citations)
            target = cite.describe() if same_source else f"{cite.describe()} of {cite.source}"
            reasons.append(f"cited {', '.join(map(_cite_label, citations))} instead of {target}")
    return CheckResult(not reasons, reasons)


def answer_text_reasons(exp: Expectation, answer: str) -> list[str]:
    """What the answer text gets wrong against contains / any / regex / not_contains (empty: all hold)."""
    reasons = []
    text = _norm(answer)
    for want in exp.contains:
        if _norm(want) not in text:
            reasons.append(f"answer lacks {want!r}")
    if exp.any and not any(_norm(w) in text for w in exp.any):
        reasons.append(f"answer has none of {', '.join(map(repr, exp.any))}")
    if exp.regex is not None and not re.search(exp.regex, _plain(answer), re.IGNORECASE):
        reasons.append(f"answer does not match /{exp.regex}/")
    for bad in exp.not_contains:
        if _norm(bad) in text:
            reasons.append(f"answer contains {bad!r}, which it should not")
    return reasons


def cite_hit(cite: CiteExpectation, citations: list[dict]) -> bool:
    """Some supported citation overlaps the expected span."""
    return any(cite.matches(c) and c.get("supported", True) for c in citations)


# -- running ----------------------------------------------------------------------------------------


def assistant_for(assistant, settings: dict[str, Any] | None):
    """An Assistant with `settings` overrides on top of `assistant`'s settings. When the index settings
    are unchanged it shares the store and embedding model, so nothing is re-read or re-loaded."""
    if not settings:
        return assistant
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    base = assistant.settings
    merged = load_settings(**{**{n: getattr(base, n) for n in type(base).model_fields}, **settings})
    other = Assistant(merged, chat_model=getattr(assistant, "_chat_model", None))
    # Parts not built yet stay lazy: each Assistant then builds its own on first use.
    if all(getattr(merged, n) == getattr(base, n) for n in _INDEX_SETTINGS):
        other._store = getattr(assistant, "_store", None)
    if merged.embedding_model == base.embedding_model:
        other._embedder = getattr(assistant, "_embedder", None)
    return other


def run_question(assistant, question: Question) -> tuple[dict, CheckResult]:
    """Ask one question (with its history) and check the result. A citeqa error is a failed check, not a crash."""
    try:
        result = assistant.ask(question.question, history=list(question.history))
    except CiteqaError as e:
        result = {"question": question.question, "answer": "", "refused": True, "citations": [], "passages": [],
                  "answerer": getattr(getattr(assistant, "settings", None), "answerer", ""), "search_query": "",
                  "error": str(e)}
        return result, CheckResult(False, [f"the pipeline failed: {e}"])
    return result, check(question, result)


def run_question_set(assistant, qset: QuestionSet) -> list[Outcome]:
    """Run every question of the set (with the set's settings overrides) in order."""
    runner = assistant_for(assistant, qset.settings)
    return [Outcome(q, *run_question(runner, q)) for q in qset.questions]


# -- citeqa eval: run sets, report, gate --------------------------------------------------------------


@dataclass
class Run:
    """One question asked during `citeqa eval`: the outcome plus what the report needs."""

    qset: QuestionSet
    outcome: Outcome
    latency: float
    score: dict

    @property
    def status(self) -> str:
        passed, known = self.outcome.check.passed, self.outcome.question.xfail
        if known:
            return "XPASS" if passed else "XFAIL"
        return "PASS" if passed else "FAIL"


def _spans(items: list[dict]) -> list[dict]:
    keys = ("source", "start", "end", "line_start", "line_end")
    return [{k: c.get(k) for k in keys} | ({"supported": c["supported"]} if "supported" in c else {})
            for c in items if isinstance(c, dict)]


def _label(c: dict) -> str:
    return f"{PurePosixPath(str(c.get('source', '?'))).name}:{c.get('line_start', '?')}-{c.get('line_end', '?')}"


def run_sets(assistant, qsets: list[QuestionSet], progress: bool = False, limit: int | None = None) -> list[Run]:
    """Ask every question of every set (each set with its settings overrides), timing each ask."""
    import time

    from tqdm import tqdm

    from citeqa.metrics import score_question

    plan = [(qs, list(qs.questions[:limit] if limit else qs.questions)) for qs in qsets]
    runs: list[Run] = []
    with tqdm(total=sum(len(qs) for _, qs in plan), desc="eval", unit="q", file=sys.stderr,
              disable=not progress, leave=False) as bar:
        for qset, questions in plan:
            runner = assistant_for(assistant, qset.settings)
            _warm_up(runner)
            for question in questions:
                started = time.perf_counter()
                result, verdict = run_question(runner, question)
                latency = time.perf_counter() - started
                score = score_question(question, result, verdict.passed, latency)
                runs.append(Run(qset, Outcome(question, result, verdict), latency, score))
                bar.update(1)
    return runs


def _warm_up(assistant) -> None:
    """Load the models before the first timed question, so latency measures answering, not loading."""
    try:
        assistant.embedder.encode_one("warm up")
        assistant.retriever  # noqa: B018
        assistant.answerer  # noqa: B018
    except CiteqaError:
        pass  # the first question reports it


def build_report(runs: list[Run], qsets: list[QuestionSet], settings, gates: list[dict]) -> dict:
    from citeqa.metrics import aggregate

    per_set = []
    for qs in qsets:
        values, counts = aggregate(r.score for r in runs if r.qset is qs)
        per_set.append({"name": qs.name, "path": str(qs.path), "format": qs.format, "settings": _jsonable(qs.settings),
                        "thresholds": qs.thresholds, "questions": sum(r.qset is qs for r in runs),
                        "metrics": values, "counts": counts})
    values, counts = aggregate(r.score for r in runs)
    return {
        "sets": per_set,
        "settings": settings.public_dict(),
        "metrics": values,
        "counts": counts,
        "thresholds": gates,
        "passed": all(g["ok"] for g in gates),
        "results": [
            {
                "set": r.qset.name,
                "id": r.outcome.question.id,
                "question": r.outcome.question.question,
                "passed": r.outcome.check.passed,
                "status": r.status,
                "xfail": r.outcome.question.xfail,
                "reasons": r.outcome.check.reasons,
                "answer": r.outcome.result.get("answer", ""),
                "refused": bool(r.outcome.result.get("refused")),
                "cited": _spans(r.outcome.result.get("citations") or []),
                "latency": round(r.latency, 4),
            }
            for r in runs
        ],
    }


def _jsonable(d: dict) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def gate(runs: list[Run], qsets: list[QuestionSet], fail_under: float | None) -> list[dict]:
    """The thresholds that decide the exit code. A set's own `thresholds` apply to its metrics and
    --fail-under to the pass rate of the whole run; with neither, every question must pass except those
    marked xfail (as under pytest)."""
    from citeqa.metrics import aggregate, check_thresholds

    gates: list[dict] = []
    for qs in qsets:
        mine = [r for r in runs if r.qset is qs]
        if qs.thresholds:
            gates += check_thresholds(qs.thresholds, aggregate(r.score for r in mine)[0], qs.name)
        elif fail_under is None:
            bad = [r for r in mine if r.status == "FAIL"]
            text = (f"{qs.name}: every question passes (xfail aside): "
                    + ("yes" if not bad else f"FAILS: {len(bad)} failed ({', '.join(r.outcome.question.id for r in bad[:5])}"
                       + (", ..." if len(bad) > 5 else "") + ")"))
            gates.append({"scope": qs.name, "metric": "all_pass", "bound": None, "kind": "all", "value": len(bad),
                          "ok": not bad, "text": text})
    if fail_under is not None:
        gates += check_thresholds({"pass_rate": fail_under}, aggregate(r.score for r in runs)[0], "--fail-under")
    return gates


def _short_to(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def format_table(runs: list[Run], width: int = 120, only_failures: bool = False) -> str:
    """One row per question: status, [set,] id, seconds, what it cited, then the answer (passed) or the
    reasons (failed, one per line). Long text is cut to the width."""
    show_set = len({id(r.qset) for r in runs}) > 1
    rows = [r for r in runs if not only_failures or r.status in ("FAIL", "XFAIL")]
    if not rows:
        return "(no failing questions)" if only_failures else "(no questions)"
    id_w = min(36, max(2, *(len(r.outcome.question.id) for r in rows)))
    set_w = min(16, max(3, *(len(r.qset.name) for r in rows))) if show_set else 0
    cited = {id(r): ", ".join(map(_label, r.outcome.result.get("citations") or [])) or "-" for r in rows}
    cite_w = min(32, max(5, *(len(c) for c in cited.values())))
    head = ["STATUS"] + (["SET".ljust(set_w)] if show_set else []) + ["ID".ljust(id_w), "  SECS", "CITED".ljust(cite_w)]
    indent = len("  ".join(head)) + 2
    detail_w = max(30, width - indent)
    lines = ["  ".join(head) + "  ANSWER / REASONS"]
    for r in rows:
        q = r.outcome.question
        cells = [r.status.ljust(6)] + ([_short_to(r.qset.name, set_w).ljust(set_w)] if show_set else [])
        cells += [_short_to(q.id, id_w).ljust(id_w), f"{r.latency:6.2f}", _short_to(cited[id(r)], cite_w).ljust(cite_w)]
        if r.outcome.check.passed:
            details = [r.outcome.result.get("answer", "")]
        else:
            details = list(r.outcome.check.reasons) or ["failed"]
        if q.xfail:
            details.append(f"(xfail: {q.xfail})")
        details = [_shorten_sources(d, r.outcome.result) for d in details]
        lines.append("  ".join(cells) + "  " + _short_to(details[0], detail_w))
        lines.extend(" " * indent + _short_to(d, detail_w) for d in details[1:])
    return "\n".join(lines)


def _shorten_sources(text: str, result: dict) -> str:
    """A reason with the cited documents' paths cut to their file names, for the table."""
    sources = {str(c.get("source")) for c in [*(result.get("citations") or []), *(result.get("passages") or [])]
               if isinstance(c, dict) and c.get("source")}
    for src in sorted(sources, key=len, reverse=True):
        name = PurePosixPath(src).name
        if name != src:
            text = text.replace(f"{src}:", f"{name}:")
    return text


def format_metrics(report: dict) -> str:
    """Metrics as rows, one column per set (and one for the whole run when there are several sets)."""
    from citeqa.metrics import METRICS, format_metric

    columns = [(s["name"], s["metrics"], s["counts"]) for s in report["sets"]]
    if len(columns) > 1:
        columns.append(("all", report["metrics"], report["counts"]))
    cells = {name: [f"{format_metric(name, m[name]):>7}  n={c[name]:<5}" if c[name] else f"{'-':>7}" for _, m, c in columns]
             for name in METRICS}
    label_w = max(len(m.label) for m in METRICS.values())
    col_w = [max(len(title), *(len(cells[name][i]) for name in METRICS)) for i, (title, _, _) in enumerate(columns)]
    lines = ["METRIC".ljust(label_w) + "".join(f"  {title:<{w}}" for (title, _, _), w in zip(columns, col_w))]
    for name, metric in METRICS.items():
        lines.append(metric.label.ljust(label_w) + "".join(f"  {cell:<{w}}" for cell, w in zip(cells[name], col_w)))
    return "\n".join(line.rstrip() for line in lines)


def write_junit(report: dict, path: Path) -> None:
    """JUnit XML: one testsuite per set, one testcase per question (classname = set name). A failing
    question is a <failure> carrying its reasons; a failing xfail question is <skipped>."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="citeqa eval")
    totals = {"tests": 0, "failures": 0, "skipped": 0, "time": 0.0}
    for s in report["sets"]:
        results = [r for r in report["results"] if r["set"] == s["name"]]
        suite = ET.SubElement(root, "testsuite", name=s["name"], file=s["path"])
        counts = {"tests": len(results), "failures": 0, "skipped": 0, "time": sum(r["latency"] for r in results)}
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=s["name"], name=r["id"], time=f"{r['latency']:.4f}")
            if r["passed"]:
                continue
            body = "\n".join([f"question: {r['question']}", *(f"- {x}" for x in r["reasons"]),
                              f"answer: {r['answer']}"])
            if r["xfail"]:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", type="xfail", message=f"xfail: {r['xfail']}").text = body
            else:
                counts["failures"] += 1
                ET.SubElement(case, "failure", type="ExpectationFailed",
                              message="; ".join(r["reasons"]) or "failed").text = body
        suite.attrib.update({k: (f"{v:.3f}" if k == "time" else str(v)) for k, v in counts.items()}, errors="0")
        for k in totals:
            totals[k] += counts[k]
    root.attrib.update({k: (f"{v:.3f}" if k == "time" else str(v)) for k, v in totals.items()}, errors="0")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def load_report(path: Path) -> dict:
    """A report written by `citeqa eval --report`; a SetFileError when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetFileError(f"Baseline {path} does not exist.", path, None, "the baseline report does not exist") from None
    except json.JSONDecodeError as e:
        raise SetFileError(f"Baseline {path}, line {e.lineno}: not valid JSON.", path, e.lineno,
                           f"not valid JSON ({e.msg})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SetFileError(f"Baseline {path} cannot be read: {e}.", path, None, f"cannot be read ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list) or not all(
        isinstance(r, dict) and "id" in r and "passed" in r for r in data["results"]
    ):
        raise SetFileError(f"Baseline {path} is not a citeqa eval report.", path, None,
                           "not a citeqa eval report (written by citeqa eval --report)")
    return data


def compare(report: dict, baseline: dict) -> dict:
    """What changed since `baseline`, question by question (matched by set and id, or by id alone)."""
    before_by_key = {(r.get("set"), r["id"]): r for r in baseline["results"]}
    ids = [r["id"] for r in baseline["results"]]
    before_by_id = {r["id"]: r for r in baseline["results"] if ids.count(r["id"]) == 1}
    diff = {"newly_failing": [], "newly_passing": [], "citations_moved": [], "new": [], "gone": [], "metrics": {}}
    matched = set()
    span = lambda c: (PurePosixPath(str(c.get("source"))).name, c.get("start"), c.get("end"))  # noqa: E731
    for r in report["results"]:
        before = before_by_key.get((r["set"], r["id"])) or before_by_id.get(r["id"])
        if before is None:
            diff["new"].append(r["id"])
            continue
        matched.add(id(before))
        if before["passed"] and not r["passed"]:
            diff["newly_failing"].append({"id": r["id"], "set": r["set"], "reasons": r["reasons"]})
        elif not before["passed"] and r["passed"]:
            diff["newly_passing"].append({"id": r["id"], "set": r["set"]})
        old, new = before.get("cited") or [], r.get("cited") or []
        if sorted(map(span, old), key=str) != sorted(map(span, new), key=str):
            diff["citations_moved"].append({"id": r["id"], "set": r["set"], "before": ", ".join(map(_label, old)) or "nothing",
                                            "after": ", ".join(map(_label, new)) or "nothing"})
    diff["gone"] = [r["id"] for r in baseline["results"] if id(r) not in matched]
    for name, value in report["metrics"].items():
        old = (baseline.get("metrics") or {}).get(name)
        if isinstance(old, (int, float)) and value is not None and abs(value - old) > 1e-9:
            diff["metrics"][name] = (old, value)
    return diff


def format_diff(diff: dict, baseline_path: Path) -> str:
    from citeqa.metrics import format_metric

    lines = [f"Since {baseline_path}:"]
    lines.append(f"  newly failing ({len(diff['newly_failing'])})" + (":" if diff["newly_failing"] else ""))
    lines += [f"    {d['id']}: {_short_to('; '.join(d['reasons']), 140)}" for d in diff["newly_failing"]]
    lines.append(f"  newly passing ({len(diff['newly_passing'])})" + (":" if diff["newly_passing"] else ""))
    lines += [f"    {d['id']}" for d in diff["newly_passing"]]
    lines.append(f"  citations moved ({len(diff['citations_moved'])})" + (":" if diff["citations_moved"] else ""))
    moved = diff["citations_moved"]
    lines += [f"    {d['id']}: {_short_to(d['before'], 60)} -> {_short_to(d['after'], 60)}" for d in moved[:20]]
    if len(moved) > 20:
        lines.append(f"    ... and {len(moved) - 20} more (each question's cited spans are in the report)")
    if diff["new"] or diff["gone"]:
        lines.append(f"  new questions: {len(diff['new'])}; questions no longer in the run: {len(diff['gone'])}")
    for name, (old, new) in diff["metrics"].items():
        lines.append(f"  {name}: {format_metric(name, old)} -> {format_metric(name, new)} ({new - old:+.3f})")
    return "\n".join(lines)


def scratch_index(docs: Path, settings) -> Path:
    """A per-corpus index folder under the system temp dir, keyed on the docs folder and the settings that
    shape the index, so a second run re-uses it (ingest is incremental)."""
    import hashlib
    import tempfile

    key = "|".join([str(docs.resolve()), str(settings.embedding_model), str(settings.passage_chars),
                    str(settings.collection), str(settings.chroma_url)])
    return Path(tempfile.gettempdir()) / f"citeqa-eval-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


EXIT_THRESHOLDS, EXIT_BAD_SET = 1, 2


def eval_command(args, settings, index_given: bool = False) -> int:
    """`citeqa eval`: see build_parser in citeqa.cli for the flags. Returns the exit code."""
    import shutil

    from citeqa.chat import Assistant

    try:
        qsets = [load_set(p, args.docs) for p in args.sets]
        baseline = load_report(args.baseline) if args.baseline else None
    except SetFileError as e:
        print(f"error: {e.location()}", file=sys.stderr)
        return EXIT_BAD_SET
    names = [qs.name for qs in qsets]
    for qs in qsets:  # results are keyed by set name: make repeated names unique
        if names.count(qs.name) > 1:
            object.__setattr__(qs, "name", f"{qs.name} ({qs.path})")
    if args.fail_under is not None and not 0 <= args.fail_under <= 1:
        raise InputError(f"--fail-under must be a pass rate between 0 and 1, got {args.fail_under}.")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}.")

    if args.docs is not None:
        docs = Path(args.docs)
        if not docs.is_dir():
            raise InputError(f"--docs {docs} is not a folder of documents.")
        if not index_given:
            settings = settings.model_copy(update={"index_path": scratch_index(docs, settings)})
    assistant = Assistant(settings)
    if args.docs is not None:
        report = assistant.ingest([docs], progress=False if args.no_progress else None)
        for _, error in report.failed:
            print(f"skipped: {error}", file=sys.stderr)
        print(f"indexed {docs} into {settings.index_path}: {report.summary()}", flush=True)
    if assistant.store.passage_count() == 0:
        raise InputError(f"The index {settings.index_path} is empty: run `citeqa ingest`, or pass --docs DIR.")

    progress = sys.stderr.isatty() and not args.no_progress
    runs = run_sets(assistant, qsets, progress=progress, limit=args.limit)
    gates = gate(runs, qsets, args.fail_under)
    report = build_report(runs, qsets, settings, gates)

    width = max(shutil.get_terminal_size((160, 24)).columns, 100) if sys.stdout.isatty() else 160
    print(format_table(runs, width=width, only_failures=args.only_failures))
    print()
    print(format_metrics(report))
    if baseline is not None:
        print()
        print(format_diff(compare(report, baseline), args.baseline))
    print()
    for g in gates:
        print(g["text"])
    passed = sum(r.outcome.check.passed for r in runs)
    print(f"{passed}/{len(runs)} questions passed; " + ("thresholds hold" if report["passed"] else "thresholds FAIL"))

    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            for r in runs:
                f.write(json.dumps(r.outcome.result, ensure_ascii=False) + "\n")
    if args.report:
        Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.junit:
        write_junit(report, Path(args.junit))
    return 0 if report["passed"] else EXIT_THRESHOLDS
