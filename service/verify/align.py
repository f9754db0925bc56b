"""What is bound to what: a claim's neighbouring facts against the same neighbours in a source.

A sentence can use only words the source uses and still misstate it: "Garcia hosted Dupont"
where the source says Dupont hosted Garcia, "Frank Jordan, 37" where the source gives 37 as
Louis Jordan's age, "the last meeting" where the source says "the first meeting" and uses "last"
elsewhere. Bags of words cannot see these; neighbours can. Each text becomes a sequence of
items (a name, a number, a content word), and each pair of neighbouring items in the claim is
looked up in the source: found near each other in the same order, the pair is bound; found
with a different name, number or an opposite word in the same slot (the same punctuation and
about the same words between), it is a contradiction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from service.text.lexicon import PLACE_KEY, ROLES, TITLES
from service.text.normalize import Token, word_key

ItemKind = Literal["name", "number", "word"]

# How far apart (in items) two neighbours of the claim may stand in the source and still count
# as stated together: an adjective or a title may come between.
BIND_WINDOW = 3
# How far from a conflicting name the claim's own name may stand, joined by "and", for the
# source to be naming both ("Dupont and her Spanish counterpart Garcia agreed").
COORDINATION_REACH = 6

_PLACES = frozenset(PLACE_KEY.values())
_TITLES = "mr|mrs|ms|dr|sir|dame|lord|lady"
_LIST_SEPARATOR = re.compile(rf"^\s*(,|,?\s*(and|or|&))\s*(?:(?:{_TITLES})\.?\s+)?$", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PUNCTUATION = re.compile(r"[,;:()\[\]!?\u2014-]")
_COORDINATION_WORDS = frozenset({"and", "with", "alongside"})
# The auxiliaries of the passive ("was signed", "got postponed").
PASSIVE_AUXILIARIES = frozenset("is are was were be been being get gets got".split())
_ARTICLES = frozenset({"the", "a", "an"})
# Verbs whose subject and object can change places without changing the fact.
SYMMETRIC_VERBS = frozenset(
    """
    meet met meeting meets talk talks talked speak spoke spoken chat chatted negotiate
    negotiated marry married wed divorce divorced draw drew drawn tie tied clash clashed
    partner partnered agree agreed ally allied join joined face faced play played
    """.split()
)


@dataclass(frozen=True)
class Item:
    """A name (a run of name words, or names joined by "and"), a number, or a content word."""

    keys: frozenset[str]
    kind: ItemKind
    # Token indices of the first and last word, and the offsets they span in the prepared text.
    first: int
    last: int
    start: int
    end: int
    # How many separate names a coordination joins ("France and Spain": 2), and the keys of
    # each ("Antonio Tajani and Maria Tripodi": the first two and the last two); empty for one.
    parts: int = 1
    members: tuple[frozenset[str], ...] = ()
    # A country, its people or a region ("Spanish"): never in conflict with a person's name.
    place: bool = False


def build_items(
    prepared: str,
    tokens: Sequence[Token],
    keys: Sequence[str],
    name_flags: Sequence[bool],
    item_flags: Sequence[bool],
) -> tuple[Item, ...]:
    """The text's items in order; `item_flags` marks words that carry content."""
    raw: list[Item] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if keys[index] == "unk":
            # A summariser's placeholder for a word it could not spell: no item of its own.
            index += 1
            continue
        if name_flags[index]:
            last = index
            # A name runs on across words joined by spaces, hyphens or apostrophes only.
            while (
                last + 1 < len(tokens)
                and name_flags[last + 1]
                and keys[last + 1] != "unk"
                and not prepared[tokens[last].end : tokens[last + 1].start].strip(" -'")
            ):
                last += 1
            run = frozenset(keys[index : last + 1])
            raw.append(
                Item(run, "name", index, last, token.start, tokens[last].end, place=run <= _PLACES)
            )
            index = last + 1
            continue
        if token.word[0].isdigit():
            raw.append(
                Item(
                    frozenset({_number_key(token.word)}),
                    "number",
                    index,
                    index,
                    token.start,
                    token.end,
                )
            )
        elif item_flags[index]:
            raw.append(Item(frozenset({keys[index]}), "word", index, index, token.start, token.end))
        index += 1
    return tuple(_join_coordinations(prepared, raw))


