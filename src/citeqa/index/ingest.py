"""Ingest: folders and files -> passages -> vectors and keyword index. Incremental by content hash.

Unchanged documents cost a read and a hash. A changed document's new passages are written before its
old ones are removed, and vectors of passages whose text did not change are reused, not recomputed.
A document that fails to read is reported and skipped; whatever was indexed for it stays.

Each document is committed on its own, embedded in small batches: an ingest killed midway keeps every
document written before the batch in flight, and the next ingest finds them unchanged and goes on.
It starts by checking that Chroma answers (before minutes of embedding) and that Chroma and the
passage table agree (an earlier ingest killed between the two leaves vectors to delete).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from citeqa.documents.chunking import split_document
from citeqa.documents.registry import READERS, find_documents, link_problems, read_document
from citeqa.index.consistency import quick_drift, repair, unit_vector
from citeqa.index.embedders import Embedder
from citeqa.errors import DocumentError, InputError
from citeqa.schema import Passage, SourceDocument
from citeqa.settings import Settings
from citeqa.index.store import DocumentRecord, Store

# Documents are embedded together up to this many passages (several full model batches of sentences),
# then each is committed: a kill loses at most this batch. 512 before; per-batch overhead is small.
EMBED_BATCH_PASSAGES = 64


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # read in part (pages with no text layer)
    passages_written: int = 0
    passages_embedded: int = 0  # written passages with at least one sentence the model had to embed
    sentences_embedded: int = 0  # distinct sentence texts the model embedded
    passages_total: int = 0
    repaired: dict = field(default_factory=dict)  # drift found and fixed before this ingest (consistency.py)
    seconds: float = 0.0

    def summary(self) -> str:
        line = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed documents; {self.passages_written} passages written "
            f"({self.passages_embedded} embedded), {self.passages_total} in the index; {self.seconds:.1f} s"
        )
        if self.failed:
            line += f"; {len(self.failed)} skipped"
        if self.repaired:
            line += (f"; repaired {self.repaired['orphans']} vectors without a passage and "
                     f"{self.repaired['missing']} passages without a vector")
        return line

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "warnings": self.warnings,
            "passages_written": self.passages_written,
            "passages_embedded": self.passages_embedded,
            "sentences_embedded": self.sentences_embedded,
            "passages_total": self.passages_total,
            "repaired": self.repaired,
            "seconds": round(self.seconds, 3),
        }


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, unit="doc", desc="ingest", disable=not enabled, leave=False)


def _page_progress(bar, path: Path):
    """Per-page progress for a long PDF, shown in the document bar's postfix."""
    if bar.disable:
        return None

    def on_page(done: int, total: int) -> None:
        if total >= 20 and (done % 10 == 0 or done == total):
            bar.set_postfix_str(f"{path.name} page {done}/{total}", refresh=True)

    return on_page


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r.resolve() or r.resolve() in path.parents for r in roots)


