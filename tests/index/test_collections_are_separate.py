"""Each collection is its own slice of the index: an index made before collections opens as the default
one, unchanged; documents ingested into another collection are never listed, searched or cited by the
default one, and the other way round."""

from citeqa.chat import Assistant
from citeqa.index.catalog import Catalog


def test_collections_never_share_documents(make_settings, tmp_path):
    before = Assistant(make_settings())  # an index as citeqa made it before collections
    before.ingest(progress=False)
    seed_docs = [d["source"] for d in before.documents()]
    harbour = tmp_path / "harbour"
    harbour.mkdir()
    (harbour / "pilot.md").write_text("# Pilot\n\nThe harbour pilot programme began in Rotterdam in 2019.\n")

    catalog = Catalog(make_settings())
    [default] = catalog.list()
    assert default.id == before.settings.collection  # the same index, opened as the default collection
    made = catalog.create("Harbour", folders=[harbour])
    other = Assistant(catalog.settings_for(made))
    other.ingest(made.roots(other.settings.index_path), progress=False)

    again = Assistant(catalog.settings_for(catalog.get("seeds")))
    assert [d["source"] for d in again.documents()] == seed_docs  # unchanged
    assert [d["title"] for d in other.documents()] == ["Pilot"]
    answer = other.ask("Where did the harbour pilot programme begin?")
    assert "Rotterdam" in answer["answer"] and {c["source"] for c in answer["citations"]} <= {d["source"] for d in other.documents()}
    for q in ("Where did the harbour pilot programme begin?", "In which city did Thailand sign the UN convention against cybercrime?"):
        for assistant, allowed in ((again, set(seed_docs)), (other, {d["source"] for d in other.documents()})):
            result = assistant.ask(q)
            assert {c["source"] for c in result["citations"] + result["passages"]} <= allowed, q
