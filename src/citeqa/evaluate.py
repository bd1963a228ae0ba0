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

`load_question_set` reads and validates a file (every problem is an `InputError` naming the file,
the line and the question), `check` compares one `Assistant.ask` result with a question's
expectations, and `run_question_set` does both for a whole set.
"""

from __future__ import annotations

import re
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
    "assistant_for",
    "check",
    "load_question_set",
    "run_question",
    "run_question_set",
    "source_matches",
]

_QUESTION_KEYS = {"id", "question", "history", "expect", "xfail"}
_EXPECT_KEYS = {"contains", "any", "regex", "not_contains", "cites", "answerable"}
_CITE_KEYS = {"source", "lines", "quote", "start", "end"}
_TOP_KEYS = {"name", "settings", "questions"}
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


@dataclass
class CheckResult:
    passed: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        return "passed" if self.passed else "; ".join(self.reasons)


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
        return InputError(f"Question set {place}{who}: {problem}.")

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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"Question set {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Question set {path} cannot be read: {e}.") from None
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
        raise InputError(f"Question set {path}{where}: not valid YAML ({' '.join(str(detail).split())}).") from None
    loader = _Loader(path, _Locator(root))
    if not isinstance(data, dict):
        raise loader.error(f"the file must be a mapping with name and questions, got {_kind(data)}")
    loader.unknown(data, _TOP_KEYS, "the file")
    if "name" not in data:
        raise loader.error("the set has no name (name: ...)")
    name = loader.text(data["name"], "name", "name")
    settings = loader.settings(data.get("settings"))
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise loader.error(f"questions must be a non-empty list, got {_kind(raw)}", "questions")
    seen: dict[str, int] = {}
    questions = tuple(loader.question(q, i, seen) for i, q in enumerate(raw))
    return QuestionSet(name=name, path=path, questions=questions, settings=settings)


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
    if reasons:
        reasons.append(f"the answer was: {_short(answer)!r}")

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
                  "error": str(e)}
        return result, CheckResult(False, [f"the pipeline failed: {e}"])
    return result, check(question, result)


def run_question_set(assistant, qset: QuestionSet) -> list[Outcome]:
    """Run every question of the set (with the set's settings overrides) in order."""
    runner = assistant_for(assistant, qset.settings)
    return [Outcome(q, *run_question(runner, q)) for q in qset.questions]
