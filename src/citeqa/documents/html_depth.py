"""Pages nested deeper than libxml2 parses. Even with huge_tree it stops at 2,048 open elements and
drops everything after that point, so such a page is rewritten first: tags nested below FLATTEN_DEPTH
are left out and their text kept (it joins the block around it), then the page is parsed again.

Python's own tokenizer (html.parser) has no depth limit and no recursion; the rewrite copies every
start tag, text run and entity as written, so the parts above FLATTEN_DEPTH read exactly as before.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

# Depth is counted without HTML's implied end tags (an unclosed <p> counts), so it is never below what
# libxml2 counts; half its limit leaves room for the <html>/<body> it may add.
FLATTEN_DEPTH = 1000
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr", "keygen", "frame", "basefont", "isindex"}


class _Flatten(HTMLParser):
    def __init__(self, limit: int):
        super().__init__(convert_charrefs=False)  # entities are copied as written, not decoded twice
        self.limit = limit
        self.out: list[str] = []
        self.open: list[str] = []
        self.counts: Counter[str] = Counter()  # open elements by tag: an unmatched end tag costs O(1)
        self.deepest = 0

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            self.out.append(self.get_starttag_text())
            return
        self.open.append(tag)
        self.counts[tag] += 1
        self.deepest = max(self.deepest, len(self.open))
        if len(self.open) <= self.limit:
            self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if not self.counts[tag]:
            self.out.append(f"</{tag}>")  # a stray end tag: libxml2 decides, as it would have
            return
        while True:  # close up to the matching element; each element is popped once, so this is linear
            depth, top = len(self.open), self.open.pop()
            self.counts[top] -= 1
            if top == tag:
                break
        if depth <= self.limit:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    # Comments and <![CDATA[...]]> sections are left out: to an HTML parser both are comments, dropped anyway.


def flatten(text: str, limit: int = FLATTEN_DEPTH) -> tuple[str, int]:
    """The page without the tags nested below `limit` (their text kept), and its deepest nesting."""
    parser = _Flatten(limit)
    parser.feed(text)
    parser.close()
    return "".join(parser.out), parser.deepest