def _number_key(word: str) -> str:
    """ "160th" and "160" alike, "1,000" as "1000"; "1st" is "first", which has an opposite."""
    if word == "1st":
        return "first"
    digits = _LEADING_NUMBER.match(word)
    return digits.group().replace(",", "") if digits else word


def _join_coordinations(prepared: str, raw: list[Item]) -> list[Item]:
    """Merge names listed with commas and "and" ("France, Spain and Britain") into one item."""
    out: list[Item] = []
    index = 0
    while index < len(raw):
        item = raw[index]
        if item.kind != "name":
            out.append(item)
            index += 1
            continue
        members = [item]
        saw_conjunction = False
        nxt = index + 1
        while nxt < len(raw) and raw[nxt].kind == "name":
            match = _LIST_SEPARATOR.match(prepared[members[-1].end : raw[nxt].start])
            if match is None:
                break
            saw_conjunction = saw_conjunction or match.group(2) is not None
            members.append(raw[nxt])
            nxt += 1
        if len(members) > 1 and saw_conjunction:
            out.append(
                Item(
                    frozenset().union(*(m.keys for m in members)),
                    "name",
                    members[0].first,
                    members[-1].last,
                    members[0].start,
                    members[-1].end,
                    parts=len(members),
                    members=tuple(m.keys for m in members),
                    place=all(m.place for m in members),
                )
            )
            index = nxt
        else:
            out.append(item)
            index += 1
    return out


@dataclass(frozen=True)
class Side:
    """One text's items, the words and prepared text they come from, and where each key is."""

    items: tuple[Item, ...]
    tokens: Sequence[Token]
    prepared: str
    where: dict[str, list[int]] = field(default_factory=dict)
    # Whether the text uses capitals at all: lower-cased text cannot mark its names.
    cased: bool = True

    @classmethod
    def of(cls, items: tuple[Item, ...], tokens: Sequence[Token], prepared: str) -> Side:
        """A side with its key index built."""
        where: dict[str, list[int]] = {}
        for position, item in enumerate(items):
            for key in item.keys:
                where.setdefault(key, []).append(position)
        return cls(items, tokens, prepared, where, any(map(str.isupper, prepared)))

    def positions(self, item: Item) -> list[int]:
        """Where items sharing a key with `item` stand, in order."""
        if len(item.keys) == 1:
            return self.where.get(next(iter(item.keys)), [])
        found: set[int] = set()
        for key in item.keys:
            found.update(self.where.get(key, ()))
        return sorted(found)

    @cached_property
    def roles(self) -> list[tuple[int, Item, Item]]:
        """(verb position, doer, done to) for each verb between two people: `find_roles`."""
        return find_roles(self)

    def gap(self, left: int, right: int) -> tuple[str, tuple[str, ...]]:
        """The punctuation and the words between two items."""
        a, b = self.items[left], self.items[right]
        punctuation = "".join(_PUNCTUATION.findall(self.prepared[a.end : b.start]))
        words = tuple(t.word for t in self.tokens[a.last + 1 : b.first])
        return punctuation, words


def same(claim: Item, source: Item) -> bool:
    """Whether a source item states the claim item (a name may be given in part)."""
    if claim.kind == "name" or source.kind == "name":
        return (
            claim.kind == source.kind
            and bool(claim.keys & source.keys)
            and not _different_full_names(claim, source)
        )
    return claim.keys == source.keys


def _different_full_names(claim: Item, source: Item) -> bool:
    """ "Frank Jordan" against "Louis Jordan": both full names, neither part of the other."""
    return (
        claim.parts == 1
        and source.parts == 1
        and len(claim.keys) > 1
        and len(source.keys) > 1
        and not claim.keys <= source.keys
        and not source.keys <= claim.keys
    )


_TITLE_KEYS = frozenset(word_key(t) for t in TITLES)


