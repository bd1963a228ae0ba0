"""Reading a YAML question set (the format is in questions.py): every problem is a SetFileError that
names the file, the line and the question."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import TypeAdapter, ValidationError

from citeqa.documents.reasons import clause
from citeqa.errors import InputError
from citeqa.evaluation.bench import load_bench_set
from citeqa.evaluation.metrics import METRICS
from citeqa.evaluation.questions import (
    CiteExpectation, Expectation, Question, QuestionSet, SetFileError, kind_of, read_set_file,
)
from citeqa.settings import Settings

_QUESTION_KEYS = {"id", "question", "history", "expect", "xfail"}
_EXPECT_KEYS = {"contains", "any", "regex", "not_contains", "cites", "answerable"}
_CITE_KEYS = {"source", "lines", "quote", "start", "end"}
_TOP_KEYS = {"name", "corpus", "collection", "settings", "thresholds", "questions"}
# What a set may change: knobs of how an answer is found, none of which can reach outside the index
# (a server URL, an API key, a folder, a model or an answerer stay the operator's: a set can be
# uploaded by anyone on the chat's Regression tab).
SET_SETTINGS = ("k", "min_score", "reader_threshold")


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


class _Fields:
    """Typed field readers whose errors name the file, the line (found by the node path) and the question."""

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
            raise self.error(f"{what} must be a non-empty text, got {kind_of(value)}", *where, qid=qid)
        return str(value)

    def texts(self, value: Any, what: str, *where: str | int, qid: str | None = None) -> tuple[str, ...]:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]  # a single item written without brackets
        if not isinstance(value, list):
            raise self.error(f"{what} must be a list of texts, got {kind_of(value)}", *where, qid=qid)
        return tuple(self.text(v, f"{what}[{i}]", *where, i, qid=qid) for i, v in enumerate(value))

    def integer(self, value: Any, what: str, *where: str | int, qid: str | None = None, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(f"{what} must be a whole number ≥ {minimum}, got {kind_of(value)}", *where, qid=qid)
        return value

    def unknown(self, data: dict, allowed: set[str], what: str, *where: str | int, qid: str | None = None) -> None:
        extra = sorted(str(k) for k in data if k not in allowed)
        if extra:
            raise self.error(
                f"{what} has unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} "
                f"(expected {', '.join(sorted(allowed))})",
                *where, extra[0], qid=qid,
            )


class _Loader(_Fields):
    """The parts of a set: its corpus, settings, thresholds, and each question with its expectations."""

    def corpus(self, value: Any) -> Path:
        """The folder of documents the set is about, relative to the set file."""
        folder = (self.path.parent / self.text(value, "corpus", "corpus")).resolve()
        if not folder.is_dir():
            raise self.error(f"corpus {value!r} is not a folder (it is read relative to the set file: {folder})", "corpus")
        return folder

    def settings(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"settings must be a mapping of citeqa settings, got {kind_of(value)}", "settings")
        fields = Settings.model_fields
        out = {}
        for key, raw in value.items():
            name = str(key)
            if name not in SET_SETTINGS:
                problem = "cannot be set by a question set" if name in fields else "is not a setting"
                raise self.error(f"settings.{name} {problem} (allowed: {', '.join(SET_SETTINGS)})", "settings", name)
            info = fields[name]
            try:
                kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
                out[name] = TypeAdapter(kind).validate_python(raw)
            except ValidationError as e:
                msg = "; ".join(err["msg"] for err in e.errors())
                raise self.error(f"settings.{name} is invalid ({msg})", "settings", name) from None
        return out

    def thresholds(self, value: Any) -> dict[str, float]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"thresholds must be a mapping of metric: bound, got {kind_of(value)}", "thresholds")
        out = {}
        for key, raw in value.items():
            name = str(key)
            if name not in METRICS:
                raise self.error(f"thresholds has unknown metric {name!r} (known: {', '.join(METRICS)})",
                                 "thresholds", name)
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise self.error(f"thresholds.{name} must be a number, got {kind_of(raw)}", "thresholds", name)
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
                f"{what} must be a mapping like {{source: ..., lines: [a, b]}}, got {kind_of(value)}", *here, qid=qid
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
            raise self.error(f"expect must be a mapping, got {kind_of(value)}", *here, qid=qid)
        self.unknown(value, _EXPECT_KEYS, "expect", *here, qid=qid)
        get = lambda key: self.texts(value[key], f"expect.{key}", *here, key, qid=qid) if key in value else ()  # noqa: E731
        contains, any_of, not_contains = get("contains"), get("any"), get("not_contains")
        regex = None
        if "regex" in value:
            regex = self.text(value["regex"], "expect.regex", *here, "regex", qid=qid)
            try:
                re.compile(regex, re.IGNORECASE)
            except re.error as e:
                raise self.error(f"expect.regex {regex!r} is not a valid regular expression ({clause(e)})", *here, "regex",
                                 qid=qid) from None
        cites_raw = value.get("cites", [])
        if isinstance(cites_raw, dict):
            cites_raw = [cites_raw]
        if not isinstance(cites_raw, list):
            raise self.error(f"expect.cites must be a list of mappings, got {kind_of(cites_raw)}", *here, "cites",
                             qid=qid)
        cites = tuple(self.cite(c, i, qid, where) for i, c in enumerate(cites_raw))
        answerable = value.get("answerable", True)
        if not isinstance(answerable, bool):
            raise self.error(f"expect.answerable must be true or false, got {kind_of(answerable)}", *here,
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
            raise self.error(f"questions[{i}] must be a mapping with id, question and expect, got {kind_of(value)}",
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


def load_question_set(path: str | Path, allow_corpus: bool = True) -> QuestionSet:
    """Read and validate a question set; any problem is an InputError naming the file, line and question.
    `allow_corpus=False` (a set someone uploaded) refuses a `corpus` before any folder is looked at."""
    path = Path(path)
    text = read_set_file(path)
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
        raise loader.error(f"the file must be a mapping with name and questions, got {kind_of(data)}")
    loader.unknown(data, _TOP_KEYS, "the file")
    if "name" not in data:
        raise loader.error("the set has no name (name: ...)")
    name = loader.text(data["name"], "name", "name")
    if "corpus" in data and not allow_corpus:
        raise loader.error("corpus cannot be set by an uploaded question set (it runs against the live index; "
                           "a set in tests/regression/ may declare one)", "corpus")
    corpus = loader.corpus(data["corpus"]) if "corpus" in data else None
    collection = loader.text(data["collection"], "collection", "collection") if "collection" in data else None
    if corpus is not None and collection is not None:
        raise loader.error("a set runs against a corpus or a collection, not both: keep one of corpus and collection",
                           "collection")
    settings = loader.settings(data.get("settings"))
    thresholds = loader.thresholds(data.get("thresholds"))
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise loader.error(f"questions must be a non-empty list, got {kind_of(raw)}", "questions")
    seen: dict[str, int] = {}
    questions = tuple(loader.question(q, i, seen) for i, q in enumerate(raw))
    return QuestionSet(name=name, path=path, questions=questions, settings=settings, thresholds=thresholds, corpus=corpus,
                       collection=collection)


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
