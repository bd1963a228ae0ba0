"""Issue 10 item 12: `passages_embedded` counts the written passages that needed the model, and
`sentences_embedded` the sentence texts it embedded: appending one sentence embeds one sentence."""

from citeqa.chat import Assistant

from crashing import make_corpus


def test_counts_after_one_new_sentence(tmp_path, make_settings):
    corpus = make_corpus(tmp_path / "docs", 2)
    a = Assistant(make_settings(corpus_path=corpus))
    first = a.ingest(progress=False)
    assert first.passages_embedded == first.passages_written == first.passages_total
    sentences = {p.sentence_text(s, e) for d in a.documents() for p in a.store.document_passages(d["source"])
                 for s, e in p.sentences}
    assert first.sentences_embedded == len(sentences)

    (corpus / "doc1.txt").write_text((corpus / "doc1.txt").read_text() + "\nA single closing remark about tides.\n")
    again = a.ingest(progress=False)
    new = [p for p in a.store.document_passages(f"{corpus.name}/doc1.txt") if "closing remark" in p.text]
    assert again.sentences_embedded == 1
    assert again.passages_embedded == len(new) and again.passages_written > len(new)
    assert again.to_dict()["sentences_embedded"] == 1
