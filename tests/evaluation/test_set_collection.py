"""A question set that names its collection (`collection: NAME`) runs against that collection alone: its
verdict stays the same while other collections (the default one included) gain documents, and nothing
it cites comes from them. A set names a corpus or a collection, not both; an unknown one is one sentence."""

import shutil

import pytest

from citeqa.chat import Assistant
from citeqa.errors import InputError
from citeqa.evaluation.loader import load_question_set
from citeqa.evaluation.running import run_question_set
from citeqa.index.catalog import Catalog
from conftest import ROOT, SEEDS

SEED_SET = ROOT / "tests" / "regression" / "seeds.yaml"
UNRELATED = {
    "costs.md": "# Running costs\n\nIt cost 40,000 dollars to run. The budget was approved in March.\n",
    "harbour.md": "# Harbour\n\nThe harbour conference cost 2 million euros and was co-organised by the port.\n",
    "treaty.md": "# Treaty\n\nThailand signed the convention against cybercrime in Geneva, not Hanoi, in 2031.\n",
}


def _verdicts(assistant, qset):
    outcomes = run_question_set(assistant, qset)
    cited = {c["source"] for o in outcomes for c in o.result.get("citations", []) + o.result.get("passages", [])}
    return {o.question.id: o.check.passed for o in outcomes}, cited


def test_a_set_bound_to_a_collection_keeps_its_verdict(tmp_path, make_settings):
    live = tmp_path / "live"
    shutil.copytree(SEEDS, live)
    base = Assistant(make_settings(corpus_path=live))
    base.ingest(progress=False)
    catalog = Catalog(base.settings)
    articles = catalog.create("Articles", folders=[SEEDS])
    Assistant(catalog.settings_for(articles)).ingest([SEEDS], progress=False)
    bound = tmp_path / "bound.yaml"
    bound.write_text(SEED_SET.read_text(encoding="utf-8").replace("corpus: ../../seeds", "collection: Articles"),
                     encoding="utf-8")
    qset = load_question_set(bound)
    assert qset.collection == "Articles" and qset.corpus is None
    before, cited = _verdicts(base, qset)
    allowed = {d["source"] for d in Assistant(catalog.settings_for(articles)).documents()}
    assert cited <= allowed

    # Other collections change: the default gains documents that would mislead it, a new one holds more.
    for name, text in UNRELATED.items():
        (live / name).write_text(text, encoding="utf-8")
    base.ingest(progress=False)
    other = tmp_path / "other"
    other.mkdir()
    (other / "treaty.md").write_text(UNRELATED["treaty.md"], encoding="utf-8")
    more = catalog.create("More", folders=[other])
    Assistant(catalog.settings_for(more)).ingest([other], progress=False)
    after, cited = _verdicts(base, qset)
    assert after == before and cited <= allowed


def test_a_set_names_a_corpus_or_a_collection(tmp_path, make_settings):
    both = tmp_path / "both.yaml"
    both.write_text(f"name: x\ncorpus: {SEEDS}\ncollection: Articles\n"
                    "questions:\n  - {id: a, question: \"q\", expect: {answerable: false}}\n")
    with pytest.raises(InputError, match=r"line 3.*a corpus or a collection, not both"):
        load_question_set(both)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: x\ncollection: Nowhere\nquestions:\n  - {id: a, question: \"q\", expect: {answerable: false}}\n")
    assistant = Assistant(make_settings())
    with pytest.raises(InputError, match=r"There is no collection 'Nowhere' \(there are: seeds\)"):
        run_question_set(assistant, load_question_set(unknown))