@dataclass
class Binding:
    """How the claim's neighbouring items are stated in the source sentences."""

    pairs: int
    bound: int
    # Claim items the sources state, but never near any of their claim neighbours.
    stranded_names: int
    stranded_words: int
    conflicts: list[str]


class Binder:
    """Checks a claim's neighbouring items against source sentences."""

    def __init__(
        self,
        opposites: dict[str, frozenset[str]],
        same_person: frozenset[tuple[str, str]] = frozenset(),
        known: frozenset[str] = frozenset(),
    ) -> None:
        self.opposites = opposites
        # Pairs of name words the sources use in one name ("stan", "freberg").
        self.same_person = same_person
        # Every key the source sentences use.
        self.known = known

    def bind(self, claim: Side, sources: Sequence[Side]) -> Binding:
        """Look up each neighbouring pair of claim items in the sources."""
        items = claim.items
        has_bound = [len(items) == 1] * len(items)
        pairs = 0
        bound_pairs = 0
        conflicts: list[str] = []
        # Read after the role swaps, as their own kind of contradiction.
        pronoun_conflicts: list[str] = []
        for left in range(len(items) - 1):
            pairs += 1
            if any(self._bound(items[left], items[left + 1], side) for side in sources):
                bound_pairs += 1
                has_bound[left] = has_bound[left + 1] = True
                continue
            for side in sources:
                conflict = self._slot_conflict(claim, left, side)
                if conflict is not None:
                    conflicts.append(conflict)
                    break
            pronoun = self._pronoun_conflict(claim, left + 1, sources)
            if pronoun is not None:
                pronoun_conflicts.append(pronoun)
        stranded_names = 0
        stranded_words = 0
        for position, item in enumerate(items):
            if has_bound[position] or not any(side.positions(item) for side in sources):
                continue
            if item.kind == "name":
                stranded_names += 1
            else:
                stranded_words += 1
        conflicts.extend(self._role_swaps(claim, sources))
        conflicts.extend(pronoun_conflicts)
        return Binding(
            pairs, bound_pairs, stranded_names, stranded_words, list(dict.fromkeys(conflicts))
        )

    def _role_swaps(self, claim: Side, sources: Sequence[Side]) -> list[str]:
        """Who does what to whom, turned round: "Garcia hosted Dupont", or "Dupont was
        hosted by Garcia", where a source says Dupont hosted Garcia."""
        found: list[str] = []
        for verb, doer, done_to in claim.roles:
            if _is_symmetric(claim, claim.items[verb]):
                continue
            # A source that also says it the claim's way round supports it, whatever else.
            if any(
                claim.items[verb].keys & side.items[other_verb].keys
                and same(doer, other_doer)
                and same(done_to, other_done_to)
                for side in sources
                for other_verb, other_doer, other_done_to in side.roles
            ):
                continue
            for side in sources:
                for other_verb, other_doer, other_done_to in side.roles:
                    if not claim.items[verb].keys & side.items[other_verb].keys:
                        continue
                    if (
                        same(doer, other_done_to)
                        and same(done_to, other_doer)
                        and not same(doer, other_doer)
                    ):
                        found.append(
                            f"the cited spans say {_text(side, other_doer)!r} "
                            f"{_text(claim, claim.items[verb])} {_text(side, other_done_to)!r}, "
                            "not the other way round"
                        )
        return found

    def _pronoun_conflict(self, claim: Side, verb: int, sources: Sequence[Side]) -> str | None:
        """A claim's person doing what a source gives to "he" or "she" standing for someone
        else: "Mr Brenn was granted bail" where the source says "Quill left court, where she
        was granted bail". Asked only of a pair (person, verb) no source binds. The pronoun is
        read as any person the source sentence names before it; only where none of them is
        the claim's person is it a contradiction."""
        doer, item = claim.items[verb - 1], claim.items[verb]
        if doer.kind != "name" or doer.place or item.kind != "word":
            return None
        claim_gap = _subject_gap(claim, verb)
        if claim_gap is None or _is_symmetric(claim, item):
            return None
        for side in sources:
            said = self._pronoun_doer(claim, verb, claim_gap, side)
            if said is not None:
                return said
        return None

    def _pronoun_doer(
        self, claim: Side, verb: int, claim_gap: tuple[str, ...], side: Side
    ) -> str | None:
        """Why the source gives the claim's verb to a pronoun for someone else, or None."""
        doer, item = claim.items[verb - 1], claim.items[verb]
        for at in side.positions(item):
            if at == 0 or not same(item, side.items[at]):
                continue
            pronoun = _subject_gap(side, at, pronoun=True)
            if pronoun is None or (PASSIVE_AUXILIARIES & set(pronoun)) != (
                PASSIVE_AUXILIARIES & set(claim_gap)
            ):
                continue
            people = [
                candidate
                for candidate in side.items[:at]
                if candidate.kind == "name" and not candidate.place
            ]
            if people and not any(same(doer, person) for person in people):
                return (
                    f"the cited spans give {_text(side, side.items[at])!r} to "
                    f"{pronoun[0]!r} ({_text(side, people[0])}), not {_text(claim, doer)!r}"
                )
        return None

    def states_pair(self, claim: Side, left: int, side: Side) -> bool:
        """Whether the source has the claim's name and the item after it side by side, joined
        alike ("Barry Beavis, 48,")."""
        a, b = claim.items[left], claim.items[left + 1]
        if a.kind != "name":
            return False
        gap = claim.gap(left, left + 1)
        return any(
            i + 1 < len(side.items)
            and same(a, side.items[i])
            and same(b, side.items[i + 1])
            and side.gap(i, i + 1) == gap
            for i in side.positions(a)
        )

    def _bound(self, a: Item, b: Item, side: Side) -> bool:
        items = side.items
        for i in side.positions(a):
            if not same(a, items[i]):
                continue
            # One name run may hold both ("The Big Bopper Richardson").
            if same(b, items[i]) and a.kind == b.kind == "name":
                return True
            for j in range(i + 1, min(i + 1 + BIND_WINDOW, len(items))):
                if same(b, items[j]):
                    return True
            # Names joined by "and" may be listed in either order.
            if a.kind == b.kind == "name":
                for j in range(max(i - BIND_WINDOW, 0), i):
                    if same(b, items[j]):
                        return True
        return False

    def names_conflict(self, claim: Item, source: Item) -> bool:
        """Two names for different people or places in the same slot."""
        if claim.kind != "name" or source.kind != "name" or claim.place != source.place:
            return False
        if not claim.keys & source.keys:
            return not any((a, b) in self.same_person for a in claim.keys for b in source.keys)
        return _different_full_names(claim, source) and not (
            self._titled_surname_of(claim, source) or self._titled_surname_of(source, claim)
        )

    def _titled_surname_of(self, titled: Item, full: Item) -> bool:
        """Whether `titled` is a title and a surname ("Mr Hardy") the sources give in one full
        name only, and `full` is that name ("Robert Hardy"). With a second full name of that
        surname in the sources ("Louis Hardy") "Mr Hardy" may be either: no match."""
        surname = titled.keys - _TITLE_KEYS
        if len(surname) != 1 or surname == titled.keys or not surname <= full.keys:
            return False
        (key,) = surname
        given = {b for a, b in self.same_person if a == key and b not in _TITLE_KEYS}
        return given <= full.keys - surname

    def _name_like(self, claim: Side, item: Item) -> bool:
        """A name, or in lower-cased text a word the sources never use ("dupont began")."""
        return item.kind == "name" or (
            not claim.cased and item.kind == "word" and not item.keys & self.known
        )

    def _clashes(self, claim: Side, item: Item, source: Item, anchor: Item) -> bool:
        if self._name_like(claim, item):
            # Next to a verb, a noun or a number a name fills a role; next to another name
            # ("Garcia in Madrid") it may just be the nearer of two that share it.
            if anchor.kind == "name":
                return False
            if item.kind == "name":
                return self.names_conflict(item, source)
            return source.kind == "name" and not source.place
        if item.kind == "number":
            return source.kind == "number" and not item.keys & source.keys
        return any(self.opposites.get(key, frozenset()) & source.keys for key in item.keys)

    def _slot_conflict(self, claim: Side, left: int, side: Side) -> str | None:
        """The source puts another name, number or an opposite word next to a claim neighbour."""
        # The source has "a z" where the claim has "a b", or "z b" where it has "a b".
        found = self._neighbour_conflict(claim, left, side, 1)
        return found if found is not None else self._neighbour_conflict(claim, left, side, -1)

    def _neighbour_conflict(self, claim: Side, left: int, side: Side, step: int) -> str | None:
        """A conflict beside one of the pair: the right one (`step` 1) or the left one (-1)."""
        anchor_at = left if step == 1 else left + 1
        anchor, item = claim.items[anchor_at], claim.items[anchor_at + step]
        pair = claim.items[left], claim.items[left + 1]
        # What stands between the pair, read only once a clash needs it (most slots have none).
        claim_gap: tuple[str, tuple[str, ...]] | None = None
        items = side.items
        for at in side.positions(anchor):
            beside = at + step
            if not 0 <= beside < len(items) or not same(anchor, items[at]):
                continue
            stated = items[beside]
            if not self._clashes(claim, item, stated, anchor):
                continue
            claim_gap = claim_gap or claim.gap(left, left + 1)
            if not _same_slot(claim_gap, side.gap(min(at, beside), max(at, beside)), *pair):
                continue
            if step == 1 and (_possessive(side, stated) or _possessive(claim, item)):
                continue
            if self._name_like(claim, item) and _role_may_differ(
                claim, anchor_at, anchor_at + step, side, at, beside
            ):
                continue
            return _describe(claim, item, anchor, side, stated)
        return None


