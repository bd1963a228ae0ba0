"""The formats benchmark's parts: bench text rendered into each format reads back as the same text, and
gold spans are found in a text as read by their words (ligatures and line-end hyphens allowed)."""

from citeqa.benchmarks.formats import map_gold
from citeqa.benchmarks.render import FORMATS, render
from citeqa.documents.registry import read_document

TEXT = ("The lighthouse on the point was automated in 1984. Its keeper retired to the village.\n\n"
        "Ferries to Lindholm leave every hour in summer and twice a day in winter; the crossing takes forty minutes.\n")


def test_rendered_formats_read_back_as_the_text(tmp_path):
    src = tmp_path / "harbour.txt"
    src.write_text(TEXT)
    for fmt in FORMATS:
        doc = read_document(render(src, fmt, tmp_path / fmt))
        assert doc.text.strip() == TEXT.strip(), fmt
        assert doc.title == ("harbour" if fmt != "txt" else TEXT.splitlines()[0])


def test_gold_spans_matched_by_their_words():
    orig = "Influenza A: the ﬂu spread (except-\ning birds) widely."
    read = "Influenza A: the flu spread (excepting birds) widely."
    start = orig.index("ﬂu")
    assert read[slice(*map_gold(orig, read, start, start + 3))] == "flu"
    start = orig.index("except-")
    assert read[slice(*map_gold(orig, read, start, orig.index(" birds")))] == "excepting"
    assert map_gold(orig, "nothing here", 0, 9) is None
    # Of two occurrences, the one at the same relative place.
    orig2, read2 = "cat dog. cat dog.", "cat  dog.\n\ncat  dog."
    assert map_gold(orig2, read2, 9, 12) == (11, 14)
