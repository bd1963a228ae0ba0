"""A passage's reading depends on the question and that passage only: the same span, score and no-answer
score, to the last bit, whether it is read alone or among other passages, short or long, before or after it.

The int8 reader this replaced quantized its activations with one scale per run of a batch of 4 windows: a
passage's margin moved with its batch mates and their padding (by 0.47 on average over squad2's questions,
up to 2.3), so a verdict could change with what else was retrieved. Each window is now read on its own."""

from citeqa.answering.reader import load_reader

QUESTION = "Who funded the Lunar Garden Project?"
FUNDING = ("The project was funded by a grant of €40,000 from the Irish Research Council and by donations from "
           "three local seed companies.")
HEADING = "## Funding"
LONG = " ".join(f"Paragraph {i} of the survey describes the harbour walls, the tides and the boats moored there."
                for i in range(40))  # several windows


def _key(span):
    return span.start, span.end, span.score, span.null


def test_a_passage_reads_the_same_alone_and_in_any_company():
    reader = load_reader()
    alone = reader.read(QUESTION, [FUNDING])[0]
    assert FUNDING[alone.start : alone.end] == "Irish Research Council"
    for company in ([FUNDING, HEADING, LONG], [LONG, HEADING, FUNDING], [HEADING, FUNDING], [LONG, FUNDING, LONG]):
        read = reader.read(QUESTION, company)
        assert _key(read[company.index(FUNDING)]) == _key(alone), company[:1]


def test_a_long_passage_reads_the_same_alone_and_in_company():
    reader = load_reader()
    alone = reader.read(QUESTION, [LONG])[0]
    assert _key(reader.read(QUESTION, [FUNDING, LONG, HEADING])[1]) == _key(alone)
