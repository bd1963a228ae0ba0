"""Support checks: a claim that swaps a name or a number is not backed by the sentence it cites."""

from citeqa.answering.citations import Claim, attach_support, missing_names_and_numbers

SPAN = (
    "Earlier in 2025, Thailand took another major step by signing the United Nations Convention against "
    "Cybercrime at a high-level ceremony in Hanoi."
)


def test_swapped_place_or_number_is_missing():
    assert missing_names_and_numbers("Thailand signed the convention in Paris.", SPAN) == ["Paris"]
    assert missing_names_and_numbers("Thailand signed it in Hanoi in 2024.", SPAN) == ["2024"]
    assert missing_names_and_numbers("The convention was signed by Thailand in Hanoi in 2025.", SPAN) == []


def test_attach_support_flags_a_wrong_fact(seed_assistant):
    passages = seed_assistant.retriever.search(["Thailand signed the United Nations Convention against Cybercrime in Hanoi"])
    n = next(i for i, p in enumerate(passages, 1) if "Hanoi" in p.text)
    right, wrong = attach_support(
        [Claim("Thailand signed the convention in Hanoi.", [n]), Claim("Thailand signed the convention in Paris.", [n])],
        passages,
        seed_assistant.embedder,
    )
    assert right.spans[0].supported is True
    assert wrong.spans[0].supported is False
    # Both point at the same sentence: a person checking sees where the claim went wrong.
    assert (right.spans[0].start, right.spans[0].end) == (wrong.spans[0].start, wrong.spans[0].end)
