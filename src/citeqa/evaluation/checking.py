"""Checking one answer against a question's expectations: each failure is one readable reason."""

from __future__ import annotations

import re

from citeqa.evaluation.questions import (
    CheckResult, CiteExpectation, Expectation, Question, cite_label, norm, plain, short, short_cite_label, source_matches,
)


def check(question: Question, result: dict) -> CheckResult:
    """Compare one `Assistant.ask` result with the question's expectations; each failure is one reason."""
    exp = question.expect
    reasons: list[str] = []
    answer = str(result.get("answer") or "")
    refused = bool(result.get("refused"))
    citations = [c for c in result.get("citations") or [] if isinstance(c, dict)]
    if result.get("error"):
        reasons.append(f"the pipeline failed: {result['error']}")

    if not exp.answerable:
        if not refused:
            reasons.append(f"expected a refusal but answered: {short(answer)!r}")
        if citations:
            reasons.append(f"expected no citations but cited {', '.join(map(cite_label, citations))}")
        return CheckResult(not reasons, reasons)

    if refused:
        reasons.append(f"expected an answer but it refused: {short(answer)!r}")
        return CheckResult(False, reasons)

    text_reasons = answer_text_reasons(exp, answer)
    reasons.extend(text_reasons)
    if text_reasons:
        reasons.append(f"the answer was: {short(answer)!r}")

    if exp.cites_any:
        if exp.cites and not any(cite_hit(cite, citations) for cite in exp.cites):
            cited = ", ".join(map(short_cite_label, citations)) or "nothing"
            first = exp.cites[0]
            more = f" (or {len(exp.cites) - 1} other gold span{'s' if len(exp.cites) > 2 else ''})" \
                if len(exp.cites) > 1 else ""
            reasons.append(f"cited {cited} instead of {first.describe()} of {first.source}{more}")
        return CheckResult(not reasons, reasons)

    for cite in exp.cites:
        by_lines = cite.lines is not None  # a PDF cited by page also shows its lines, to compare with these
        matching = [c for c in citations if cite.matches(c)]
        if any(c.get("supported", True) for c in matching):
            continue
        if matching:
            reasons.append(f"cited {cite_label(matching[0], by_lines)} for {cite.describe()} but the citation is "
                           "marked unsupported")
        elif not citations:
            reasons.append(f"cited nothing instead of {cite.describe()} of {cite.source}")
        else:
            same_source = all(source_matches(cite.source, str(c.get("source", ""))) for c in citations)
            target = cite.describe() if same_source else f"{cite.describe()} of {cite.source}"
            cited = ", ".join(cite_label(c, by_lines) for c in citations)
            reasons.append(f"cited {cited} instead of {target}")
    return CheckResult(not reasons, reasons)


def answer_text_reasons(exp: Expectation, answer: str) -> list[str]:
    """What the answer text gets wrong against contains / any / regex / not_contains (empty: all hold)."""
    reasons = []
    text = norm(answer)
    for want in exp.contains:
        if norm(want) not in text:
            reasons.append(f"answer lacks {want!r}")
    if exp.any and not any(norm(w) in text for w in exp.any):
        reasons.append(f"answer has none of {', '.join(map(repr, exp.any))}")
    if exp.regex is not None and not re.search(exp.regex, plain(answer), re.IGNORECASE):
        reasons.append(f"answer does not match /{exp.regex}/")
    for bad in exp.not_contains:
        if norm(bad) in text:
            reasons.append(f"answer contains {bad!r}, which it should not")
    return reasons


def cite_hit(cite: CiteExpectation, citations: list[dict]) -> bool:
    """Some supported citation overlaps the expected span."""
    return any(cite.matches(c) and c.get("supported", True) for c in citations)
