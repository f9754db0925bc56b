"""The lexicon's word lists as word-key tables, the form the checks compare words in."""

from __future__ import annotations

from collections.abc import Iterable

from service.text.lexicon import (
    ANTONYM_PAIRS,
    HYPERNYMS,
    PLACE_KEY,
    POLAR_WORDS,
    ROLES,
    WORDNET_ANTONYM_PAIRS,
    wordnet_relations,
)
from service.text.normalize import word_key


def _add_pairs(table: dict[str, frozenset[str]], pairs: Iterable[tuple[str, str]]) -> None:
    """Record each pair both ways, by word key; a pair that folds to one key says nothing."""
    for a, b in pairs:
        key_a, key_b = word_key(a), word_key(b)
        if key_a != key_b:
            table[key_a] = table.get(key_a, frozenset()) | {key_b}
            table[key_b] = table.get(key_b, frozenset()) | {key_a}


def _antonyms() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    _add_pairs(table, ANTONYM_PAIRS)
    return table


def _specific_keys() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for general, specific in HYPERNYMS.items():
        key = word_key(general)
        table[key] = table.get(key, frozenset()) | {word_key(w) for w in specific}
    return table


def _opposites() -> dict[str, frozenset[str]]:
    table = dict(ANTONYMS)
    for word, others in POLAR_WORDS.items():
        key = word_key(word)
        table[key] = table.get(key, frozenset()) | {word_key(o) for o in others}
    _add_pairs(table, WORDNET_ANTONYM_PAIRS)
    return table


def _stated_by() -> dict[str, frozenset[str]]:
    """Claim word key -> source word keys that state it in other words, by WordNet: a synonym
    or a derived form in a common sense, or a more specific word ("vehicle": a "car")."""
    table: dict[str, set[str]] = {}
    for kind, a, b in wordnet_relations():
        key_a, key_b = word_key(a), word_key(b)
        if key_a == key_b:
            continue
        table.setdefault(key_b, set()).add(key_a)
        if kind != "hyp":
            table.setdefault(key_a, set()).add(key_b)
    return {key: frozenset(keys) for key, keys in table.items()}


PLACE_KEYS = frozenset(PLACE_KEY.values())
ROLE_KEYS = frozenset(word_key(r) for r in ROLES)
# Hand-kept antonyms: a claim word whose antonym the spans state contradicts them.
ANTONYMS: dict[str, frozenset[str]] = _antonyms()
# Word key of a general word -> keys of the specific words that state it ("leader": premier...).
SPECIFIC_KEYS: dict[str, frozenset[str]] = _specific_keys()
# Every opposite the binder knows: antonyms, polar words and WordNet's antonym pairs.
OPPOSITES: dict[str, frozenset[str]] = _opposites()
# Word key of a claim word -> keys of source words that state it in other words (WordNet).
STATED_BY: dict[str, frozenset[str]] = _stated_by()
