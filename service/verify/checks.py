"""Checks on how a sentence is put: links it makes, hedges it drops, who speaks, loops."""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.verify.analysis import SCOPE_BREAK, TextFacts, is_content_word
from service.verify.findings import Finding
from service.verify.index import Unit

# Words that link two facts in time or as cause and effect, each with the words a source may
# use for the same link. "X after Y" is a claim of its own: a fusion of two source facts with a
# link no source makes ("tipped the scales at 20 stone after a stranger mistook her ...") is
# unsupported even though every word is in the sources.
_LINKS: dict[str, frozenset[str]] = {
    "after": frozenset({"after", "following", "since", "when", "once"}),
    "following": frozenset({"after", "following", "since", "when"}),
    "before": frozenset({"before", "until", "ahead", "prior"}),
    "until": frozenset({"before", "until"}),
    "because": frozenset({"because", "since", "as", "due", "over", "amid", "after"}),
    "causing": frozenset(
        {
            "causing",
            "leading",
            "prompting",
            "sparking",
            "triggering",
            "resulting",
            "forcing",
            "leaving",
        }
    ),
    "prompting": frozenset({"causing", "leading", "prompting", "sparking", "triggering"}),
    "when": frozenset({"when", "while", "as", "after", "during", "once", "whenever"}),
    "while": frozenset({"when", "while", "as", "during", "whilst"}),
}
# How far from the link word its two sides are looked for, in words.
_LINK_REACH = 5
_SOURCE_REACH = 12

# A summary speaks in the third person: "I" or "we" outside quotation marks is a quotation
# whose marks and speaker were lost ("i could not be happier with him ."). Only the subject
# forms count: "me" and "my" turn up in titles ("Child, Promise Me").
_FIRST_PERSON = frozenset({"i", "we"})
_QUOTE_MARK = re.compile(r"[\"`]|(?<![A-Za-z])'|'(?![A-Za-z])")

# Words that make what follows uncertain: a claim that drops them states as fact what the
# source only expects, suspects or reports ("judges who are thought to earn more than
# £200,000" is not "judges earn more than £200,000").
_HEDGES = frozenset(
    """could may might allegedly reportedly thought believed suspected expected likely
    possibly probably apparently appears appeared seems seemed feared""".split()
)
# How far before a source word its hedge may stand; in the claim, anywhere in the clause
# ("appeared to fight and aimed a headbutt" hedges both).
_HEDGE_REACH = 3


def surface(claim: TextFacts, key: str) -> str:
    """The claim's own spelling of the first word with this key (the key if none has it)."""
    for token, token_key in zip(claim.tokens, claim.keys, strict=True):
        if token_key == key:
            return claim.prepared[token.start : token.end]
    return key


