"""Issue 10 item 6: `kill -9` during a first ingest keeps every document committed before it, and the
next ingest resumes: those are unchanged (not "changed"), the rest are added. The kill is exact: the
ingest process SIGKILLs itself right after the 2nd document is committed (CITEQA_CRASH_AT)."""

from crashing import documents, ingest_json, make_corpus


def test_killed_first_ingest_keeps_committed_documents_and_resumes(tmp_path):
    corpus, index = make_corpus(tmp_path / "docs"), tmp_path / "index"
    ingest_json(corpus, index, crash_at="document-committed:2")
    assert documents(index) == ["doc0.txt", "doc1.txt"]  # not "No documents indexed yet"

    report = ingest_json(corpus, index)
    names = lambda key: sorted(s.rsplit("/", 1)[-1] for s in report[key])  # noqa: E731
    assert names("unchanged") == ["doc0.txt", "doc1.txt"]
    assert names("added") == ["doc2.txt", "doc3.txt", "doc4.txt"]
    assert report["changed"] == [] and report["repaired"] == {}
    assert documents(index) == [f"doc{i}.txt" for i in range(5)]
