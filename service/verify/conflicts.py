"""Facts the independent sources disagree on: a number, a status, a name or a date, told two ways.

Sentences of different independent sources are aligned by a pair of neighbouring content
words they share ("joint statement", "people killed"), rare enough in the request to name one
thing. Around that pair, each sentence's slots are compared, as the verifier reads them: the
numbers next to it ("killed 6 people" against "killed 13 people"), the status words
("announced a joint statement" against "preparing a joint statement"; "were killed" against
"were injured"), and the name in the same place with the same words between ("X scored the
winning goal" against "Y scored the winning goal"). Dates are aligned by the word they follow
("collapsed on Friday" against "collapsed on Thursday"), each resolved against its article's
date where it can be ("Friday" in an article of 2026-01-16 is "16 January"), so a weekday and
the date it names agree. A statement and its own syndicated copy are one source and never
disagree; one disagreement told by several outlets, or found around several word pairs, is
reported once, with a claim from each source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from service.domain import SourceGroups
from service.text.lexicon import (
    CARDINAL_TENS,
    CARDINAL_UNITS,
    MONTHS,
    NEGATIONS,
    SPEECH_VERBS,
    WEEKDAYS,
)
from service.text.normalize import word_key
from service.text.opposition import CANCELLING, OPPOSED_STATUSES, STATUS_OF
from service.text.when import publication_date, resolve_when
from service.verify.align import Item
from service.verify.index import SourceIndex, Unit

# How many items either side of the shared pair a number or a status word may stand.
SLOT_REACH = 3
# A pair of words in more sentences than this names no one thing.
MAX_PAIR_SENTENCES = 12
# At most this many disagreements are reported, the first found first.
MAX_CONFLICTS = 10


_NUMBER_WORDS = CARDINAL_UNITS | CARDINAL_TENS
# Who said something is not a fact in dispute: two outlets quote different people.
_SPEECH_KEYS = frozenset(word_key(word) for word in SPEECH_VERBS)
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS))
_DATE = re.compile(
    rf"\b(?:{_WEEKDAY_NAMES}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAMES})"
    rf"|(?:{_MONTH_NAMES})\s+\d{{1,2}}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
# Words that deny what follows them: "failed to agree", "did not sign", "refused to approve".
_DENYING = NEGATIONS | frozenset(
    "fail fails failed failing refuse refuses refused refusing".split()
)
# How many words before the shared pair a denial may stand ("failed to agree").
DENIAL_REACH = 3
# How many words may stand between a date and the word it follows ("collapsed early on Friday").
DATE_GAP_WORDS = 2


@dataclass(frozen=True)
class Disagreement:
    """Source sentences of different independent sources (two or more, one per source) that
    state one fact in different ways."""

    about: str
    units: tuple[int, ...]


@dataclass(frozen=True)
class _Side:
    """One sentence's version of a slot: its unit, its words for it, and what they mean."""

    unit: int
    label: str
    value: str


@dataclass(frozen=True)
class _Candidate:
    """Two sentences that fill one slot differently."""

    kind: str
    topic: str
    first: _Side
    second: _Side


@dataclass
class _Found:
    kind: str
    topic: str
    sides: dict[str, _Side] = field(default_factory=dict)

    def disagreement(self) -> Disagreement:
        labels = dict.fromkeys(side.label for side in self.sides.values())
        about = f"{self.topic}: {' against '.join(labels)}"
        return Disagreement(about, tuple(side.unit for side in self.sides.values()))


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
    found: list[_Found] = []
    # Two sentences that disagree around several shared pairs or slots disagree once.
    told: set[tuple[int, int]] = set()
    for candidate in _candidates(index):
        units = (candidate.first.unit, candidate.second.unit)
        first, second = (source_of[index.units[u].sentence.article_id] for u in units)
        pair = (min(units), max(units))
        if first == second or pair in told:
            continue
        told.add(pair)
        if _merge(found, candidate, first, second):
            continue
        if len(found) >= MAX_CONFLICTS:
            break
        found.append(
            _Found(
                candidate.kind, candidate.topic, {first: candidate.first, second: candidate.second}
            )
        )
    return [f.disagreement() for f in found]


