"""Facts the independent sources disagree on: a number or a status, told two ways.

Sentences of different independent sources are aligned by a pair of neighbouring content
words they share ("joint statement", "people killed"), rare enough in the request to name one
thing. Around that pair, each sentence's slots are compared, as the verifier reads them: the
numbers next to it ("killed 6 people" against "killed 13 people"), and the status words
("announced a joint statement" against "preparing a joint statement"; "were killed" against
"were injured"). A statement and its own syndicated copy are one source and never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

from service.domain import SourceGroups
from service.text.lexicon import STATUS_CLASSES
from service.text.normalize import word_key
from service.verify.align import Item
from service.verify.index import SourceIndex, Unit

# How many items either side of the shared pair a number or a status word may stand.
SLOT_REACH = 3
# A pair of words in more sentences than this names no one thing.
MAX_PAIR_SENTENCES = 12
# At most this many disagreements are reported, the first found first.
MAX_CONFLICTS = 10

_STATUS_OF: dict[str, str] = {
    word_key(word): name for name, words in STATUS_CLASSES.items() for word in words
}
# Status classes that exclude each other: done against pending, dead against hurt.
_OPPOSED = frozenset(
    {frozenset({"done", "pending"}), frozenset({"dead", "hurt"}), frozenset({"dead", "safe"})}
)


@dataclass(frozen=True)
class Disagreement:
    """Two source sentences of different independent sources that state one fact two ways."""

    about: str
    units: tuple[int, int]


def independent_groups(article_ids: Sequence[str], groups: SourceGroups) -> dict[str, str]:
    """Article id -> the article that stands for its independent source (copies share one)."""
    parent = {article_id: article_id for article_id in article_ids}

    def root(article_id: str) -> str:
        while parent[article_id] != article_id:
            parent[article_id] = parent[parent[article_id]]
            article_id = parent[article_id]
        return article_id

    for article_id, copies in groups.duplicates_of.items():
        for copy in copies:
            if article_id in parent and copy in parent:
                parent[root(copy)] = root(article_id)
    return {article_id: root(article_id) for article_id in article_ids}


def find_disagreements(index: SourceIndex, groups: SourceGroups) -> list[Disagreement]:
    """Every disagreement between independent sources, up to MAX_CONFLICTS."""
    source_of = independent_groups([d.id for d in index.documents], groups)
    found: list[Disagreement] = []
    # One disagreement per shared pair and pair of sources: a copy repeats, never adds one.
    seen: set[tuple[tuple[str, str], frozenset[str]]] = set()
    # Two sentences that disagree around several shared pairs disagree once.
    told: set[tuple[int, int]] = set()
    for pair, units in _aligned(index):
        for first, second in combinations(units, 2):
            a, b = index.units[first], index.units[second]
            sources = frozenset(
                {source_of[a.sentence.article_id], source_of[b.sentence.article_id]}
            )
            if len(sources) < 2 or (pair, sources) in seen or (first, second) in told:
                continue
            about = _compare(a, b, pair)
            if about is not None:
                seen.add((pair, sources))
                told.add((first, second))
                found.append(Disagreement(about, (first, second)))
                if len(found) >= MAX_CONFLICTS:
                    return found
    return found


def _word_pairs(unit: Unit) -> Iterator[tuple[tuple[str, str], int]]:
    """Neighbouring content words of a sentence (by key), with the first one's item index."""
    items = unit.facts.side.items
    words = [i for i, item in enumerate(items) if item.kind == "word"]
    for left, right in zip(words, words[1:], strict=False):
        if right - left > 1:
            continue
        for a in items[left].keys:
            for b in items[right].keys:
                if a != b:
                    yield (a, b), left


def _aligned(index: SourceIndex) -> list[tuple[tuple[str, str], list[int]]]:
    """Each word pair that sentences of more than one article share, with those sentences."""
    holders: dict[tuple[str, str], list[int]] = {}
    for unit in index.units:
        for pair in dict.fromkeys(p for p, _ in _word_pairs(unit)):
            holders.setdefault(pair, []).append(unit.index)
    return [
        (pair, units)
        for pair, units in holders.items()
        if 1 < len(units) <= MAX_PAIR_SENTENCES
        and len({index.units[u].document for u in units}) > 1
    ]


def _near(unit: Unit, pair: tuple[str, str]) -> list[Item]:
    """The items within SLOT_REACH of the pair's place in the sentence."""
    items = unit.facts.side.items
    for found, at in _word_pairs(unit):
        if found == pair:
            return list(items[max(at - SLOT_REACH, 0) : at + 2 + SLOT_REACH])
    return []


def _compare(a: Unit, b: Unit, pair: tuple[str, str]) -> str | None:
    """What the two sentences disagree on around the shared pair, if anything."""
    near_a, near_b = _near(a, pair), _near(b, pair)
    about = " ".join(_surface(a, pair))
    numbers = _number_conflict(a, b, near_a, near_b)
    if numbers is not None:
        return f"{about}: {numbers}"
    status = _status_conflict(a, b, near_a, near_b)
    if status is not None:
        return f"{about}: {status}"
    return None


def _numbers(items: Sequence[Item]) -> set[str]:
    return {key for item in items if item.kind == "number" for key in item.keys}


def _number_conflict(
    a: Unit, b: Unit, near_a: Sequence[Item], near_b: Sequence[Item]
) -> str | None:
    """Different numbers in the same slot, each absent from the other sentence."""
    mine, theirs = _numbers(near_a), _numbers(near_b)
    if not mine or not theirs or mine & theirs:
        return None
    if mine & _numbers(b.facts.side.items) or theirs & _numbers(a.facts.side.items):
        return None
    return f"{'/'.join(sorted(mine))} against {'/'.join(sorted(theirs))}"


def _statuses(items: Sequence[Item]) -> dict[str, str]:
    return {_STATUS_OF[key]: key for item in items for key in item.keys if key in _STATUS_OF}


def _status_conflict(
    a: Unit, b: Unit, near_a: Sequence[Item], near_b: Sequence[Item]
) -> str | None:
    """Opposed status words in the same slot ("announced" against "being prepared"), where
    neither sentence also uses the other's status anywhere."""
    mine, theirs = _statuses(near_a), _statuses(near_b)
    everywhere_a = set(_statuses(a.facts.side.items))
    everywhere_b = set(_statuses(b.facts.side.items))
    for status_a, key_a in mine.items():
        for status_b, key_b in theirs.items():
            if frozenset({status_a, status_b}) not in _OPPOSED:
                continue
            if status_b in everywhere_a or status_a in everywhere_b:
                continue
            return f"{_word(a, key_a)} against {_word(b, key_b)}"
    return None


def _word(unit: Unit, key: str) -> str:
    for token in unit.facts.tokens:
        if word_key(token.word) == key:
            return token.word
    return key


def _surface(unit: Unit, pair: tuple[str, str]) -> list[str]:
    return [_word(unit, key) for key in pair]
