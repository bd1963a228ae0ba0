"""Which documents a question is asked of: all of them, the ones a person chose (ticked in the Sources list,
`sources` in the API), or the one the question names ("summarise the harbour survey"; naming.py).

A question that names exactly one document (among those chosen) is narrowed to it; one that names
several reads none and lists them; "summarise the document" with several documents in scope asks which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from citeqa.answering.naming import named_by_topic, named_in_question, refers_to_one_document

ALL = "all"
CHOSEN = "chosen"
NAMED = "named in the question"
ONLY = "the only document"


@dataclass
class Scope:
    sources: list[str] | None  # None: every document of the collection
    why: str = ALL
    titles: list[str] = field(default_factory=list)
    several: list[tuple[str, str]] = field(default_factory=list)  # (source, title) a question fits, when more than one

    def to_dict(self) -> dict:
        if self.sources is None:
            return {"sources": ALL}
        return {"sources": list(self.sources), "titles": list(self.titles), "why": self.why}


def resolve(question: str, overview: str | None, documents: dict[str, str], chosen: list[str] | None = None) -> Scope:
    """The scope of one question. `overview`: its overview topic (overview.overview_topic; "" for "summarise
    the documents", None for an ordinary question); `documents`: source -> title of the collection;
    `chosen`: the sources a person limited it to (None: no limit)."""
    docs = documents if chosen is None else {s: documents[s] for s in chosen if s in documents}
    if overview is None:
        named = named_in_question(question, docs)
    elif overview == "":
        named = sorted(docs) if refers_to_one_document(question) else []
    else:
        named = named_by_topic(overview, docs)
    if len(named) > 1:
        return Scope([], several=[(s, docs[s]) for s in named])
    if named and overview == "":  # "summarise the document" with one document in scope: that one
        return Scope(named, CHOSEN if chosen is not None else ONLY, [docs[named[0]]])
    if named:
        return Scope(named, NAMED, [docs[named[0]]])
    if chosen is None:
        return Scope(None)
    return Scope(sorted(docs), CHOSEN, [docs[s] for s in sorted(docs)])