def _merge(found: Sequence[_Found], candidate: _Candidate, first: str, second: str) -> bool:
    """Fold a candidate into a disagreement it repeats: same kind of slot, and one of its
    sources already there with the same version. A source not yet there adds its sentence;
    a copy of a source already there (or a second pair of words) adds nothing."""
    for entry in found:
        if entry.kind != candidate.kind:
            continue
        mine, theirs = entry.sides.get(first), entry.sides.get(second)
        if (mine is not None and mine.value == candidate.first.value) or (
            theirs is not None and theirs.value == candidate.second.value
        ):
            entry.sides.setdefault(first, candidate.first)
            entry.sides.setdefault(second, candidate.second)
            return True
    return False


def _candidates(index: SourceIndex) -> Iterator[_Candidate]:
    """Pairs of sentences that fill a slot differently: around shared word pairs, then dates."""
    # Where each word pair first stands in each sentence, found once for every comparison.
    places = [_pair_places(unit) for unit in index.units]
    for pair, units in _aligned(index, places):
        for first, second in combinations(units, 2):
            a, b = index.units[first], index.units[second]
            if a.facts.prepared == b.facts.prepared:
                continue  # a sentence repeated word for word disagrees with nothing
            candidate = _compare(a, b, pair, places[first][pair], places[second][pair])
            if candidate is not None:
                yield candidate
    yield from _date_candidates(index)


def _word_pairs(unit: Unit) -> Iterator[tuple[tuple[str, str], int]]:
    """Neighbouring content words of a sentence (by key), with the first one's item index."""
    items = unit.facts.side.items
    words = [i for i, item in enumerate(items) if item.kind == "word"]
    for left, right in zip(words, words[1:], strict=False):
        # Neighbours, or the words either side of one number ("rose 5 percent").
        if right - left > 2 or (right - left == 2 and items[left + 1].kind != "number"):
            continue
        for a in items[left].keys:
            for b in items[right].keys:
                if a != b:
                    yield (a, b), left


def _pair_places(unit: Unit) -> dict[tuple[str, str], int]:
    """Each word pair of a sentence, in order, with the item index where it first stands."""
    places: dict[tuple[str, str], int] = {}
    for pair, at in _word_pairs(unit):
        places.setdefault(pair, at)
    return places


def _aligned(
    index: SourceIndex, places: Sequence[dict[tuple[str, str], int]]
) -> list[tuple[tuple[str, str], list[int]]]:
    """Each word pair that sentences of more than one article share, with those sentences."""
    holders: dict[tuple[str, str], list[int]] = {}
    for unit in index.units:
        for pair in places[unit.index]:
            holders.setdefault(pair, []).append(unit.index)
    return [
        (pair, units)
        for pair, units in holders.items()
        if 1 < len(units) <= MAX_PAIR_SENTENCES
        and len({index.units[u].document for u in units}) > 1
    ]


def _near(unit: Unit, at: int) -> list[Item]:
    """The items within SLOT_REACH of the pair's place (item `at`) in the sentence."""
    items = unit.facts.side.items
    return list(items[max(at - SLOT_REACH, 0) : at + 2 + SLOT_REACH])


def _compare(a: Unit, b: Unit, pair: tuple[str, str], at_a: int, at_b: int) -> _Candidate | None:
    """What the two sentences disagree on around the shared pair (first at items `at_a` and
    `at_b`), if anything."""
    near_a, near_b = _near(a, at_a), _near(b, at_b)
    topic = " ".join(_surface(a, pair))
    for kind, slot in (
        ("number", _number_conflict(a, b, near_a, near_b)),
        ("status", _status_conflict(a, b, near_a, near_b)),
        ("status", _denial_conflict(a, b, at_a, at_b)),
        ("name", _name_conflict(a, b, pair, at_a, at_b)),
    ):
        if slot is not None:
            return _Candidate(kind, topic, *slot)
    return None


def _numbers(unit: Unit, items: Sequence[Item]) -> set[str]:
    """The numbers among the items, and the number words among the words they span."""
    return set(_counted(unit, items))


def _counted(unit: Unit, items: Sequence[Item]) -> dict[str, frozenset[str]]:
    """Each number among the items (a run of the sentence's own), and each number word
    ("seven") among the words they span and up to the items just outside them ("Six people"),
    as digits -> the content words just before and after it (what it counts)."""
    every = unit.facts.side.items
    out: dict[str, frozenset[str]] = {}
    if not items:
        return out
    # Found by identity: items compare field by field, and this runs for every pair compared.
    first = next(i for i, item in enumerate(every) if item is items[0])
    last = first + len(items) - 1
    for at in range(first, last + 1):
        if every[at].kind == "number":
            out.update(dict.fromkeys(every[at].keys, _beside(every, at - 1, at + 1)))
    low = every[first - 1].last + 1 if first > 0 else 0
    high = every[last + 1].first if last + 1 < len(every) else len(unit.facts.tokens)
    prepared = unit.facts.prepared
    for position in range(low, high):
        token = unit.facts.tokens[position]
        value = _NUMBER_WORDS.get(token.word.lower())
        # "three-day visit" describes the visit; it counts nothing the other sentence counts.
        if value is None or prepared.startswith("-", token.end):
            continue
        before = max((i for i, item in enumerate(every) if item.last < position), default=-1)
        out[str(value)] = _beside(every, before, before + 1)
    return out


