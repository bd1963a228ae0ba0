"""The newcomer's steps (issue 16) redone on the Engine, as the page's events call it: uploads land in the
collection's own folder under the index, never in the corpus folder (a folder of the repository); the
no-overwrite rules hold there; and questions about the harbour survey draw from the survey alone."""

import shutil
from pathlib import Path

import pytest

from citeqa.app.access import OPERATOR, AccessPolicy
from citeqa.app.engine import Engine
from citeqa.app.scopes import Scopes
from conftest import SEEDS
from newcomer import write_newcomer_corpus

SURVEY = "uploads/harbour_report.pdf"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """The app's Engine over a copy of the seeds, and a collection the newcomer's five files were uploaded into."""
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    work = tmp_path_factory.mktemp("newcomer")
    corpus = work / "repo" / "seeds"
    shutil.copytree(SEEDS, corpus)
    assistant = Assistant(load_settings(index_path=work / "index", corpus_path=corpus))
    assistant.ingest(progress=False)
    engine = Engine(assistant)
    before = _files(corpus)
    made = engine.create_collection("Newcomer", actor=OPERATOR)
    uploads = write_newcomer_corpus(work / "uploads")
    message = engine.upload([str(p) for p in sorted(uploads.iterdir())], actor=OPERATOR, collection=made)
    return engine, made, corpus, before, uploads, message


def test_uploads_go_into_the_collections_own_folder(newcomer):
    engine, made, corpus, before, uploads, message = newcomer
    assert message.count("✓") == 5, message
    assert _files(corpus) == before  # the corpus folder (seeds/) is untouched
    folder = made.files_folder(engine.assistant.settings.index_path)
    assert _files(folder) == _files(uploads)
    assert sorted(d["source"] for d in engine.documents(made)) == sorted(f"uploads/{p.name}" for p in uploads.iterdir())
    assert [Path(d["source"]).name for d in engine.documents()] == [p.name for p in SEEDS.iterdir()]  # default: unchanged


def test_no_upload_overwrites_anything(newcomer, tmp_path):
    engine, made, *_ = newcomer
    folder = made.files_folder(engine.assistant.settings.index_path)
    kept = _files(folder)
    again = engine.upload([str(newcomer[4] / "lunar-garden.md")], actor=OPERATOR, collection=made)
    assert again.startswith("= lunar-garden.md unchanged: the same content is already in the collection")
    other = tmp_path / "lunar-garden.md"
    other.write_text("# Another garden\n\nThe other garden grows beans under ordinary lamps.\n", encoding="utf-8")
    renamed = engine.upload([str(other)], actor=OPERATOR, collection=made)
    assert renamed.startswith("✓ saved as lunar-garden (2).md: a different lunar-garden.md is already in this collection")
    assert {k: v for k, v in _files(folder).items() if k in kept} == kept
    engine.remove("uploads/lunar-garden (2).md", actor=OPERATOR, collection=made)


@pytest.mark.parametrize("question", [
    "What are the main points of the Harbour Survey 2030?",
    "tell me about the harbour survey",
    "summarise the harbour report",
])
def test_a_question_about_the_survey_reads_the_survey_alone(newcomer, question):
    engine, made, *_ = newcomer
    asked = Scopes(engine, AccessPolicy()).api("Newcomer", None, None, None)
    result = engine.public_result(asked.assistant.ask(question, sources=asked.sources), made)
    assert not result["refused"], result["answer"]
    assert result["citations"] and {c["source"] for c in result["citations"]} == {SURVEY}
    assert result["scope"]["sources"] == [SURVEY] and result["scope"]["why"] == "named in the question"
    assert result["scope"]["collection"] == "Newcomer"


def test_the_document_asks_which_unless_one_is_ticked(newcomer):
    engine, made, *_ = newcomer
    scopes = Scopes(engine, AccessPolicy())
    asked = scopes.api("Newcomer", None, None, None)
    several = engine.public_result(asked.assistant.ask("summarise the document", sources=asked.sources), made)
    assert several["refused"] and "harbour_report.pdf" in several["answer"] and "lighthouse.html" in several["answer"]
    assert str(engine.assistant.settings.index_path) not in several["answer"]  # named as shown, no server path
    asked = scopes.api("Newcomer", [SURVEY], None, None)
    one = engine.public_result(asked.assistant.ask("summarise the document", sources=asked.sources), made)
    assert not one["refused"] and {c["source"] for c in one["citations"]} == {SURVEY}
    assert {k: one["scope"][k] for k in ("sources", "titles", "collection", "collection_id")} == \
        {"sources": [SURVEY], "titles": ["Harbour Survey 2030"], "collection": "Newcomer", "collection_id": made.id}
