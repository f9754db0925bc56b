"""UTF-16 offsets: the unit JavaScript and Java strings index by.

Python indexes a string by code point; a browser's `String.slice` counts UTF-16 code units,
in which every character beyond the Basic Multilingual Plane (most emoji, rarer CJK) takes
two. A span's UTF-16 offsets are its code-point offsets plus the astral characters before
each end.
"""

from __future__ import annotations

_BMP_END = 0xFFFF


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of code-point `index` of `text`."""
    prefix = text[:index]
    if prefix.isascii():
        return len(prefix)
    return len(prefix) + sum(1 for ch in prefix if ord(ch) > _BMP_END)
