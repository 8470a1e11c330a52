"""Search boxes: what a person typed, taken literally (`%` and `_` are characters, not LIKE
wildcards), and Chinese abbreviations of names found by their characters in order."""
from __future__ import annotations

LIKE_ESCAPE = "\\"


def _literal(char: str) -> str:
    return LIKE_ESCAPE + char if char in "%_" + LIKE_ESCAPE else char


def in_order_pattern(text: str) -> str:
    """A LIKE pattern (escape character `LIKE_ESCAPE`) matching names that hold the characters of
    `text` in order, anything between them: Chinese unit names are shortened by keeping some of
    their characters ("发改" for 市发展改革委, "财政" for 市财政局, "浦东" for 浦东新区), so a name
    that contains the text matches too. White space in `text` is ignored."""
    chars = [_literal(c) for c in text if not c.isspace()]
    return "%" + "%".join(chars) + "%" if chars else "%"
