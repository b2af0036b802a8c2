"""Text helpers of the world: accents folded away, codes made from titles and names."""

from __future__ import annotations

import unicodedata


def ascii_fold(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str, sep: str = "") -> str:
    out = []
    for ch in ascii_fold(text).upper():
        out.append(ch if ch.isalnum() else " ")
    return sep.join("".join(out).split())
