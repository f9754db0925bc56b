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


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word."""
    return str(_STEMMER.stemWord(word))


@lru_cache(maxsize=65_536)
def american_spelling(word: str) -> str:
    """Fold British spellings onto American ones ("programme", "realised", "favour")."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word
