"""Words that say opposite things, by word key: the tables the verifier's checks, the
conflict finder and the sentence grouping all read.

Two sentences that differ only by such a pair ("approved" / "rejected", "rose" / "fell",
"announced" / "being prepared", "killed" / "injured") state different facts, however alike
they read.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.text.lexicon import (
    ANTONYM_PAIRS,
    POLAR_WORDS,
    STATUS_CLASSES,
    WORDNET_ANTONYM_PAIRS,
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


def _contraries() -> dict[str, frozenset[str]]:
    table = dict(ANTONYMS)
    for word, others in POLAR_WORDS.items():
        key = word_key(word)
        table[key] = table.get(key, frozenset()) | {word_key(o) for o in others}
    return table


def _opposites() -> dict[str, frozenset[str]]:
    table = dict(CONTRARIES)
    _add_pairs(table, WORDNET_ANTONYM_PAIRS)
    return table


# Hand-kept antonyms: a claim word whose antonym the spans state contradicts them.
ANTONYMS: dict[str, frozenset[str]] = _antonyms()
# The hand-kept antonyms and the polar words ("before"/"after", "first"/"last").
CONTRARIES: dict[str, frozenset[str]] = _contraries()
# Every opposite known: those and WordNet's antonym pairs, too loose ("national" /
# "international") to tell two sentences apart by, but not in one slot of one claim.
OPPOSITES: dict[str, frozenset[str]] = _opposites()
# Word key of a status word -> its class ("done", "pending", "dead", ...).
STATUS_OF: dict[str, str] = {
    word_key(word): name for name, words in STATUS_CLASSES.items() for word in words
}
# Status classes that exclude each other: done against pending or called off, dead against
# hurt or safe.
OPPOSED_STATUSES = frozenset(
    {
        frozenset({"done", "pending"}),
        frozenset({"done", "off"}),
        frozenset({"dead", "hurt"}),
        frozenset({"dead", "safe"}),
    }
)

# Statuses that undo what they apply to, as a negation does: "postponed the launch" says
# there was no launch, though it names one. One text in such a status and the other not are
# different facts, whatever else both name.
CANCELLING = frozenset({"off"})


def statuses(keys: frozenset[str]) -> frozenset[str]:
    """The status classes of these word keys."""
    return frozenset(STATUS_OF[k] for k in keys if k in STATUS_OF)


def opposed(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two texts' words (word keys) oppose: a word only one uses is a contrary of a
    word only the other uses, or a status word only one uses excludes a status word only the
    other uses ("announced" / "being prepared"), or one is in a cancelling status the other
    is not ("postponed the launch" / "launched"). Otherwise a word both use is no opposition:
    "plans were announced" and "confirmed plans" agree, however each is built."""
    only_a, only_b = a - b, b - a
    if any(CONTRARIES.get(key, frozenset()) & only_b for key in only_a):
        return True
    if (statuses(a) ^ statuses(b)) & CANCELLING:
        return True
    classes_a, classes_b = statuses(only_a), statuses(only_b)
    return any(frozenset({x, y}) in OPPOSED_STATUSES for x in classes_a for y in classes_b)