def ingest(
    paths: list[Path] | None,
    settings: Settings,
    store: Store,
    embedder: Embedder,
    progress: bool | None = None,
) -> IngestReport:
    started = time.perf_counter()
    roots = [Path(p) for p in (paths or [settings.corpus_path])]
    for root in roots:
        if not root.exists():
            raise InputError(f"{root} does not exist.")
    files: list[Path] = []
    report = IngestReport()
    for root in roots:
        files.extend(find_documents(root))
        report.failed.extend(link_problems(root))
    # A folder whose last file was deleted still goes on: what was indexed from it is removed below.
    if not files and not any(_under(Path(r.path), roots) for r in store.documents().values()):
        kinds = ", ".join(sorted(READERS))
        raise InputError(f"No documents to index in {', '.join(map(str, roots))} (looked for {kinds}).")

    store.check_reachable()
    if store.get_meta("embedding_model") not in (None, embedder.name):
        store.reset_vectors()  # a different model's vectors cannot be compared with new ones
    store.set_meta("embedding_model", embedder.name)
    drift = quick_drift(store)
    if drift is not None:
        left = repair(store, drift)
        report.repaired = {"orphans": len(drift.orphans), "missing": len(drift.missing) - len(left.unrepairable)}
    known = store.documents()
    # Passages cut to another length are split again (their sentences' vectors are reused, so this
    # costs no embedding). Each document records its length; older indexes recorded one for all.
    default_chars = store.get_meta("passage_chars")
    # A document is the same document whatever folder citeqa runs from: match on its absolute path,
    # and keep the display name it was first indexed under.
    by_path = {r.path: r for r in known.values()}
    seen: set[str] = set()
    pending: list[tuple[SourceDocument, list[Passage]]] = []

    def flush() -> None:
        # Sentences are embedded, not passages: a passage's vector is the normalised mean of its
        # sentences' (overlapping passages share sentences, so this embeds less text), and the
        # sentence vectors are kept for reranking and answering without embedding at query time.
        reuse: dict[str, np.ndarray] = {}
        for doc, _ in pending:
            if doc.source in known:
                reuse.update(store.existing_vectors(doc.source))
        texts = [p.sentence_text(s, e) for _, ps in pending for p in ps for s, e in p.sentences]
        todo = [t for t in dict.fromkeys(texts) if t not in reuse]
        if todo:
            reuse.update(zip(todo, embedder.encode(todo)))
        report.sentences_embedded += len(todo)
        fresh = set(todo)
        for doc, ps in pending:
            embedded = 0
            for p in ps:
                p.vectors = np.stack([reuse[p.sentence_text(s, e)] for s, e in p.sentences])
                embedded += any(p.sentence_text(s, e) in fresh for s, e in p.sentences)
            vectors = np.stack([unit_vector(p.vectors.mean(axis=0)) for p in ps]) if ps else np.zeros((0, 1), np.float32)
            # The text as read goes in first: if writing the passages then fails, the document record keeps
            # its old hash, so the next ingest reads the file again and both end up on the same version.
            store.write_text(doc.source, doc.content_hash, doc.format, doc.text,
                             doc.layout.to_json() if doc.layout is not None else None, doc.notes)
            store.write_document(
                DocumentRecord(doc.source, doc.path, doc.title, doc.content_hash, doc.size, len(ps), time.time(),
                               settings.passage_chars),
                ps,
                vectors,
            )
            # Counted once written: a document that fails to write was not embedded into the index.
            report.passages_written += len(ps)
            report.passages_embedded += embedded
            (report.changed if doc.source in known else report.added).append(doc.source)
        pending.clear()

    with _progress(len(files), progress) as bar:
        for path in files:
            bar.update(1)
            try:
                doc = read_document(path, on_page=_page_progress(bar, path))
            except DocumentError as e:
                report.failed.append((str(path), str(e)))
                seen.add(str(path.resolve()))  # keep what was indexed for it
                continue
            seen.add(doc.path)
            report.warnings.extend(doc.notes)
            record = by_path.get(doc.path)
            if record and record.source != doc.source:
                doc = dataclasses.replace(doc, source=record.source)
            chars = record and (record.passage_chars or default_chars)
            stored_hash = store.text_hash(doc.source) if record else None
            # An index made before texts were kept: a file it read as text that is really a PDF, web page
            # or Word file is read again; any other gets its text as read stored, with no re-embedding.
            misread = record is not None and stored_hash is None and doc.format not in ("text", "markdown")
            if record and record.hash == doc.content_hash and str(chars) == str(settings.passage_chars) and not misread:
                if stored_hash != doc.content_hash:
                    store.write_text(doc.source, doc.content_hash, doc.format, doc.text,
                                     doc.layout.to_json() if doc.layout is not None else None, doc.notes)
                report.unchanged.append(doc.source)
                continue
            pending.append((doc, split_document(doc, settings.passage_chars)))
            if sum(len(ps) for _, ps in pending) >= EMBED_BATCH_PASSAGES:
                flush()
        if pending:
            flush()

    for source, record in known.items():
        if _under(Path(record.path), roots) and record.path not in seen:
            store.remove_document(source)
            report.removed.append(source)

    store.set_meta("passage_chars", str(settings.passage_chars))  # for records written without their own
    store.refresh_keyword_index()
    report.passages_total = store.passage_count()
    report.seconds = time.perf_counter() - started
    return report

