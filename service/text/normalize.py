"""Text normalisation that keeps offsets into the original, and the word forms checks compare.

Two normal forms exist. `normalize` folds typographic quotes, apostrophes and dashes, case and
runs of whitespace: a model's copy of a passage matches it. `skeleton` keeps only letters and
digits: a lower-cased, tokenised copy ("we 're") matches the original ("We’re") too. Both carry
`origin`, the index in the original text of every character, so a match maps back to a span.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from service.text.lexicon import (
    BASE_FORM,
    LIGHT_VERB_MERGES,
    PLACE_KEY,
    REPORTING_VERBS,
    ROLE_KEY,
    SYNONYM_GROUPS,
)
from service.text.stemming import american_spelling, stem

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": " ",
    }
)


def fold_typography(text: str) -> str:
    """Replace typographic quotes, apostrophes, dashes and odd spaces by ASCII (same length)."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Normalized:
    """A normal form of a text; `origin[i]` is the original index of `text[i]`."""

    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty span of the normal form back to the original text."""
        return self.origin[start], self.origin[end - 1] + 1


def _lower_char(char: str) -> str:
    lowered = char.lower()
    # A few characters lower-case to two code points; keeping them keeps offsets 1:1.
    return lowered if len(lowered) == 1 else char


# Runs of non-space characters, and of letters and digits: `\s` is exactly `str.isspace`
# and `[^\W_]` exactly `str.isalnum`, so a run is read whole instead of character by character.
_NON_SPACE_RUN = re.compile(r"\S+")
_ALNUM_RUN = re.compile(r"[^\W_]+")


def _lowered(run: str) -> str:
    """A run lower-cased character by character (one code point each: offsets stay 1:1)."""
    # An ASCII run lowers 1:1 whole; any other is lowered one character at a time, since
    # `str.lower` reads context ("Σ" at a word's end) a single character does not have.
    return run.lower() if run.isascii() else "".join(map(_lower_char, run))


def normalize(text: str) -> Normalized:
    """Fold typography and case and collapse whitespace, keeping offsets."""
    folded = fold_typography(text)
    out: list[str] = []
    origin: list[int] = []
    for run in _NON_SPACE_RUN.finditer(folded):
        start, end = run.span()
        if out:
            # One space for the whitespace before the run, at its last character.
            out.append(" ")
            origin.append(start - 1)
        out.append(_lowered(run.group()))
        origin.extend(range(start, end))
    return Normalized("".join(out), tuple(origin))


def skeleton(text: str) -> Normalized:
    """Keep only letters and digits (lower-cased) and decimal points, keeping offsets."""
    out: list[str] = []
    origin: list[int] = []
    # Where the last run ended; far enough before the text that no point can follow it.
    previous_end = -2
    for run in _ALNUM_RUN.finditer(text):
        start, end = run.span()
        if (
            # A decimal point keeps "11.6" apart from "116"; thousands commas are dropped.
            start - previous_end == 1
            and text[previous_end] == "."
            and text[previous_end - 1].isdigit()
            and text[start].isdigit()
        ):
            out.append(".")
            origin.append(previous_end)
        out.append(_lowered(run.group()))
        origin.extend(range(start, end))
        previous_end = end
    return Normalized("".join(out), tuple(origin))


# --- words -------------------------------------------------------------------------------

_PTB = (
    (re.compile(r"``|''"), '"'),
    (re.compile(r"-lrb-", re.IGNORECASE), "("),
    (re.compile(r"-rrb-", re.IGNORECASE), ")"),
    (re.compile(r"\b(ca|wo)\s?n't\b", re.IGNORECASE), r"\1 not"),
    (re.compile(r"\bcannot\b", re.IGNORECASE), "can not"),
    (re.compile(r"\s?n't\b", re.IGNORECASE), " not"),
    # The tokenised possessive ("sturgeon 's answers"): its apostrophe, after a space, would
    # read as a quotation's opening mark.
    (re.compile(r"(?<=\w) '(?=s\b)", re.IGNORECASE), "'"),
)


def prepare(text: str) -> str:
    """Fold typography and undo tokeniser artefacts ("``", "n't") so prose compares alike."""
    text = fold_typography(text)
    for pattern, replacement in _PTB:
        text = pattern.sub(replacement, text)
    return text


_TOKEN_RE = re.compile(r"[A-Za-z]+\d+[A-Za-z]*|\d+(?:[.,]\d+)*[A-Za-z]*|[^\W\d_]+")

# Multi-word names folded into one token, so "Prime Minister" and "premier" compare equal.
_MERGES: dict[tuple[str, ...], str] = {
    ("united", "kingdom"): "uk",
    ("great", "britain"): "uk",
    ("u", "k"): "uk",
    ("united", "states", "of", "america"): "usa",
    ("united", "states"): "usa",
    ("u", "s", "a"): "usa",
    ("u", "s"): "usa",
    ("south", "korea"): "southkorea",
    ("north", "korea"): "northkorea",
    ("south", "africa"): "southafrica",
    ("new", "zealand"): "newzealand",
    ("saudi", "arabia"): "saudi",
    ("european", "union"): "eu",
    ("prime", "minister"): "premier",
    ("prime", "ministers"): "premier",
    ("foreign", "minister"): "foreignminister",
    ("foreign", "ministers"): "foreignminister",
    ("defence", "minister"): "defenceminister",
    ("defense", "minister"): "defenceminister",
    ("finance", "minister"): "financeminister",
    ("secretary", "of", "state"): "secretaryofstate",
    ("secretary", "general"): "secretarygeneral",
    ("vice", "president"): "vicepresident",
    ("per", "cent"): "percent",
    ("group", "of", "seven"): "g7",
    ("group", "of", "20"): "g20",
    ("group", "of", "twenty"): "g20",
    ("group", "of", "7"): "g7",
    **LIGHT_VERB_MERGES,
}
_MAX_MERGE = max(len(k) for k in _MERGES)
# Most words start no merge: they are passed over without building a tuple per merge length.
_MERGE_STARTS = frozenset(k[0] for k in _MERGES)


@dataclass(frozen=True)
class Token:
    """One word: lower-cased form, whether it was capitalised, and where it sits."""

    word: str
    capitalised: bool
    sentence_initial: bool
    start: int
    end: int


_INITIAL_BEFORE = frozenset('.!?:"(')


@lru_cache(maxsize=65_536)
def fold_accents(word: str) -> str:
    """Latin letters without their accents ("Gisèle" is "Gisele", "Pélicot" "Pelicot"), so a
    name written with or without them is one word. Only letters that decompose into an ASCII
    letter and combining marks fold: other scripts (kana's voicing marks) keep their meaning."""
    if word.isascii():
        return word
    out = []
    for char in word:
        parts = unicodedata.normalize("NFKD", char)
        base, marks = parts[:1], parts[1:]
        folds = base.isascii() and base.isalpha() and all(unicodedata.combining(m) for m in marks)
        out.append(base if folds and marks else char)
    return "".join(out)


def tokenize(prepared: str) -> list[Token]:
    """Split prepared text into word tokens, merging multi-word names into one."""
    raw: list[Token] = []
    previous_end = 0
    for match in _TOKEN_RE.finditer(prepared):
        surface = match.group()
        # Only the text since the previous word can hold what comes last before this one.
        before = prepared[previous_end : match.start()].rstrip()
        initial = before[-1] in _INITIAL_BEFORE if before else previous_end == 0
        word = fold_accents(surface.lower())
        if surface == "US":
            word = "usa"
        raw.append(Token(word, surface[0].isupper(), initial, match.start(), match.end()))
        previous_end = match.end()
    merged: list[Token] = []
    index = 0
    while index < len(raw):
        if raw[index].word not in _MERGE_STARTS:
            merged.append(raw[index])
            index += 1
            continue
        for size in range(min(_MAX_MERGE, len(raw) - index), 1, -1):
            words = tuple(t.word for t in raw[index : index + size])
            target = _MERGES.get(words)
            if target is not None:
                first, last = raw[index], raw[index + size - 1]
                merged.append(
                    Token(target, first.capitalised, first.sentence_initial, first.start, last.end)
                )
                index += size
                break
        else:
            merged.append(raw[index])
            index += 1
    return merged


def _synonym_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYM_GROUPS:
        head = stem(group[0])
        for word in group:
            table.setdefault(stem(word), head)
    return table


_SYNONYM_OF = _synonym_table()


@lru_cache(maxsize=65_536)
def word_key(word: str) -> str:
    """The form two words are compared by: place, role or synonym group, else the stem."""
    place = PLACE_KEY.get(word)
    if place is not None:
        return place
    role = ROLE_KEY.get(word)
    if role is not None:
        return role
    if word in REPORTING_VERBS:
        # Who spoke is checked separately; which verb reported it is wording.
        return "say"
    stemmed = stem(american_spelling(BASE_FORM.get(word, word)))
    return _SYNONYM_OF.get(stemmed, stemmed)