def _role_may_differ(
    claim: Side, claim_anchor: int, claim_item: int, side: Side, anchor: int, beside: int
) -> bool:
    """Whether a different name next to the anchor can be no contradiction: the verb is
    symmetric or passive, or the names are joined by "and" (a verb distributes over names
    joined by "and"; an age or other number does not: "Frank Jordan, 62, and Louis Jordan, 37")."""
    coordinated = claim.items[claim_anchor].kind == "word" and (
        _coordinated(side, beside, claim.items[claim_item])
        or _coordinated(claim, claim_item, side.items[beside])
    )
    return (
        _is_symmetric(side, side.items[anchor])
        or _passive(claim, claim_anchor)
        or _passive(side, anchor)
        or coordinated
    )


def _same_slot(
    claim_gap: tuple[str, tuple[str, ...]],
    source_gap: tuple[str, tuple[str, ...]],
    left: Item,
    right: Item,
) -> bool:
    """Whether two neighbours stand in the same relation: same punctuation, like words between.

    Numbers must be joined exactly alike ("Jordan, 37" is an age; "the 37" is not); other items
    may differ by an article ("in the Philippines", "in Australia").
    """
    if claim_gap[0] != source_gap[0]:
        return False
    if left.kind == "number" or right.kind == "number":
        return claim_gap[1] == source_gap[1]
    claim_words = tuple(w for w in claim_gap[1] if w not in _ARTICLES)
    source_words = tuple(w for w in source_gap[1] if w not in _ARTICLES)
    return claim_words == source_words


