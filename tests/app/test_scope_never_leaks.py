"""Property: whatever collection a question is asked of, and whichever of its documents are ticked, no
answer cites, retrieves or reads a document outside them. One index folder, documents spread at random
over three collections (uploaded through the Engine, as an operator does), then 520 questions, each
with a random collection and random ticks: questions about the documents, questions naming a document
of this collection or another by title or file name, and overviews ("summarise the document").

The documents are six of the squad2 bench's (../shared/bench/squad2) when present, else the
newcomer's five and three generated ones, so the test also runs where the bench is absent (CI)."""

import json
import random
import re
from pathlib import Path

import pytest

from citeqa.app.access import OPERATOR, AccessPolicy
from citeqa.app.engine import Engine
from citeqa.app.scopes import Scopes
from conftest import ROOT, SEEDS

QUESTIONS = 520
BENCH = ROOT.parent / "shared" / "bench" / "squad2"  # (conftest clears CITEQA_* variables, CITEQA_BENCH_DIR too)
GENERATED = {
    "glassworks.md": "# The Glassworks of Murano\n\nThe furnace on the canal was lit in 1291 by order of the council. "
                     "Glassblowers were forbidden to leave the island without leave.\n\nThe red glass took its colour from gold chloride.\n",
    "orchard.txt": "Orchard Ledger\n\nThe orchard grows forty kinds of apples and six of pears. The cider press was bought in 1962.\n"
                   "Frost in April 1981 killed half the blossom.\n",
    "tide-tables.md": "# Tide Tables for Kilrush\n\nHigh water at the quay comes fifty minutes later each day. "
                      "Spring tides rise 4.2 metres; neaps 2.9 metres.\n",
}
OVERVIEWS = ["summarise the document", "What are the main points?", "Summarise the documents", "tell me about it all"]


def _documents(folder: Path) -> tuple[list[Path], list[str]]:
    """(files, questions about them): six bench articles and their questions, else generated ones."""
    folder.mkdir()
    if (BENCH / "docs").is_dir() and (BENCH / "questions.jsonl").is_file():
        chosen = sorted((BENCH / "docs").glob("*.txt"), key=lambda p: p.stat().st_size)[:6]
        names = {p.name for p in chosen}
        rows = [json.loads(line) for line in (BENCH / "questions.jsonl").read_text().splitlines() if line.strip()]
        questions = [r["question"] for r in rows if not r.get("gold") or r["gold"][0]["doc"] in names]
        for p in chosen:
            (folder / p.name).write_bytes(p.read_bytes())
        return sorted(folder.iterdir()), questions
    from newcomer import write_newcomer_corpus

    write_newcomer_corpus(folder)
    for name, text in GENERATED.items():
        (folder / name).write_text(text, encoding="utf-8")
    sentences = [s for name, text in GENERATED.items() for s in re.split(r"(?<=\.)\s+", text) if len(s) > 30]
    questions = [f"Is it true that {s.rstrip('.').lower()}?" for s in sentences] + [
        "Who was the first keeper of the lighthouse?", "How much did the harbour works cost?",
        "Who was elected captain?", "Who runs the greenhouse?", "Where did Thailand sign the UN convention?"]
    return sorted(folder.iterdir()), questions


@pytest.fixture(scope="module")
def spread(tmp_path_factory):
    """An Engine whose documents are spread at random over the default collection and two more."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    work = tmp_path_factory.mktemp("scope-property")
    files, questions = _documents(work / "docs")
    rng = random.Random(16)
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "seed.txt").write_bytes((SEEDS / "000_b943be75029e422a.txt").read_bytes())
    assistant = Assistant(load_settings(index_path=work / "index", corpus_path=corpus))
    engine = Engine(assistant)
    collections = [engine.active_collection(), engine.create_collection("Left", actor=OPERATOR),
                   engine.create_collection("Right", actor=OPERATOR)]
    for i, f in enumerate(rng.sample(files, len(files))):
        message = engine.upload([str(f)], actor=OPERATOR, collection=collections[i % 3])
        assert message.startswith(("✓", "=")), message  # "=": the seed's copy, already in the default one
    assistant.ingest([corpus, collections[0].files_folder(work / "index")], progress=False)
    return engine, collections, questions, files


def _question(rng: random.Random, questions: list[str], docs: list[dict]) -> str:
    kind = rng.random()
    if kind < 0.5:
        return rng.choice(questions)
    doc = rng.choice(docs)  # a document of any collection: naming one elsewhere must not reach it
    title, name = str(doc["title"]), Path(doc["source"]).name
    if kind < 0.65:
        return rng.choice([f"summarise {title}", f'What does "{title}" say?', f"What are the main points of {title}?"])
    if kind < 0.8:
        return rng.choice([f"summarise {name}", f"what is in {name}?", f"tell me about {Path(name).stem.replace('_', ' ')}"])
    return rng.choice(OVERVIEWS)


def test_no_answer_cites_outside_its_scope(spread):
    engine, collections, questions, _files = spread
    scopes = Scopes(engine, AccessPolicy())
    docs = {c.id: engine.documents(c) for c in collections}
    everything = [d for ds in docs.values() for d in ds]
    assert all(docs.values()) and len(everything) >= 7
    rng = random.Random(2030)
    tally = {"answered": 0, "ticked": 0, "named elsewhere": 0}
    for i in range(QUESTIONS):
        collection = rng.choice(collections)
        shown = [d["source"] for d in docs[collection.id]]
        ticked = None if rng.random() < 0.4 else rng.sample(shown, rng.randint(1, len(shown)))
        question = _question(rng, questions, everything)
        asked = scopes.api(collection.name, ticked, None, None)
        result = engine.public_result(asked.assistant.ask(question, sources=asked.sources), collection)
        allowed = set(ticked or shown)
        used = {c["source"] for c in result["citations"] + result["passages"]}
        assert used <= allowed, (i, collection.name, ticked, question, used - allowed)
        scope = result["scope"]
        assert scope["collection"] == collection.name
        assert scope["sources"] == "all" and ticked is None or set(scope["sources"]) <= allowed, (i, question, scope)
        tally["answered"] += not result["refused"]
        tally["ticked"] += ticked is not None
        tally["named elsewhere"] += any(d["title"] in question and d["source"] not in shown for d in everything)
    print(f"scope property over {len(everything)} documents: {QUESTIONS} questions, {tally}")
    # The draw reached what it is about: answers, ticks, and names of documents in other collections.
    assert tally["answered"] > QUESTIONS // 5 and tally["ticked"] > QUESTIONS // 3 and tally["named elsewhere"] > 20, tally