def _beside(every: Sequence[Item], before: int, after: int) -> frozenset[str]:
    return frozenset(
        key
        for i in (before, after)
        if 0 <= i < len(every) and every[i].kind == "word"
        for key in every[i].keys
    )


def _number_conflict(
    a: Unit, b: Unit, near_a: Sequence[Item], near_b: Sequence[Item]
) -> tuple[_Side, _Side] | None:
    """Different numbers in the same slot, each absent from the other sentence (numbers both
    give, "of the nine judges", are not the slot)."""
    near_mine, near_theirs = _numbers(a, near_a), _numbers(b, near_b)
    mine, theirs = near_mine - near_theirs, near_theirs - near_mine
    if not mine or not theirs:
        return None
    if mine & _numbers(b, b.facts.side.items) or theirs & _numbers(a, a.facts.side.items):
        return None
    around_a, around_b = _counted(a, near_a), _counted(b, near_b)
    if not any(_same_quantity(around_a.get(x), around_b.get(y)) for x in mine for y in theirs):
        return None
    first, second = "/".join(sorted(mine)), "/".join(sorted(theirs))
    return _Side(a.index, first, first), _Side(b.index, second, second)


def _same_quantity(first: frozenset[str] | None, second: frozenset[str] | None) -> bool:
    """Whether two numbers may count the same thing: they share a word beside them ("13 people"
    and "30 people", "Category 4" and "Category 3"), or one has none to tell ("75 percent" and
    "20 million doses" count different things)."""
    return not first or not second or bool(first & second)


def _statuses(items: Sequence[Item]) -> dict[str, str]:
    return {STATUS_OF[key]: key for item in items for key in item.keys if key in STATUS_OF}


def _status_conflict(
    a: Unit, b: Unit, near_a: Sequence[Item], near_b: Sequence[Item]
) -> tuple[_Side, _Side] | None:
    """Opposed status words in the same slot ("announced" against "being prepared"), where
    neither sentence also uses the other's status anywhere; a cancelling status may name what
    it cancels ("postponed the launch" against "launched")."""
    mine, theirs = _statuses(near_a), _statuses(near_b)
    everywhere_a = set(_statuses(a.facts.side.items))
    everywhere_b = set(_statuses(b.facts.side.items))
    for status_a, key_a in mine.items():
        for status_b, key_b in theirs.items():
            if frozenset({status_a, status_b}) not in OPPOSED_STATUSES:
                continue
            if (status_b in everywhere_a and status_a not in CANCELLING) or (
                status_a in everywhere_b and status_b not in CANCELLING
            ):
                continue
            return (
                _Side(a.index, _word(a, key_a), status_a),
                _Side(b.index, _word(b, key_b), status_b),
            )
    return None


def _word(unit: Unit, key: str) -> str:
    for token in unit.facts.tokens:
        if word_key(token.word) == key:
            return token.word
    return key


def _surface(unit: Unit, pair: tuple[str, str]) -> list[str]:
    return [_word(unit, key) for key in pair]


def _names_beside(unit: Unit, at: int) -> dict[str, tuple[Item, tuple[str, ...]]]:
    """The nearest name on each side of the pair (at item `at`) within SLOT_REACH, with the
    words between."""
    items = unit.facts.side.items
    out: dict[str, tuple[Item, tuple[str, ...]]] = {}
    for side, positions in (
        ("left", range(at - 1, max(at - 1 - SLOT_REACH, -1), -1)),
        ("right", range(at + 2, min(at + 2 + SLOT_REACH, len(items)))),
    ):
        for i in positions:
            if items[i].kind == "name":
                between = items[i + 1 : at] if side == "left" else items[at + 2 : i]
                out[side] = (items[i], tuple(k for item in between for k in sorted(item.keys)))
                break
    return out


