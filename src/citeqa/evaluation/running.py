"""Running question sets: an Assistant with a set's settings, each question asked and checked, timed."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeqa.errors import CiteqaError
from citeqa.evaluation.checking import check
from citeqa.evaluation.metrics import score_question
from citeqa.evaluation.questions import CheckResult, Outcome, Question, QuestionSet

# Settings that decide which index is read and how it was embedded: an Assistant that shares them
# can share the store and the embedding model.
_INDEX_SETTINGS = ("index_path", "chroma_url", "collection", "embedding_model")


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


def collection_assistant(assistant, collection):
    """An Assistant over `collection` (an index.catalog.Collection) of `assistant`'s index folder, with its
    other settings; it shares the embedding model."""
    from citeqa.index.catalog import Catalog

    settings = Catalog(assistant.settings).settings_for(collection)
    return assistant_for(assistant, {"collection": settings.collection, "corpus_path": settings.corpus_path})


def ask_each(runner, questions, stop: Callable[[], bool] | None = None) -> Iterator[Outcome]:
    """Ask and check `questions` in order, yielding each outcome as soon as it is checked (so a page can
    show a long run's progress). `stop()` is read before each question: once true, nothing more is asked
    (a Stop button ends the server's work with the question in hand, not at the end of the set)."""
    for question in questions:
        if stop is not None and stop():
            return
        yield Outcome(question, *run_question(runner, question))


def run_question_set(assistant, qset: QuestionSet, collections=None) -> list[Outcome]:
    """Run every question of the set (with the set's settings overrides) in order."""
    return list(ask_each(assistant_for_set(assistant, qset, collections), qset.questions))


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


def run_sets(assistant, qsets: list[QuestionSet], progress: bool = False, limit: int | None = None,
             collections=None) -> list[Run]:
    """Ask every question of every set (each set with its settings overrides), timing each ask."""
    from tqdm import tqdm

    plan = [(qs, list(qs.questions[:limit] if limit else qs.questions)) for qs in qsets]
    runs: list[Run] = []
    with tqdm(total=sum(len(qs) for _, qs in plan), desc="eval", unit="q", file=sys.stderr,
              disable=not progress, leave=False) as bar:
        for qset, questions in plan:
            runner = assistant_for_set(assistant, qset, collections)
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


def scratch_index(docs: Path, settings) -> Path:
    """A per-corpus index folder under the system temp dir, keyed on the docs folder and the settings that
    shape the index, so a second run re-uses it (ingest is incremental)."""
    import hashlib
    import tempfile

    key = "|".join([str(docs.resolve()), str(settings.embedding_model), str(settings.passage_chars),
                    str(settings.collection), str(settings.chroma_url)])
    return Path(tempfile.gettempdir()) / f"citeqa-eval-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def assistant_for_set(assistant, qset: QuestionSet, collections=None):
    """The Assistant a set runs on: over the set's own corpus when it declares one (a scratch index of
    that folder, ingested incrementally and reused between runs, so documents indexed in the live index
    cannot change the verdict), over the collection it names (`collections(name)` gives its Assistant;
    by default any collection of `assistant`'s index folder), else `assistant`; then with the set's settings."""
    if qset.collection is not None:
        if collections is None:
            from citeqa.index.catalog import Catalog

            def collections(name):
                return collection_assistant(assistant, Catalog(assistant.settings).get(name))

        return assistant_for(collections(qset.collection), qset.settings)
    if qset.corpus is None:
        return assistant_for(assistant, qset.settings)
    from citeqa.chat import Assistant

    base = assistant.settings
    settings = base.model_copy(update={"index_path": scratch_index(qset.corpus, base), "corpus_path": qset.corpus})
    own = Assistant(settings, chat_model=getattr(assistant, "_chat_model", None))
    own._embedder = getattr(assistant, "_embedder", None)  # the same model: load it once
    own.ingest([qset.corpus], progress=False)
    return assistant_for(own, qset.settings)