def _possessive(side: Side, item: Item) -> bool:
    """Whether a name modifies what follows it ("HBO's comedy Veep"): it fills no slot."""
    after = item.last + 1
    return (
        after < len(side.tokens)
        and side.tokens[after].word == "s"
        and "'" in side.prepared[item.end : side.tokens[after].start]
    )


def _coordinated(side: Side, at: int, other: Item) -> bool:
    """Whether `other` is named with the item at `at`, joined by "and" ("X and her ally Y")."""
    items = side.items
    low = max(at - COORDINATION_REACH, 0)
    high = min(at + COORDINATION_REACH + 1, len(items))
    for position in range(low, high):
        candidate = items[position]
        if position == at or candidate.kind != "name" or not candidate.keys & other.keys:
            continue
        first, second = sorted((position, at))
        words = {t.word for t in side.tokens[items[first].last + 1 : items[second].first]}
        between = side.prepared[items[first].end : items[second].start]
        if words & _COORDINATION_WORDS or "&" in between:
            return True
    return False


def _passive(side: Side, verb: int) -> bool:
    """Whether the item is a passive verb ("was hosted by"): its doer comes after it."""
    item = side.items[verb]
    start = side.items[verb - 1].last + 1 if verb > 0 else 0
    auxiliary = any(t.word in PASSIVE_AUXILIARIES for t in side.tokens[start : item.first])
    after = item.last + 1
    return auxiliary and after < len(side.tokens) and side.tokens[after].word == "by"


