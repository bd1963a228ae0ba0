"""Another library's error message inside a sentence citeqa writes."""

from __future__ import annotations


def _bare(error: BaseException | str) -> str:
    return " ".join(str(error).split()).rstrip(" .")


def clause(error: BaseException | str) -> str:
    """The message as a clause: whitespace collapsed, no closing full stop (the sentence around it has
    its own, so `(…: Data format error.)` never ends a message as `….).`), the error's type when empty."""
    text = _bare(error)
    return type(error).__name__ if not text and isinstance(error, BaseException) else text


def typed(error: BaseException) -> str:
    """`KeyError: no item named 'x'`: the error's type, then its message as a clause when it has one."""
    text = _bare(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
