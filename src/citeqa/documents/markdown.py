"""Markdown reader: the file's text as is (spans index into the source, markup included); the title is
the first `# heading`, else the first line. Decoded as plain text is (documents/encoding.py)."""

from __future__ import annotations

import re
from pathlib import Path

from citeqa.documents.encoding import decode_text
from citeqa.documents.text import BOM, first_line_title
from citeqa.schema import DocumentText


def read_markdown(path: Path, data: bytes) -> DocumentText:
    decoded = decode_text(path, data)
    text = decoded.text
    m = re.search(rf"^{BOM}?#\s+(.+?)\s*#*\s*$", text, flags=re.M)
    return DocumentText(text, m.group(1) if m else first_line_title(text), "markdown",
                        notes=tuple(filter(None, [decoded.note])))
