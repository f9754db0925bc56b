"""UTF-16 offsets: the unit JavaScript and Java strings index by.

Python indexes a string by code point; a browser's `String.slice` counts UTF-16 code units,
in which every character beyond the Basic Multilingual Plane (most emoji, rarer CJK) takes
two. A span's UTF-16 offsets are its code-point offsets plus the astral characters before
each end.
"""

from __future__ import annotations


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of code-point `index` of `text`."""
    prefix = text[:index]
    if prefix.isascii():
        return len(prefix)
    # Two bytes a code unit, counted by the codec rather than character by character; a lone
    # surrogate (JSON can carry one) is one unit, as a browser counts it.
    return len(prefix.encode("utf-16-le", "surrogatepass")) // 2
