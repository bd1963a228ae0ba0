"""The catalog of collections (index/catalog.py): the default one is the index citeqa always had; made,
renamed, given to logins and deleted with one clear sentence for every name that cannot work; kept in
the index folder, so every process (the app, `citeqa`) sees the same list."""

import re

import pytest

from citeqa.errors import InputError
from citeqa.index.catalog import Catalog

CHROMA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")


def test_the_default_collection_is_todays_index(make_settings, tmp_path):
    catalog = Catalog(make_settings(corpus_path=tmp_path / "seeds"))
    [default] = catalog.list()
    assert default.default and default.id == "citeqa" and default.name == "seeds"
    assert default.folders == (str((tmp_path / "seeds").resolve()),) and default.logins is None
    assert not (tmp_path / "index" / "collections.json").exists()  # nothing written to open it
    assert catalog.find("SEEDS") == default and catalog.find("citeqa") == default


def test_create_rename_share_delete(make_settings, tmp_path):
    settings = make_settings(corpus_path=tmp_path / "seeds")
    catalog = Catalog(settings)
    made = catalog.create("Harbour docs", logins="alice, bob")
    assert CHROMA_NAME.match(made.id) and made.logins == ("alice", "bob") and made.folders == ()
    assert Catalog(settings).find("harbour DOCS") == made  # another process reads the same list
    renamed = catalog.rename("Harbour docs", "Port  papers")
    assert renamed.id == made.id and renamed.name == "Port papers" and catalog.find("Harbour docs") is None
    assert catalog.share("Port papers", None).logins is None
    files = made.files_folder(settings.index_path)
    files.mkdir(parents=True)
    (files / "a.txt").write_text("kept")
    gone = catalog.delete("port papers")
    assert gone.id == made.id and [c.name for c in catalog.list()] == ["seeds"]
    assert not (tmp_path / "index" / made.id).exists()
    [kept] = list((tmp_path / "index" / "removed").iterdir())  # its uploads are moved aside, not deleted
    assert (kept / "a.txt").read_text() == "kept"


def test_the_default_can_be_renamed_but_not_deleted_or_restricted(make_settings, tmp_path):
    catalog = Catalog(make_settings(corpus_path=tmp_path / "seeds"))
    assert catalog.rename("seeds", "Articles").id == "citeqa"
    assert catalog.list()[0].name == "Articles" and catalog.list()[0].default
    with pytest.raises(InputError, match="cannot be deleted"):
        catalog.delete("Articles")
    with pytest.raises(InputError, match="default collection is everyone's"):
        catalog.share("Articles", ["alice"])


@pytest.mark.parametrize("name, words", [
    ("", "Give the collection a name"),
    ("   ", "Give the collection a name"),
    ("a/b", "'/'"),
    ("x" * 61, "at most 60 characters"),
    ("<script>", "'<'"),
    (".hidden", "cannot start with a dot"),
    ("SEEDS", "already a collection called"),
])
def test_bad_names_are_one_sentence(make_settings, tmp_path, name, words):
    catalog = Catalog(make_settings(corpus_path=tmp_path / "seeds"))
    with pytest.raises(InputError, match=re.escape(words)):
        catalog.create(name)


def test_unknown_names_list_the_collections(make_settings, tmp_path):
    catalog = Catalog(make_settings(corpus_path=tmp_path / "seeds"))
    catalog.create("Manuals")
    with pytest.raises(InputError, match=r"There is no collection 'nope' \(there are: seeds, Manuals\)"):
        catalog.get("nope")


def test_a_collections_own_settings_still_know_the_default(make_settings, tmp_path):
    """An Assistant over a collection carries that collection's settings; a catalog read with them must
    not take the collection for the default."""
    catalog = Catalog(make_settings(corpus_path=tmp_path / "seeds"))
    made = catalog.create("Manuals")
    inner = Catalog(catalog.settings_for(made))
    assert [(c.name, c.default) for c in inner.list()] == [("seeds", True), ("Manuals", False)]
    assert inner.default().folders == (str((tmp_path / "seeds").resolve()),)
