"""With a Chroma server, the collection list is kept in the server: a collection made by one process is
listed, renamed and deleted by another with its own index folder."""

import time

import pytest

from citeqa.index.catalog import Catalog

pytestmark = pytest.mark.server


def test_collections_are_shared_through_the_server(make_settings, chroma_server, tmp_path):
    one = Catalog(make_settings(chroma_url=chroma_server, index_path=tmp_path / "one", refresh_s=0.2))
    two = Catalog(make_settings(chroma_url=chroma_server, index_path=tmp_path / "two", refresh_s=0.2))
    made = one.create("Harbour Files")
    time.sleep(0.3)
    assert two.get("harbour files").id == made.id
    two.rename(made.id, "Harbour Archive")
    time.sleep(0.3)
    assert one.get(made.id).name == "Harbour Archive"
    one.delete(made.id)
    time.sleep(0.3)
    assert two.find(made.id) is None
