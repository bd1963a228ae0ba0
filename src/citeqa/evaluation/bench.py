"""Reading a bench set: JSON Lines, one question a line (`id`, `question`, `answers`, `answerable`,
`gold` character spans by document file name), mapped onto the same Question model as a YAML set."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from citeqa.evaluation.questions import CiteExpectation, Expectation, Question, QuestionSet, SetFileError, kind_of, read_set_file, short

_BENCH_KEYS = {"id", "question", "answers", "answerable", "gold"}


def load_bench_set(path: str | Path, docs: str | Path | None = None) -> QuestionSet:
    """Read and validate a bench-format JSONL set (one question a line, see the module docstring).

    With `docs`, every gold span must name a file under that folder and lie inside its text. Any problem
    is a SetFileError naming the file and the line."""
    path = Path(path)
    text = read_set_file(path)
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
                       f"got {kind_of(obj)}")
        if "id" not in obj:
            raise fail("the question has no id")
        qid = obj["id"]
        if isinstance(qid, bool) or not isinstance(qid, (str, int)) or not str(qid).strip():
            raise fail(f"id must be a non-empty text, got {kind_of(qid)}")
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
            raise fail(f"question must be a non-empty text, got {kind_of(question)}", qid)
        answers = obj.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
            raise fail(f"answers must be a list of non-empty texts, got {kind_of(answers)}", qid)
        answerable = obj.get("answerable", True)
        if not isinstance(answerable, bool):
            raise fail(f"answerable must be true or false, got {kind_of(answerable)}", qid)
        gold_raw = obj.get("gold", [])
        if not isinstance(gold_raw, list):
            raise fail(f"gold must be a list of {{doc, start, end}} spans, got {kind_of(gold_raw)}", qid)
        gold = []
        for i, g in enumerate(gold_raw):
            if not isinstance(g, dict) or set(g) != {"doc", "start", "end"}:
                raise fail(f"gold[{i}] must be {{\"doc\": file name, \"start\": int, \"end\": int}}, got "
                           f"{short(json.dumps(g), 80)}", qid)
            doc, start, end = g["doc"], g["start"], g["end"]
            if not isinstance(doc, str) or not doc.strip():
                raise fail(f"gold[{i}].doc must be a file name, got {kind_of(doc)}", qid)
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