def _denial(unit: Unit, at: int) -> str | None:
    """The words from a denial just before the pair at item `at` (or before the word just
    before it: "did not sign the treaty", "refused to sign the treaty") to the pair's first
    word, or None where nothing denies it."""
    items = unit.facts.side.items
    head = items[at]
    start = items[at - 1].first if at > 0 else head.first
    tokens = unit.facts.tokens
    for position in range(max(start - DENIAL_REACH, 0), head.first):
        if tokens[position].word.lower() in _DENYING:
            return unit.facts.prepared[tokens[position].start : head.end]
    return None


def _denial_conflict(a: Unit, b: Unit, at_a: int, at_b: int) -> tuple[_Side, _Side] | None:
    """One sentence states what the other denies, around the same pair ("agreed to a
    ceasefire" against "failed to agree on a ceasefire")."""
    denied_a, denied_b = _denial(a, at_a), _denial(b, at_b)
    if (denied_a is None) == (denied_b is None):
        return None
    label_a = denied_a or _span(a, a.facts.side.items[at_a])
    label_b = denied_b or _span(b, b.facts.side.items[at_b])
    value_a = "denied" if denied_a else "stated"
    value_b = "denied" if denied_b else "stated"
    return _Side(a.index, label_a, value_a), _Side(b.index, label_b, value_b)


def _all_name_keys(unit: Unit) -> frozenset[str]:
    return frozenset(k for item in unit.facts.side.items if item.kind == "name" for k in item.keys)


def _name_conflict(
    a: Unit, b: Unit, pair: tuple[str, str], at_a: int, at_b: int
) -> tuple[_Side, _Side] | None:
    """Different people in the same place beside the pair, with the same words between
    ("Garcia scored the winning goal" against "Dupont scored the winning goal"), where neither
    sentence names the other's person anywhere. Not where the pair or the words between are a
    speech verb: outlets quote different people."""
    if set(pair) & _SPEECH_KEYS:
        return None
    beside_a, beside_b = _names_beside(a, at_a), _names_beside(b, at_b)
    for side in ("left", "right"):
        if side not in beside_a or side not in beside_b:
            continue
        (name_a, between_a), (name_b, between_b) = beside_a[side], beside_b[side]
        if between_a != between_b or set(between_a) & _SPEECH_KEYS:
            continue
        if name_a.place or name_b.place:
            continue
        if name_a.keys & _all_name_keys(b) or name_b.keys & _all_name_keys(a):
            continue
        return (
            _Side(a.index, _span(a, name_a), " ".join(sorted(name_a.keys))),
            _Side(b.index, _span(b, name_b), " ".join(sorted(name_b.keys))),
        )
    return None


def _span(unit: Unit, item: Item) -> str:
    return unit.facts.prepared[item.start : item.end]


@dataclass(frozen=True)
class _Date:
    unit: int
    head: frozenset[str]
    head_word: str
    surface: str
    value: str


def _dates(index: SourceIndex, unit: Unit) -> list[_Date]:
    """The dates a sentence gives, each with the word it follows and the day it names (resolved
    against the article's date where it can be, else the words themselves)."""
    prepared = unit.facts.prepared
    items = unit.facts.side.items
    published = publication_date(index.documents[unit.document].published_at)
    out: list[_Date] = []
    for match in _DATE.finditer(prepared):
        before = [item for item in items if item.end <= match.start()]
        if not before:
            continue
        head = before[-1]
        if len(prepared[head.end : match.start()].split()) > DATE_GAP_WORDS:
            continue
        if head.keys & _SPEECH_KEYS or head.kind != "word":
            continue
        surface = match[0]
        resolved = resolve_when(surface, published) if published is not None else None
        value = resolved or " ".join(surface.lower().split())
        out.append(_Date(unit.index, head.keys, _span(unit, head), surface, value))
    return out


def _date_candidates(index: SourceIndex) -> Iterator[_Candidate]:
    """Sentences that put the same word ("collapsed", "set for") on different days, where
    neither sentence also gives the other's day."""
    by_head: dict[str, list[_Date]] = {}
    values: dict[int, set[str]] = {}
    for unit in index.units:
        for date in _dates(index, unit):
            values.setdefault(unit.index, set()).add(date.value)
            for key in date.head:
                by_head.setdefault(key, []).append(date)
    for dates in by_head.values():
        if len(dates) > MAX_PAIR_SENTENCES:
            continue
        for x, y in combinations(dates, 2):
            if x.unit == y.unit or x.value in values[y.unit] or y.value in values[x.unit]:
                continue
            yield _Candidate(
                "date",
                x.head_word,
                _Side(x.unit, x.surface, x.value),
                _Side(y.unit, y.surface, y.value),
            )
