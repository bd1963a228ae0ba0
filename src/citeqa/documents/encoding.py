"""Plain-text bytes -> str: UTF-8, else the encoding a byte-order mark declares, else a detected legacy
encoding (Notepad's "ANSI", windows-1252, first), refused only when no encoding reads it with confidence.

Whatever is decoded here is the text as read: every citation offset counts its characters, and the
index keeps it, so a cp1252 or UTF-16 file is quoted from this str, never from its bytes again. A BOM
stays in the text (the file's first character), as for UTF-8.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from citeqa.errors import DocumentError

# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32LE"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32BE"),
    (b"\xff\xfe", "utf-16-le", "UTF-16LE"), (b"\xfe\xff", "utf-16-be", "UTF-16BE"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
)
# The legacy encodings a text file met today is plausibly in; charset-normalizer ranks only these (its
# full list holds DOS and Mac code pages that tie with windows-1252 on short Western text and win).
CANDIDATES = [
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874",
    "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_15", "koi8_r", "koi8_u", "mac_roman",
    "cp932", "euc_jp", "gb18030", "big5", "cp949",
]
MAX_MESS = 0.3  # charset-normalizer's mess ratio: above this the decoded text is not text
CLEARLY = 0.1  # how much more coherent (charset-normalizer's language score) another reading must be than 1252's
_LABELS = {"cp932": "shift_jis", "cp949": "euc-kr", "euc_jp": "euc-jp", "mac_roman": "macintosh", "cp874": "windows-874"}


class Decoded(NamedTuple):
    text: str
    encoding: str  # as a person names it: "UTF-8", "windows-1252", "UTF-16LE"
    note: str | None  # one sentence for the document's notes when it was not UTF-8


def label(codec: str) -> str:
    """A Python codec name as the encoding is usually called ("cp1252" -> "windows-1252")."""
    if codec.startswith("cp125"):
        return "windows-" + codec[2:]
    if codec.startswith("iso8859_"):
        return "iso-8859-" + codec[8:]
    return _LABELS.get(codec, codec.replace("_", "-"))


def decode_text(path: Path, data: bytes) -> Decoded:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)  # the mark decodes to U+FEFF and stays, as for UTF-8
            except UnicodeDecodeError as e:
                raise DocumentError(
                    f"{path} starts with a {name} byte-order mark but is not valid {name} (byte {e.start}: damaged or "
                    "truncated); save it as UTF-8 to index it."
                ) from None
            note = None if codec == "utf-8" else f"{path}: read as {name} (its byte-order mark says so)."
            return Decoded(text, name, note)
    try:
        # bytes.decode keeps \r\n as is, so offsets match the file character for character.
        return Decoded(data.decode("utf-8"), "UTF-8", None)
    except UnicodeDecodeError as e:
        bad = e.start
    _refuse_mixed_utf8(path, data, bad)
    found = detect(data)
    if found is None:
        raise DocumentError(
            f"{path} is not UTF-8, and its encoding cannot be told with confidence (byte {bad} is 0x{data[bad]:02x}); "
            "save it as UTF-8 to index it."
        )
    codec, text = found
    name = label(codec)
    return Decoded(text, name, f"{path}: read as {name} (not UTF-8; detected from its bytes).")


def _refuse_mixed_utf8(path: Path, data: bytes, bad: int) -> None:
    """A file that is mostly valid UTF-8 with a few stray bytes (two editors, a bad paste) is damaged
    UTF-8: read in a legacy encoding, its accents would all turn to mojibake (é -> Ã©)."""
    decoded = data.decode("utf-8", errors="replace")
    broken = decoded.count("\ufffd")
    fine = len(decoded) - len(decoded.encode("ascii", "ignore")) - broken  # non-ASCII characters UTF-8 read
    if fine and fine >= broken:
        raise DocumentError(
            f"{path} is not valid UTF-8: it is UTF-8 text with invalid bytes in it (the first at byte {bad}, "
            f"0x{data[bad]:02x}): damaged, or two encodings mixed; save it as UTF-8 to index it."
        )


def detect(data: bytes) -> tuple[str, str] | None:
    """(Python codec, text) of the encoding that reads `data` with confidence, None when none does.
    windows-1252 (what Notepad wrote) wins unless another encoding reads the bytes as clearly more
    coherent language and no more mess: short Western text ties across code pages (café is café in five
    of them), and on a few lines the language scores are noise (naïve read as Slovak naďve scored higher)."""
    from charset_normalizer import from_bytes  # only when a file is not UTF-8

    matches = [m for m in from_bytes(data, threshold=MAX_MESS, cp_isolation=CANDIDATES, preemptive_behaviour=False,
                                     enable_fallback=False) if m.chaos <= MAX_MESS]
    if not matches:
        return None
    best = matches[0]
    western = next((m for m in matches if "cp1252" in m.could_be_from_charset), None)
    order = [m.encoding for m in matches]
    if western is not None and not (best.coherence >= western.coherence + CLEARLY and best.chaos <= western.chaos):
        order.insert(0, "cp1252")
    for codec in order:  # the detector may have judged a sample of a big file: decode it all, strictly
        try:
            return codec, data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return None
