"""Assistant: the pipeline as one LangChain runnable chain, and the library's entry point.

    question (+ history) -> queries (history-aware) -> hybrid retrieval -> answerer -> citations
"""

from __future__ import annotations

import threading
from pathlib import Path

from langchain_core.runnables import Runnable, RunnableLambda

from citeqa.answering.citations import render
from citeqa.answering.scope import NAMED
from citeqa.errors import AnswererUnavailable, InputError
from citeqa.schema import Answer, source_key
from citeqa.settings import Settings, load_settings


OVERVIEW_PASSAGES = 10  # passages an overview of a topic draws from
OVERVIEW_CORPUS_PASSAGES = 60  # passages sampled for an overview of the whole corpus


def _assign(key: str, fn) -> Runnable:
    """Like RunnablePassthrough.assign, without its thread pool: each step needs the one before."""
    return RunnableLambda(lambda x: {**x, key: fn(x)}).with_config(run_name=key)


def _resolved(name: str) -> str | None:
    try:
        return str(Path(name).resolve())
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a link loop: no file of that name is indexed
        return None


class Assistant:
    def __init__(self, settings: Settings | None = None, chat_model=None):
        self.settings = settings or load_settings()
        self._chat_model = chat_model
        self._lock = threading.Lock()
        # Parts are built once even when several threads (the app's concurrent asks) ask for them first.
        self._parts_lock = threading.RLock()
        self._store = self._embedder = self._answerer = self._retriever = self._chain = None

    # Parts are built on first use: `citeqa config` and a refused question should not load a model.
    @property
    def store(self):
        if self._store is None:
            from citeqa.index.store import Store

            with self._parts_lock:
                self._store = self._store or Store(self.settings)
        return self._store

    @property
    def embedder(self):
        if self._embedder is None:
            from citeqa.index.embedders import Embedder

            with self._parts_lock:
                self._embedder = self._embedder or Embedder(self.settings.embedding_model)
        return self._embedder

    @property
    def answerer(self):
        if self._answerer is None:
            from citeqa.answering.backends import make_answerer

            with self._parts_lock:
                if self._answerer is None:
                    self._answerer = make_answerer(self.settings, self.embedder, self._chat_model)
        return self._answerer

    @property
    def retriever(self):
        if self._retriever is None:
            from citeqa.answering.retrieval import HybridRetriever

            k = self.settings.k
            with self._parts_lock:
                self._retriever = self._retriever or HybridRetriever(
                    store=self.store, embedder=self.embedder, k=k, candidates=max(6 * k, 30)
                )
        return self._retriever

    @property
    def chain(self) -> Runnable:
        """{"question": str, "history": [str]} -> Answer."""
        with self._parts_lock:
            if self._chain is None:
                self._chain = self._build_chain()
        return self._chain

    def _build_chain(self) -> Runnable:
        return (
            _assign("overview", self._overview)
            | _assign("scope", self._scope)
            | _assign("queries", self._queries)
            | _assign("passages", self._retrieve)
            | _assign("draft", self._draft)
            | RunnableLambda(self._build).with_config(run_name="citations")
        ).with_config(run_name="citeqa")

    def _overview(self, x: dict) -> str | None:
        """The topic of an overview question ("" for the whole corpus), or None for an ordinary one."""
        from citeqa.answering.overview import overview_topic

        return overview_topic(x["question"])

    def _queries(self, x: dict) -> tuple[list[str], list[float]]:
        if x.get("overview"):
            return [x["overview"]], [1.0]
        return self.answerer.queries(x["question"], x["history"])

    def _scope(self, x: dict):
        """The documents this question is asked of (answering/scope.py): chosen, named in it, or all."""
        from citeqa.answering.scope import resolve

        docs = {s: r.title for s, r in self.store.documents().items()}
        return resolve(x["question"], x.get("overview"), docs, x.get("sources"))

    def _retrieve(self, x: dict):
        scope = x["scope"]
        if scope.several:
            return []
        if x.get("overview") is not None and scope.sources is not None and len(scope.sources) <= 1:
            return [p for s in scope.sources for p in self.store.document_passages(s)]  # the document, all of it
        if x.get("overview") == "":
            return self._corpus_sample(scope.sources)
        queries, weights = x["queries"]
        k = max(self.settings.k, OVERVIEW_PASSAGES) if x.get("overview") is not None else None
        return self.retriever.search(queries, weights, k=k, sources=scope.sources)

    def _corpus_sample(self, sources: list[str] | None = None):
        """Passages spread evenly over the whole index (or the given documents), for an overview of everything."""
        ids = self.store.passage_ids()
        if sources is not None:
            keys = {source_key(s) for s in sources}
            ids = [i for i in ids if i.split("-", 1)[0] in keys]
        step = max(1, len(ids) // OVERVIEW_CORPUS_PASSAGES)
        picked = ids[::step][:OVERVIEW_CORPUS_PASSAGES]
        found = self.store.passages(picked)
        return [found[i] for i in picked if i in found]

    def _draft(self, x: dict):
        scope = x["scope"]
        if scope.several:
            from citeqa.answering.base import several_named

            return several_named(x["overview"] or (None if x["overview"] == "" else x["question"]), scope.several)
        if x.get("overview") is not None and self.answerer.name == "extractive":
            from citeqa.answering.overview import OverviewAnswerer

            overview = OverviewAnswerer(self.embedder, self.store.keyword, self.settings.min_score)
            # A document named: an overview of all of it; else of what the topic is about.
            return overview.answer(x["question"], "" if scope.why == NAMED else x["overview"], x["passages"])
        return self.answerer.answer(x["question"], x["history"], x["passages"])

    def _build(self, x: dict) -> Answer:
        draft = x["draft"]
        queries = x["queries"][0]
        text, citations = render(draft.claims) if not draft.refused else (draft.text, [])
        short = None
        if not draft.refused and draft.short is not None:
            # The citation whose quote holds the phrase (the first claim's sentence).
            home = next((c for c in citations if c.start <= draft.short.start and draft.short.end <= c.end), None)
            if home is not None:
                short = {"text": draft.short.text, "start": draft.short.start, "end": draft.short.end,
                         "citation": home.n}
        return Answer(
            question=x["question"],
            answer=text,
            refused=draft.refused,
            citations=citations,
            passages=x["passages"],
            answerer=self.answerer.name,
            search_query=queries[0] if queries else x["question"],
            short_answer=short,
            scope=x["scope"].to_dict(),
        )

    # -- public API ------------------------------------------------------------------------------
    def ingest(self, paths: list[Path | str] | None = None, progress: bool | None = None):
        from citeqa.index.ingest import ingest

        with self._lock:
            return ingest([Path(p) for p in paths] if paths else None, self.settings, self.store, self.embedder, progress)

    def validate_question(self, question) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InputError("The question is empty: type a question about the documents.")
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"The question is {len(question):,} characters long; the limit is {self.settings.max_question_chars:,}. "
                "Ask about one thing at a time."
            )
        return question.strip()

    def validate_sources(self, sources) -> list[str] | None:
        """The documents a question is limited to, as `documents()` lists them (None: all of them)."""
        if sources is None:
            return None
        if isinstance(sources, str) or not all(isinstance(s, str) for s in sources):
            raise InputError("sources must be a list of document names, as `citeqa documents` lists them.")
        unknown = sorted(set(sources) - set(self.store.documents()))
        if unknown:
            raise InputError(f"Not in the index: {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} "
                             "(`citeqa documents` lists what is).")
        return list(dict.fromkeys(sources))

    def _prepare(self, question, history, sources=None) -> dict:
        question = self.validate_question(question)
        history = [h.strip() for h in (history or []) if isinstance(h, str) and h.strip()]
        history = [h[: self.settings.max_question_chars] for h in history]
        if self.store.passage_count() == 0:
            raise InputError("The index is empty: run `citeqa ingest` (or put documents in the corpus folder) first.")
        self.store.refresh_keyword_index()
        return {"question": question, "history": history, "sources": self.validate_sources(sources)}

    def answer(self, question: str, history: list[str] | None = None, sources: list[str] | None = None) -> Answer:
        """The answer, limited to the documents `sources` names when given (as `documents()` lists them)."""
        x = self._prepare(question, history, sources)
        try:
            return self.chain.invoke(x)
        except AnswererUnavailable as e:
            return self._unanswered(x["question"], e)

    def _unanswered(self, question: str, e: AnswererUnavailable) -> Answer:
        """A backend that did not answer: its one sentence as the answer and the error, nothing cited."""
        return Answer(question, str(e), True, [], [], answerer=self.settings.answerer, error=str(e))

    def stream(self, question: str, history: list[str] | None = None, sources: list[str] | None = None):
        """Like ask, as events: ("delta", text so far) while a generative answerer writes, then
        ("result", the ask dict). The extractive answerer, which writes nothing, gives only the result.
        Markers and citations are checked on the whole answer, so deltas are the model's raw words."""
        x = self._prepare(question, history, sources)
        question, history = x["question"], x["history"]
        try:
            x["overview"] = self._overview(x)
            x["scope"] = self._scope(x)
            x["queries"] = self._queries(x)
            x["passages"] = self._retrieve(x)
            if hasattr(self.answerer, "stream_text") and not x["scope"].several:
                text = ""
                for piece in self.answerer.stream_text(question, history, x["passages"]):
                    text += piece
                    yield "delta", text
                x["draft"] = self.answerer.finish(text, question, x["passages"], history)
            else:
                x["draft"] = self._draft(x)
            answer = self._build(x)
        except AnswererUnavailable as e:
            answer = self._unanswered(question, e)
        yield "result", answer.to_dict()

    def ask(self, question: str, history: list[str] | None = None, sources: list[str] | None = None) -> dict:
        """The `citeqa ask --json` object: question, answer, refused, citations, passages, scope."""
        return self.answer(question, history, sources).to_dict()

    def documents(self) -> list[dict]:
        notes = self.store.document_notes()  # read in part: pages with no text layer
        return [vars(r) | ({"notes": notes[r.source]} if r.source in notes else {})
                for r in sorted(self.store.documents().values(), key=lambda r: r.source)]

    def remove(self, names: list[str]) -> tuple[list[dict], list[str]]:
        """Take documents out of the index, each named by its source (as `documents()` lists it) or by
        its file's path. Returns (the removed documents' records, the names that matched none)."""
        with self._lock:
            records = self.store.documents()
            by_path = {r.path: r for r in records.values()}
            removed, missing = {}, []
            for name in names:
                record = records.get(name) or by_path.get(_resolved(name))
                if record is None:
                    missing.append(name)
                else:
                    removed[record.source] = vars(record)
            for source in removed:
                self.store.remove_document(source)
            if removed:
                self.store.refresh_keyword_index()  # a question asked next must not find them by keyword
        return list(removed.values()), missing

    def document_text(self, source: str) -> dict | None:
        """The text as read of an indexed document (hash, format, text, layout, notes), None if not kept."""
        return self.store.document_text(source)
