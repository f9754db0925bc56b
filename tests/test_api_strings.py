"""The characters request strings may hold: the checks, and the schema patterns that state them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.api.strings import ID_PATTERN, TEXT_PATTERN, check_id, check_text

# Mostly the characters the rules are about, among ordinary letters, digits and spaces; the
# patterns cover the Basic Multilingual Plane, surrogates aside (see service/api/strings.py).
CHARS = st.characters(
    categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Ll", "Lu", "Nd", "Po"], max_codepoint=0xFFFF
)


def _accepts(check: Callable[[Any], Any], value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def _matches(pattern: str, value: str) -> bool:
    return jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value)


@given(st.text(CHARS, min_size=1, max_size=12))
def test_the_schemas_id_pattern_says_what_the_id_check_accepts(value: str) -> None:
    assert _matches(ID_PATTERN, value) == _accepts(check_id, value)


@given(st.text(CHARS, max_size=12))
def test_the_schemas_text_pattern_says_what_the_text_check_accepts(value: str) -> None:
    assert _matches(TEXT_PATTERN, value) == _accepts(check_text, value)


@pytest.mark.parametrize("value", ["\U0001f600", "a\U0001f600b", "\u00e9t\u00e9"])
def test_the_patterns_admit_characters_beyond_the_bmp_and_accents(value: str) -> None:
    assert _matches(ID_PATTERN, value) and _matches(TEXT_PATTERN, value)
    assert _accepts(check_id, value) and _accepts(check_text, value)


def test_a_lone_surrogate_is_refused_by_the_checks_with_its_place() -> None:
    with pytest.raises(ValueError, match="U\\+D800 at index 1 is a lone surrogate"):
        check_text("a\ud800")
    with pytest.raises(ValueError, match="U\\+DFFF at index 0 is a lone surrogate"):
        check_id("\udfff")


def test_values_that_are_not_strings_are_left_to_the_type_check() -> None:
    assert check_text(7) == 7 and check_id(None) is None
