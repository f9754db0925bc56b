"""The lexicon's word lists as word-key tables, the form the checks compare words in."""

from __future__ import annotations

from service.text.lexicon import HYPERNYMS, PLACE_KEY, ROLES, wordnet_relations
from service.text.normalize import word_key
from service.text.opposition import ANTONYMS, OPPOSITES

__all__ = ["ANTONYMS", "OPPOSITES", "PLACE_KEYS", "ROLE_KEYS", "SPECIFIC_KEYS", "STATED_BY"]


def _specific_keys() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for general, specific in HYPERNYMS.items():
        key = word_key(general)
        table[key] = table.get(key, frozenset()) | {word_key(w) for w in specific}
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
# Word key of a general word -> keys of the specific words that state it ("leader": premier...).
SPECIFIC_KEYS: dict[str, frozenset[str]] = _specific_keys()
# Word key of a claim word -> keys of source words that state it in other words (WordNet).
STATED_BY: dict[str, frozenset[str]] = _stated_by()
