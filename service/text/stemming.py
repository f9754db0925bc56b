"""One stemmer for the whole service: Snowball's English stemmer (PyStemmer), and the spelling fold.

Every stage that compares words by their stem calls `stem` here: the verifier's word keys
(`service.text.normalize.word_key`) and grouping's content words (`service.ingest.grouping`).
British spellings are folded onto American ones first where a stage wants
"organised"/"organized" to compare alike (`american_spelling`); the stemmer itself leaves them
apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer  # type: ignore[import-not-found]

_STEMMER = Stemmer.Stemmer("english")

_BRITISH = (
    (re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|ite|ites|able)?$"), r"or\1"),
    (re.compile(r"(?<=\w{4})mme(s)?$"), r"m\1"),
    (re.compile(r"(?<=\w{3})tre(s)?$"), r"ter\1"),
    (re.compile(r"(?<=\w{3})ence$"), "ense"),
)
# Every ending a rule above rewrites: a word with none of them is left as it is, without
# trying each rule (a new word's fold took five substitutions, most of its first grouping).
_BRITISH_ENDINGS = (
    *(f"is{s}" for s in ("e", "ed", "es", "ing", "ation", "ations")),
    *(f"our{s}" for s in ("", "s", "ed", "ing", "ite", "ites", "able")),
    "mme",
    "mmes",
    "tre",
    "tres",
    "ence",
)


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word."""
    return str(_STEMMER.stemWord(word))


@lru_cache(maxsize=65_536)
def american_spelling(word: str) -> str:
    """Fold British spellings onto American ones ("programme", "realised", "favour")."""
    if not word.endswith(_BRITISH_ENDINGS):
        return word
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word