def unlinked_connectives(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """Links ("X after Y") between words the units state, where no unit makes that link."""
    findings: list[Finding] = []
    stated = set().union(*(u.facts.content_set for u in units)) if units else set()
    for at, token in enumerate(claim.tokens):
        accepted = _LINKS.get(token.word)
        if accepted is None:
            continue
        left = _nearest_content(claim, at, -1)
        right = _nearest_content(claim, at, 1)
        if left is None or right is None or left not in stated or right not in stated:
            continue
        # Both sides beside the same link word of one unit: two facts the sources state apart
        # are not linked by any of them.
        if not any(_links(unit.facts, accepted, left, right) for unit in units):
            reason = (
                f"the cited spans do not link {surface(claim, left)!r} and "
                f"{surface(claim, right)!r} with {token.word!r}"
            )
            findings.append(Finding("link", reason))
    return tuple(findings)


def first_person_without_speaker(claim: TextFacts) -> tuple[Finding, ...]:
    """A first-person subject in a sentence with no quotation mark and no speaker, if any."""
    speaking = _first_person_subject(claim)
    if speaking is None:
        return ()
    reason = (
        f"{speaking!r} speaks in the first person outside a quotation: the sentence does "
        "not say who speaks"
    )
    return (Finding("first_person", reason),)


def _first_person_subject(claim: TextFacts) -> str | None:
    """The first-person subject of a sentence with no quotation mark and no speaker, if any."""
    if _QUOTE_MARK.search(claim.prepared):
        return None
    for event in claim.events:
        # "The minister said", "she said" name a speaker; "we reiterated" is the first person.
        words = claim.prepared[event.start : event.end].lower().split()
        if not (event.pronoun and _FIRST_PERSON.intersection(words)):
            return None
    for at, token in enumerate(claim.tokens):
        if token.word not in _FIRST_PERSON:
            continue
        # "World War I", "Elizabeth I": a numeral after a name, not a speaker.
        before = claim.tokens[at - 1] if at else None
        if before is not None and (before.capitalised or claim.keys[at - 1] in claim.names):
            continue
        return claim.prepared[token.start : token.end]
    return None


def repeated_stretch_unsaid(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A stretch the sentence says twice, as a generation loop does, that no unit repeats."""
    repeated = claim.repetition
    if repeated is None or any(repeated.said_in(u.facts.keys) for u in units):
        return ()
    return (Finding("loop", f"the sentence repeats itself: {repeated.surface!r}"),)


def dropped_hedges(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """Facts every cited span hedges ("could reach", "thought to earn") stated flatly."""
    # Most spans hedge nothing: then there is nothing to drop.
    if not any(t.word in _HEDGES for u in units for t in u.facts.tokens):
        return ()
    findings: list[Finding] = []
    for at, token in enumerate(claim.tokens):
        if not is_content_word(token.word) or _hedged(claim, at, len(claim.tokens)):
            continue
        said = _hedged_in_units(claim, at, units)
        if said and all(said):
            reason = (
                f"the cited spans hedge {surface(claim, claim.keys[at])!r}; the sentence "
                "states it as fact"
            )
            findings.append(Finding("hedge", reason))
    return tuple(findings)


def _hedged_in_units(claim: TextFacts, at: int, units: Sequence[Unit]) -> list[bool]:
    """For each place the units say the claim's word `at` (before the same next word): hedged?"""
    key = claim.keys[at]
    following = _nearest_content(claim, at, 1)
    said: list[bool] = []
    for unit in units:
        facts = unit.facts
        for other, other_key in enumerate(facts.keys):
            if other_key != key:
                continue
            if following is not None and _nearest_content(facts, other, 1) != following:
                continue
            said.append(_hedged(facts, other, _HEDGE_REACH))
    return said


def _hedged(facts: TextFacts, at: int, reach: int) -> bool:
    """Whether a hedge word stands within `reach` words before token `at`, in its clause."""
    for back in range(at - 1, max(at - 1 - reach, -1), -1):
        between = facts.prepared[facts.tokens[back].end : facts.tokens[back + 1].start]
        if SCOPE_BREAK.search(between):
            return False
        if facts.tokens[back].word in _HEDGES:
            return True
    return False


def _nearest_content(claim: TextFacts, at: int, step: int) -> str | None:
    """The key of the nearest content word before (step -1) or after (+1) token `at`."""
    for _ in range(_LINK_REACH):
        at += step
        if not 0 <= at < len(claim.tokens):
            return None
        if is_content_word(claim.tokens[at].word):
            return claim.keys[at]
    return None


def _links(facts: TextFacts, accepted: frozenset[str], left: str, right: str) -> bool:
    """Whether a link word stands in these facts with `left` shortly before, `right` after."""
    keys = facts.keys
    for at, token in enumerate(facts.tokens):
        if token.word not in accepted:
            continue
        before = keys[max(at - _SOURCE_REACH, 0) : at]
        after = keys[at + 1 : at + 1 + _SOURCE_REACH]
        if left in before and right in after:
            return True
    return False
