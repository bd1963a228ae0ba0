"""A question's verdict on its own documents does not depend on what else is indexed (issue 15): the seed
regression set asked of the seed index, and of the seed article indexed beside unrelated documents (the
newcomer's four, and the squad2 bench articles when ../shared/bench is beside this checkout).

- Asked of the seed article in the crowded index (scoped to it), every question gets the same refusal and
  the same cited lines: the reader reads each passage on its own, so the rest of the index cannot move it.
- Asked of the whole crowded index, a question that stands alone keeps its verdict too. Follow-ups and
  overviews are left out of that half: a follow-up's words are searched with the conversation, and the
  other documents can fairly answer "tell me about volcanoes"."""

import shutil

import pytest

from citeqa.evaluation.loader import load_question_set
from conftest import ROOT, SEED_DOC
from newcomer import write_newcomer_corpus

BENCH = next((p for p in (ROOT.parent / "shared" / "bench" / "squad2" / "docs",) if p.is_dir()), None)
QUESTIONS = load_question_set(ROOT / "tests" / "regression" / "seeds.yaml").questions
STANDALONE = [q for q in QUESTIONS if not q.history and not q.id.startswith("overview")]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    from citeqa.chat import Assistant
    from citeqa.settings import load_settings

    root = tmp_path_factory.mktemp("crowded")
    docs = write_newcomer_corpus(root / "docs")
    for path in sorted(BENCH.glob("*.txt")) if BENCH else []:
        shutil.copy(path, docs / path.name)
    assistant = Assistant(load_settings(index_path=root / "index", corpus_path=docs))
    assistant.ingest(progress=False)
    return assistant


def _verdict(result: dict) -> tuple:
    return result["refused"], sorted((c["line_start"], c["line_end"]) for c in result["citations"] if c["source"].endswith(SEED_DOC.name))


def _seed_source(assistant) -> str:
    return next(d["source"] for d in assistant.documents() if d["source"].endswith(SEED_DOC.name))


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_same_verdict_on_its_own_document_with_others_indexed(seed_assistant, crowded, question):
    alone = seed_assistant.ask(question.question, history=list(question.history))
    beside = crowded.ask(question.question, history=list(question.history), sources=[_seed_source(crowded)])
    assert _verdict(beside) == _verdict(alone), (alone["answer"], beside["answer"])


# "What is the capital of Peru?" is refused on the seed alone (margin -1.92) but answered "Norway and Japan"
# from the newcomer's Lunar Garden note, which lists Peru among the seed donors (-0.45, threshold -1.33):
# that document does answer it, wrongly, rather than the index moving the seed's verdict (README Reader).
PERU = "the reader answers 'Norway and Japan' from a list that names Peru (margin -0.45 over the threshold -1.33)"
BESIDE = [pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=PERU)) if q.id == "refuse-off-topic" else q
          for q in STANDALONE]


@pytest.mark.parametrize("question", BESIDE, ids=[q.id for q in STANDALONE])
def test_same_verdict_with_unrelated_documents_beside(seed_assistant, crowded, question):
    alone = seed_assistant.ask(question.question)
    beside = crowded.ask(question.question)
    assert _verdict(beside) == _verdict(alone), (alone["answer"], beside["answer"])
