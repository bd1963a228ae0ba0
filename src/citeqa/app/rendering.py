"""Answers as chat Markdown: every piece of document text and every question is escaped before it
reaches the chat's Markdown renderer, so nothing in a document can form a link, a tag or markup; the
[n] markers of an answer become links to `#cite-<turn>-<n>` that open the cited passage."""

from __future__ import annotations

import re
import string

from citeqa.app.panel import cite_id, line_span
from citeqa.schema import scope_text

SHOWN_QUESTION_CHARS = 500  # a pasted 100,000-character "question" is not echoed in full
STREAM_STEPS = 12  # an extractive answer is shown in this many growing pieces before its sources appear

# One pass over the text: HTML-special characters become entities, every other ASCII punctuation
# character is backslash-escaped (CommonMark allows this for all of them), so no Markdown construct,
# autolink, HTML tag or entity can form from document text.
_ESCAPES = {c: "\\" + c for c in string.punctuation}
_ESCAPES.update({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def escape_markdown(text: str) -> str:
    """Text made inert for a Markdown+HTML renderer: shows exactly as written, renders nothing."""
    return str(text).translate(_ESCAPE_TABLE)


def _escape_lines(text: str) -> list[str]:
    # Leading spaces would start an indented code block; tabs likewise.
    return [escape_markdown(line.strip()) for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def paragraphs(text: str) -> str:
    return "\n".join(_escape_lines(text)).strip()


def _blockquote(text: str) -> str:
    lines = _escape_lines(text)
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(f"> {line}" if line else ">" for line in lines) or "> "


def place(c: dict) -> str:
    """Where a citation is, after its file name: ` p.3` (PDF), ` § Results › Table 2` (HTML, Word),
    `, lines 4–6` (text, Markdown)."""
    if c.get("page"):
        return f" p.{int(c['page'])}"
    if c.get("section"):
        return f" § {c['section']}"
    return f", {line_span(int(c['line_start']), int(c['line_end']))}"


UNSUPPORTED_MARK = " — ⚠ **not supported:** this passage does not back the sentence that cites it"


def format_citation(c: dict, turn: int | None = None, quote: bool = True) -> str:
    """A source-list entry: [n], file and lines (links when `turn` is given), then the quote unless the
    answer already shows it word for word (`quote=False`)."""
    n = int(c["n"])
    # A section comes from the document: escaped like its name; a line range is citeqa's own text.
    where = escape_markdown(c["source"]) + (escape_markdown(place(c)) if c.get("section") else place(c))
    if turn is None:
        head = f"**\\[{n}\\]** {where}"
    else:
        link = f"#{cite_id(turn, n)}"
        head = f"**[\\[{n}\\]]({link})** [{where}]({link})"
    if not c.get("supported", True):
        head += UNSUPPORTED_MARK
    return f"{head}\n\n{_blockquote(c['quote'])}" if quote else head


def link_markers(escaped: str, citations: list[dict], turn: int) -> str:
    """In escaped answer text, `\\[n\\]` of a real citation becomes a link to it (⚠ when unsupported)."""
    by_n = {int(c["n"]): c for c in citations}

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        c = by_n.get(n)
        if c is None:
            return m.group(0)
        flag = " ⚠" if not c.get("supported", True) else ""
        return f"[\\[{n}\\]{flag}](#{cite_id(turn, n)})"

    return re.sub(r"\\\[(\d{1,4})\\\]", sub, escaped)


def _plain_words(text: str) -> str:
    return " ".join(str(text).split())


def mark_phrase(answer: str, phrase: str, escape=paragraphs) -> str:
    """The answer escaped (by `escape`: the chat's Markdown escaping, or the export's), with the first
    occurrence of the short-answer phrase in bold. The phrase is marked with private-use characters
    before escaping (they pass through it untouched), then bolded."""
    i = answer.find(phrase) if phrase else -1
    if i < 0:
        return escape(answer)
    marked = escape(answer[:i] + "\ue000" + phrase + "\ue001" + answer[i + len(phrase):])
    return marked.replace("\ue000", "**").replace("\ue001", "**")


def answer_blocks(result: dict, escape=paragraphs, link=lambda answer: answer, sources_head: str = "**Sources**",
                  source=lambda c: [format_citation(c)]) -> list[str]:
    """One answer's Markdown blocks, as the chat shows them and the export writes them: what it read when
    narrowed, the short answer in bold, the answer with that phrase marked, the sources (or the refusal,
    or the error). `escape` makes document and user text inert; `link` rewrites the escaped answer's [n];
    `source` gives one citation's blocks."""
    if result.get("error"):
        return [f"⚠ **Error:** {escape(result['error'])}"]
    read = scope_text(result.get("scope"))
    parts = [f"*Read only: {escape(read)}*"] if read else []  # what it read (no emoji: a box where the font lacks it)
    if result.get("refused"):
        # ⊘ and ⚠ are in the common text fonts; an emoji needs an emoji font, else it shows as a box.
        return parts + [f"⊘ **No answer from the documents.** {escape(str(result.get('answer', '')).strip())}"]
    phrase = _plain_words((result.get("short_answer") or {}).get("text", ""))
    if phrase:
        parts.append(f"**{escape(phrase)}**")
    parts.append(link(mark_phrase(str(result.get("answer", "")).strip(), phrase, escape=escape)))
    citations = result.get("citations") or []
    if not citations:
        return parts + ["*(no citations)*"]
    return parts + [sources_head] + [block for c in citations for block in source(c)]


def format_answer_markdown(result: dict, turn: int | None = None) -> str:
    """The assistant's chat message for one `Assistant.ask` result (answer_blocks). A quote is shown once:
    a source whose quote is already the answer's own words is listed without it. With `turn` (the
    answer's index in the conversation) every [n] is a link that opens the passage."""
    citations = result.get("citations") or []
    said = _plain_words(result.get("answer", ""))
    return "\n\n".join(answer_blocks(
        result,
        link=(lambda answer: link_markers(answer, citations, turn)) if turn is not None else (lambda answer: answer),
        sources_head="**Sources**" + (" *(click one to see it in its document)*" if turn is not None else ""),
        source=lambda c: [format_citation(c, turn, quote=_plain_words(c["quote"]) not in said)]))


def format_error(message: str) -> str:
    return f"⚠ **Error:** {paragraphs(message)}"


def format_question(question: str) -> str:
    shown = question.strip()
    if len(shown) > SHOWN_QUESTION_CHARS:
        return f"{paragraphs(shown[:SHOWN_QUESTION_CHARS])} … *({len(shown):,} characters)*"
    return paragraphs(shown)


def stream_pieces(result: dict | None) -> list[str]:
    """Growing prefixes of the answer text (escaped), shown while the answer 'types' in."""
    if not result or result.get("error") or result.get("refused"):
        return []
    words = re.split(r"(\s+)", str(result.get("answer", "")))
    if len(words) < 4:
        return []
    step = max(1, len(words) // STREAM_STEPS)
    return [paragraphs("".join(words[:i])) + " ▌" for i in range(step, len(words), step)]
