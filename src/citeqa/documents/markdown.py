"""Markdown reader: the file's text as is (spans index into the source, markup included); the title is
the first `# heading`, else the first line."""

from __future__ import annotations

import re
from pathlib import Path

from citeqa.documents.text import BOM, decode_utf8, first_line_title


def read_markdown(path: Path, data: bytes) -> tuple[str, str | None]:
    text = decode_utf8(path, data)
    m = re.search(rf"^{BOM}?#\s+(.+?)\s*#*\s*$", text, flags=re.M)
    return text, (m.group(1) if m else first_line_title(text))