# How many items a verb's doer or the one it is done to may stand from it ("Dupont hosted
# Spanish Prime Minister Ana Garcia": a nationality and a role in between).
_ROLE_REACH = 4


def find_roles(side: Side) -> list[tuple[int, Item, Item]]:
    """(verb position, doer, done to) for each content word between two people's names in one
    clause, with a passive ("was hosted by") read the other way round."""
    items = side.items
    found: list[tuple[int, Item, Item]] = []
    for verb, item in enumerate(items):
        if item.kind != "word":
            continue
        before = _person_near(side, verb, -1)
        after = _person_near(side, verb, 1)
        if before is None or after is None:
            continue
        if _passive(side, verb):
            found.append((verb, items[after], items[before]))
        else:
            found.append((verb, items[before], items[after]))
    return found


def _person_near(side: Side, verb: int, step: int) -> int | None:
    """The nearest name of a person before (step -1) or after (+1) a verb, within its clause."""
    position = verb
    for _ in range(_ROLE_REACH):
        nxt = position + step
        if not 0 <= nxt < len(side.items):
            return None
        punctuation, words = side.gap(min(position, nxt), max(position, nxt))
        if punctuation or set(words) & _CLAUSE_WORDS:
            return None
        position = nxt
        candidate = side.items[position]
        if candidate.kind == "name" and not candidate.place:
            return position
        # Only a nationality or a role may stand between ("hosted Spanish Prime Minister
        # Ana Garcia"); another word is the verb's own object or another verb ("scored
        # 17 goals for Rayo", "said Garcia hosted").
        descriptive = candidate.place or all(
            t.word in ROLES for t in side.tokens[candidate.first : candidate.last + 1]
        )
        if not descriptive:
            return None
    return None


# Words that may stand between a verb and its subject: auxiliaries and a few adverbs.
_AUXILIARIES = PASSIVE_AUXILIARIES | frozenset(
    "has have had having will would could can may might should must shall do does did "
    "also then later still already just reportedly allegedly".split()
)
_SUBJECT_PRONOUNS = frozenset({"he", "she"})


def _subject_gap(side: Side, verb: int, pronoun: bool = False) -> tuple[str, ...] | None:
    """The words between a verb and the item before it, where they make that item (or, with
    `pronoun`, a "he" or "she" among them) its subject: no punctuation, only auxiliaries and
    adverbs after it. The words from the pronoun on, or None."""
    punctuation, words = side.gap(verb - 1, verb)
    if pronoun:
        starts = [i for i, w in enumerate(words) if w in _SUBJECT_PRONOUNS]
        if not starts:
            return None
        words = words[starts[-1] :]
        return words if all(w in _AUXILIARIES for w in words[1:]) else None
    if punctuation or not all(w in _AUXILIARIES for w in words):
        return None
    return words


_CLAUSE_WORDS = frozenset("and but or that which who whom when while as after before".split())


def _text(side: Side, item: Item) -> str:
    """The item as the text writes it."""
    return side.prepared[item.start : item.end]


def _is_symmetric(side: Side, item: Item) -> bool:
    return item.kind == "word" and any(
        side.tokens[i].word in SYMMETRIC_VERBS for i in range(item.first, item.last + 1)
    )


def _describe(claim: Side, said: Item, anchor: Item, side: Side, stated: Item) -> str:
    return (
        f"the cited spans put {_text(side, stated)!r} with {_text(claim, anchor)!r}, "
        f"not {_text(claim, said)!r}"
    )
