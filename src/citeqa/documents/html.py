"""HTML reader (lxml): the page's main content as blocks (headings, paragraphs, list items, table rows).

The bytes are decoded by the page's own declaration (BOM, then `<meta charset>` or http-equiv in the
first 4 KB), else UTF-8, else windows-1252 (what browsers assume for undeclared legacy pages). The main
content is <main>, else [role=main], else the one <article>, else <body>; inside it script, style, nav,
header, footer, aside, forms and elements whose class or id names boilerplate (cookie banners, menus,
share bars, sidebars) are dropped. Each block is one line of the text as read, blocks separated by a
blank line; a heading updates the section path ("Results › Table 2" for a table under "Results").
A page nested deeper than libxml2 parses is flattened below a depth first (html_depth.py), never cut short.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from citeqa.documents.reasons import clause
from citeqa.documents.structured import StructuredText
from citeqa.errors import DocumentError
from citeqa.schema import DocumentText

MAX_HTML_BYTES = 20 * 1024 * 1024  # a saved article is far smaller; a bigger page is a data dump
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DROP = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form", "iframe",
         "button", "select", "textarea", "input", "label", "object", "embed", "canvas", "video", "audio", "menu", "dialog"}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"}
_BOILERPLATE = re.compile(r"(?:^|[\s_-])(cookie|consent|banner|navbar|nav|menu|breadcrumbs?|sidebar|share|social|advert|ads?|promo|newsletter|subscribe|related|skip|footer|masthead)(?:$|[\s_-])", re.I)
_BR = "\ue000"  # a private-use character stands for <br> until whitespace is collapsed
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"p", "div", "section", "article", "main", "li", "dt", "dd", "blockquote", "pre", "figure", "figcaption",
           "address", "ul", "ol", "dl", "table", "tr", "td", "th", "caption", "thead", "tbody", "tfoot", "hr", "body", "center"} | _HEADINGS


def decode_html(path: Path, data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii").lower()
        try:
            codecs.lookup(name)
        except LookupError:
            raise DocumentError(f"{path} declares an unknown character set {name!r} in <meta charset>.") from None
        # Browsers read latin-1 and ascii declarations as windows-1252; so do we.
        name = "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name
        return data.decode(name, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _boilerplate(el) -> bool:
    if el.tag in _DROP or el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if (el.get("role") or "").lower() in _DROP_ROLES:
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return el.tag not in ("body", "main", "article", "html") and bool(_BOILERPLATE.search(names))


def _main(root):
    for xpath in ("//main", "//*[@role='main']"):
        found = root.xpath(xpath)
        if len(found) == 1:
            return found[0]
    articles = root.xpath("//article")
    if len(articles) == 1:
        return articles[0]
    body = root.find("body")
    return body if body is not None else root


class _Walker:
    def __init__(self):
        self.out = StructuredText()
        self.inline: list[str] = []
        self.kind = "p"
        self.tables = 0

    def flush(self) -> None:
        # Source whitespace (newlines included) is one space, as a browser shows it; only <br> breaks a line.
        text = re.sub(r"\s+", " ", "".join(self.inline))
        text = re.sub(r" ?\ue000[ \ue000]*", "\n", text).strip()
        self.inline = []
        if text:
            self.out.block(("- " + text) if self.kind == "li" else text, self.kind)
        self.kind = "p"

    def walk(self, top) -> None:
        # An explicit stack, not recursion: a page nested thousands deep must not hit Python's recursion limit.
        stack = [(top, False)]
        while stack:
            el, leaving = stack.pop()
            if leaving and el.tag.lower() in _BLOCKS:
                self.flush()
            if not leaving and self.enter(el):
                stack.append((el, True))
                stack.extend((child, False) for child in reversed(el))
            elif el.tail:
                self.inline.append(el.tail)

    def enter(self, el) -> bool:
        """Take an element's own part; True when its children are to be walked (its tail comes after them)."""
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or _boilerplate(el):  # a comment or processing instruction: only its tail is text
            return False
        if tag in _HEADINGS:
            self.flush()
            text = " ".join(el.text_content().split())
            if text:
                self.out.heading(text, int(tag[1]))
        elif tag == "table":
            self.flush()
            self.table(el)
        elif tag == "pre":
            self.flush()
            self.out.block(el.text_content().strip("\n"), "p")
        elif tag == "br":
            self.inline.append(_BR)
        else:
            if tag in _BLOCKS:
                self.flush()
                if tag == "li":
                    self.kind = "li"
            if el.text:
                self.inline.append(el.text)
            return True
        return False

    def table(self, el) -> None:
        self.tables += 1
        caption = el.find("caption")
        name = " ".join(caption.text_content().split()) if caption is not None else ""
        name = name if name.lower().startswith("table") else f"Table {self.tables}"
        with self.out.subsection(name[:80]):
            for row in el.iter("tr"):
                cells = [" ".join(c.text_content().split()) for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
                if any(cells):
                    self.out.block(" | ".join(cells), "tr")


def _parse(path: Path, text: str):
    """The page's element tree, and a note when it was nested too deep to parse as written."""
    import lxml.etree
    import lxml.html

    from citeqa.documents.html_depth import FLATTEN_DEPTH, flatten

    def parse(source: str):
        # huge_tree raises libxml2's depth limit from 256 to 2,048 open elements; its other limits (text
        # and name sizes) are far above a 20 MB page. Past the depth limit libxml2 stops, dropping the rest.
        parser = lxml.html.HTMLParser(remove_comments=True, huge_tree=True)
        try:
            root = lxml.html.document_fromstring(source, parser=parser)
        except (lxml.etree.ParserError, ValueError) as e:
            raise DocumentError(f"{path} is not readable HTML ({clause(e)}).") from None
        return root, any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message for e in parser.error_log)

    root, too_deep = parse(text)
    if not too_deep:
        return root, ()
    flat, deepest = flatten(text, FLATTEN_DEPTH)
    root, too_deep = parse(flat)
    if too_deep:  # not expected: the flattened page is at most FLATTEN_DEPTH deep as counted
        raise DocumentError(f"{path} nests elements {deepest:,} deep, more than the HTML parser reads (2,048) even "
                            f"with the tags below depth {FLATTEN_DEPTH:,} left out; it is not read.")
    return root, (f"{path} nests elements {deepest:,} deep: tags below depth {FLATTEN_DEPTH:,} are left out, "
                  "their text read as part of the block around them.",)


def read_html(path: Path, data: bytes):
    if len(data) > MAX_HTML_BYTES:
        raise DocumentError(
            f"{path} is {len(data) / 2**20:.0f} MB of HTML; pages over {MAX_HTML_BYTES // 2**20} MB are not read (save the article alone)."
        )
    text = decode_html(path, data)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses a decoded string that declares an encoding
    root, notes = _parse(path, text)
    title_el = root.find(".//title")
    og = root.xpath("//meta[@property='og:title']/@content")
    title = " ".join((og[0] if og else (title_el.text_content() if title_el is not None else "")).split())
    walker = _Walker()
    walker.walk(_main(root))
    walker.flush()
    result = walker.out
    return DocumentText(result.text(), title or result.first_heading, "html", result.layout(), notes)
