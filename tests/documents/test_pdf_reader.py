"""PDF reader: reading order on a two-column page, a word hyphenated at a line end, word boxes where
the text is drawn, the title from the document's metadata, page and boxes per sentence."""

from makedocs import two_column_pdf

from citeqa.documents.chunking import split_document
from citeqa.documents.registry import read_document

LEFT = [
    ["The northern pier was rebuilt in 1911 after a", "storm destroyed the old timber frame."],
    ["Police warned that cyber-", "crime against harbour offices rose sharply."],
]
RIGHT = [
    ["Ferries to the island leave every hour in", "summer and twice a day in winter."],
    ["The lighthouse was automated in 1984."],
]


def _pdf(tmp_path):
    path = tmp_path / "harbour.pdf"
    drawn = two_column_pdf(path, [(LEFT, RIGHT)], title="Harbour Report", heading="The Harbour")
    return path, drawn


def test_two_columns_read_in_order_and_hyphen_joined(tmp_path):
    path, _ = _pdf(tmp_path)
    doc = read_document(path)
    assert doc.format == "pdf" and doc.title == "Harbour Report"
    assert doc.text == (
        "The Harbour\n\n"
        "The northern pier was rebuilt in 1911 after a storm destroyed the old timber frame.\n\n"
        "Police warned that cybercrime against harbour offices rose sharply.\n\n"
        "Ferries to the island leave every hour in summer and twice a day in winter.\n\n"
        "The lighthouse was automated in 1984."
    )


def test_boxes_cover_where_the_text_is_drawn(tmp_path):
    path, drawn = _pdf(tmp_path)
    doc = read_document(path)
    sentence = "Ferries to the island leave every hour in summer and twice a day in winter."
    start = doc.text.index(sentence)
    prov = doc.layout.span(start, start + len(sentence))
    assert prov["page"] == 1
    boxes = prov["boxes"]
    lines = [d for d in drawn if d.text in RIGHT[0]]
    assert len(boxes) == len(lines) == 2  # one rectangle per drawn line
    for box, line in zip(boxes, lines):
        x0, y0, x1, y1 = line.box()
        assert box[0] == 1
        assert abs(box[1] - x0) < 2 and abs(box[3] - x1) < 2  # left and right edges of the drawn text
        assert box[2] <= y0 + 1 and box[4] >= y1 - 1 and box[4] - box[2] < 2 * (y1 - y0)  # covers the glyphs, one line tall


def test_sentences_carry_page_and_boxes(tmp_path):
    path, _ = _pdf(tmp_path)
    doc = read_document(path)
    passages = split_document(doc, 1000)
    hyphen = next(p for p in passages if "cybercrime" in p.text)
    assert hyphen.format == "pdf" and hyphen.metadata()["page"] == 1
    prov = hyphen.span_provenance(hyphen.start, hyphen.end)
    assert prov["page"] == 1 and len(prov["boxes"]) == 2  # "cyber-" on one line, "crime ..." on the next


def test_a_sentence_running_on_to_the_next_page_is_one_paragraph(tmp_path):
    path = tmp_path / "two-pages.pdf"
    two_column_pdf(path, [([["Alpha line one is a full line of text here", "and it goes on to the"]], []),
                          ([["next page where it ends."]], [])])
    doc = read_document(path)
    assert doc.text == "Alpha line one is a full line of text here and it goes on to the next page where it ends."
    start = doc.text.index("and it goes")
    prov = doc.layout.span(start, len(doc.text))
    assert prov["page"] == 1 and sorted({b[0] for b in prov["boxes"]}) == [1, 2]
    assert [p[2] for p in doc.layout.pages][0] == 0 and len(doc.layout.pages) == 2
