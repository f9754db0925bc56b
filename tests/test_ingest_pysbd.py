"""Our shortcut through pysbd's abbreviation scan gives exactly the text pysbd's own gives."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pysbd.abbreviation_replacer import AbbreviationReplacer

from service.ingest.pysbd_rules import ENGLISH, AbbreviationsFoundOnce

ROOT = Path(__file__).resolve().parents[1]


def _both(text: str) -> tuple[str, str]:
    ours = AbbreviationsFoundOnce(text, ENGLISH).search_for_abbreviations_in_string(text)
    theirs = AbbreviationReplacer.search_for_abbreviations_in_string(
        AbbreviationsFoundOnce(text, ENGLISH), text
    )
    return ours, theirs


@lru_cache(maxsize=1)
def _real_paragraphs() -> tuple[str, ...]:
    """Every paragraph of the seeds and of the FRANK articles kept for the evals."""
    texts = [
        json.loads(p.read_text(encoding="utf-8"))["text"] for p in (ROOT / "seeds").glob("*.json")
    ]
    for line in (
        (ROOT / "evals" / "data" / "frank_valid.jsonl").read_text(encoding="utf-8").splitlines()
    ):
        texts.extend(a["text"] for a in json.loads(line)["articles"])
    return tuple(p for t in texts for p in t.splitlines(True) if p.strip())


def test_real_paragraphs_come_out_as_pysbd_makes_them() -> None:
    paragraphs = _real_paragraphs()
    assert len(paragraphs) > 200
    changed = 0
    for paragraph in paragraphs:
        ours, theirs = _both(paragraph)
        assert ours == theirs
        changed += ours != paragraph
    # The comparison means something only if the scan rewrites many of them.
    assert changed > 10


# Words and abbreviations in every case, periods, the characters pysbd's rules look at, and
# the ones `str.lower()` and `re.IGNORECASE` fold differently.
_PIECES = st.sampled_from(
    [
        "Dr",
        "dr",
        "DR",
        "al",
        "Al",
        "also",
        "No",
        "no",
        "Nos",
        "St",
        "st",
        "e.g",
        "E.G",
        "i.e",
        "U.S",
        "u.s",
        "Ph.D",
        "Mr",
        "mrs",
        "Jan",
        "jan",
        "Gen",
        "gen",
        "fig",
        "approx",
        "p",
        "a",
        "A",
        "I",
        "I'm",
        "vs",
        "Inc",
        "co",
        "Co",
        "ft",
        "mt",
        "{al}",
        "{dr}",
        "ıal",
        "ſt",
        "İnc",
        "Kco",
        "9",
        "12",
        "(",
        ":",
        "-",
        "?",
        ",",
        ".",
        "..",
        "∯",
        "’",
    ]
)
_GAPS = st.sampled_from(["", " ", "  ", "\t", "\n", "\r", "\u00a0", ". ", ".", ": "])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_PIECES, _GAPS), min_size=1, max_size=30))
def test_generated_text_comes_out_as_pysbd_makes_it(parts: list[tuple[str, str]]) -> None:
    text = "".join(piece + gap for piece, gap in parts)
    ours, theirs = _both(text)
    assert ours == theirs


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Smith met Mr. Jones at 9 a.m. on Jan. 5.",
        "The value rose approx. 5 percent, al. said, and no. 7 was next.",
        "St. Louis and st. Paul; Gen. Lee vs. Gen. Grant.",
        "Written as {al} . then Al. Green and al. Mayor.",
        "Dotless ıal. and long ſt. and İnc. and Kco. stay on pysbd's own path.",
    ],
)
def test_known_abbreviation_cases_match(text: str) -> None:
    ours, theirs = _both(text)
    assert ours == theirs
