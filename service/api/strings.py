"""What characters request strings may hold: checked at the edge, so that text is never altered.

Offsets in responses index the text as submitted, so the service refuses what it cannot carry
rather than rewriting it: a lone surrogate (valid in JSON's `\\ud800` escape, but no Unicode
character, and not encodable in a UTF-8 response) and control characters that are not
whitespace (NUL and the like) are a 422 naming the field, the code point and its index.
Article ids are stricter still: they appear in prompts and citations, so they may hold no
control, format or line-break character at all (`"a\\nb"`, a zero-width space), and not only
whitespace. The OpenAPI schema states both rules as patterns built from the same definitions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# Control characters that are whitespace in running text stay: tab, line feed, vertical tab,
# form feed, carriage return and next line (U+0085). Every other C0/C1 control and DEL goes,
# as does any surrogate code point (a well-formed pair never reaches here: JSON decoding joins
# it into one character).
_TEXT_FORBIDDEN_RANGES = ((0x00, 0x08), (0x0E, 0x1F), (0x7F, 0x84), (0x86, 0x9F), (0xD800, 0xDFFF))
_KINDS = {
    "Cs": "a lone surrogate",
    "Cc": "a control character",
    "Cf": "a format character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
# Control, format (zero-width and direction marks), line and paragraph separators, surrogates.
_ID_FORBIDDEN_CATEGORIES = frozenset(_KINDS)


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """The body of a regex character class, as `\\u` escapes with four hex digits, the form
    every JSON Schema reader shares."""
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )


def _ranges(codepoints: Iterable[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for code in codepoints:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


_FORBIDDEN_IN_TEXT = re.compile(f"[{_char_class(_TEXT_FORBIDDEN_RANGES)}]")
# The schema's patterns leave surrogates out: a pattern's class reads UTF-16 code units in
# JavaScript, where a surrogate range would refuse every well-formed pair (emoji). They spell
# the id rule out over the Basic Multilingual Plane; the few format characters beyond it, such
# as tag characters, are refused by the validator alone.
_TEXT_CLASS = _char_class(_TEXT_FORBIDDEN_RANGES[:-1])
_ID_CLASS = _char_class(
    _ranges(
        c
        for c in range(0x10000)
        if unicodedata.category(chr(c)) in _ID_FORBIDDEN_CATEGORIES - {"Cs"}
    )
)
TEXT_PATTERN = f"^[^{_TEXT_CLASS}]*$"
ID_PATTERN = f"^[^{_ID_CLASS}]*[^{_ID_CLASS}\\s][^{_ID_CLASS}]*$"


def _describe(text: str, index: int) -> str:
    char = text[index]
    return f"U+{ord(char):04X} at index {index} is {_KINDS[unicodedata.category(char)]}"


def check_text(value: Any) -> Any:
    """Refuse a string holding a lone surrogate or a control character that is not whitespace."""
    if isinstance(value, str):
        found = _FORBIDDEN_IN_TEXT.search(value)
        if found is not None:
            raise ValueError(
                f"{_describe(value, found.start())}; text must be Unicode characters "
                "without control characters other than tab and line breaks"
            )
    return value


def check_id(value: Any) -> Any:
    """Refuse an id holding any control, format or line-break character, or only whitespace."""
    if isinstance(value, str):
        for index, char in enumerate(value):
            if unicodedata.category(char) in _ID_FORBIDDEN_CATEGORIES:
                raise ValueError(
                    f"{_describe(value, index)}; ids may not hold control, format or "
                    "line-break characters"
                )
        if value and not value.strip():
            raise ValueError("id must not be blank")
    return value


class JsonPattern:
    """Documents a rule as the schema's `pattern`, without validating by it a second time."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


# The checks run before pydantic's own string validation, whose error for a surrogate is opaque.
Text = Annotated[str, BeforeValidator(check_text), JsonPattern(TEXT_PATTERN)]
Identifier = Annotated[str, BeforeValidator(check_id), JsonPattern(ID_PATTERN)]
