"""A question set that declares its corpus runs against that corpus alone (issue 9.6): documents
indexed in the live index cannot change its verdict."""

import shutil

import pytest

from conftest import ROOT, SEEDS
from citeqa.errors import InputError
from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.running import run_question_set

SEED_SET = ROOT / "tests" / "regression" / "seeds.yaml"
UNRELATED = {
    "costs.md": "# Running costs\n\nIt cost 40,000 dollars to run. The budget was approved in March.\n",
    "harbour.md": "# Harbour\n\nThe harbour conference cost 2 million euros and was co-organised by the port.\n",
}


def test_bundled_set_declares_the_seed_corpus():
    assert load_question_set(SEED_SET).corpus == (ROOT / "seeds").resolve()


def test_unrelated_uploads_do_not_change_the_verdict(tmp_path, make_settings):
    from citeqa.chat import Assistant

    live = tmp_path / "live"
    shutil.copytree(SEEDS, live)
    for name, text in UNRELATED.items():
        (live / name).write_text(text)
    assistant = Assistant(make_settings(corpus_path=live, index_path=tmp_path / "live-index"))
    assistant.ingest(progress=False)
    # The bundled set as it is, beside a copy of the seed documents: its `corpus: ../../seeds` then
    # names that copy, not the project's seeds/ (where a user may have put files of their own).
    (tmp_path / "sets" / "regression").mkdir(parents=True)
    shutil.copy(SEED_SET, tmp_path / "sets" / "regression" / SEED_SET.name)
    shutil.copytree(SEEDS, tmp_path / "seeds")
    qset = load_question_set(tmp_path / "sets" / "regression" / SEED_SET.name)
    assert qset.corpus == (tmp_path / "seeds").resolve()
    outcomes = {o.question.id: o for o in run_question_set(assistant, qset)}
    # The verdict is the one the set gets with no live index at all (which sentence the reader picks is
    # the reader's business; that uploads change nothing is this test's).
    alone = {o.question.id: o.check.passed for o in run_question_set(Assistant(make_settings(index_path=tmp_path / "empty")), qset)}
    assert {i: o.check.passed for i, o in outcomes.items()} == alone
    cited = {c["source"] for o in outcomes.values() for c in o.result.get("citations", [])}
    assert not any("costs.md" in s or "harbour.md" in s for s in cited)


def test_a_missing_corpus_folder_is_a_set_file_error(tmp_path):
    bad = tmp_path / "set.yaml"
    bad.write_text("name: x\ncorpus: nowhere\nquestions:\n  - {id: a, question: \"q\", expect: {answerable: false}}\n")
    with pytest.raises(InputError, match=r"line 2.*corpus 'nowhere' is not a folder"):
        load_question_set(bad)
