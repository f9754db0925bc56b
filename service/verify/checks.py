"""Checks on how a sentence is put: links it makes, hedges it drops, who speaks, loops."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from service.text.lexicon import MONTHS, NEGATIONS, ORDINAL_WORDS, SPEECH_VERBS, WEEKDAYS
from service.text.numbers import Quantity
from service.text.stances import side_of
from service.text.units import count_value, same_value, unit_mentions
from service.verify.analysis import SCOPE_BREAK, TextFacts, is_content_word, is_negation_cue
from service.verify.findings import Finding
from service.verify.index import Unit
from service.verify.wordkeys import PLACE_KEYS, ROLE_KEYS

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
    unlikely possibly probably perhaps apparently appear appears appeared seem seems
    seemed seemingly supposedly purportedly presumably potentially feared""".split()
)
# Participles that hedge only in "is said to", "was reported to", "are understood to".
_REPORTED_PARTICIPLES = frozenset(
    "said reported understood alleged rumoured rumored known claimed".split()
)
_BE = frozenset("is are was were be been being".split())
# Forms of the auxiliaries, one key each: a hedge dropped often changes the verb's form
# ("a fire could have" -> "a fire had", "may be" -> "is"), which word keys keep apart.
_AUXILIARY_KEYS = {
    **{form: "be" for form in _BE | {"am"}},
    **{form: "have" for form in ("have", "has", "had", "having")},
    **{form: "do" for form in ("do", "does", "did", "doe")},
}
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
    if not any(_is_hedge(u.facts, i) for u in units for i in range(len(u.facts.tokens))):
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
        if _is_hedge(facts, back):
            return True
    return False


def _is_hedge(facts: TextFacts, at: int) -> bool:
    """Whether token `at` hedges what follows ("may", "is said to"; not the month "May")."""
    tokens = facts.tokens
    word = tokens[at].word
    if word == "may" and tokens[at].capitalised and not tokens[at].sentence_initial:
        return False
    if word in _HEDGES:
        return True
    return (
        word in _REPORTED_PARTICIPLES
        and at > 0
        and tokens[at - 1].word in _BE
        and at + 1 < len(tokens)
        and tokens[at + 1].word == "to"
    )


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


# --- facts a misleading model changes while keeping the words -------------------------


class _Analysed:
    """A text's facts, compared and hashed by the text and its names (all the facts depend
    on), so what a check finds in a source sentence is cached across the claims checked
    against it. The caches are bounded: a server keeps a few requests' sentences at most."""

    def __init__(self, facts: TextFacts) -> None:
        self.facts = facts
        self.key = (facts.prepared, facts.names)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Analysed) and self.key == other.key


def claim_checks(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """The checks that catch one changed fact among words the sources state: a number's unit,
    an ordinal, a name swapped for another in the same place, a side taken the other way."""
    return (
        *mismatched_units(claim, units),
        *changed_ordinals(claim, units),
        *swapped_names(claim, units),
        *swapped_numbers(claim, units),
        *reversed_stances(claim, units),
        *replaced_hedges(claim, units),
        *unscoped_negations(claim, units),
    )


def mismatched_units(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A number with a unit ("1.5 miles") that the spans give only with other units."""
    mentions = unit_mentions(claim.prepared)
    if not mentions:
        return ()
    stated = [m for u in units for m in unit_mentions(u.facts.prepared)]
    findings: list[Finding] = []
    for mention in mentions:
        same = [m for m in stated if same_value(m.value, mention.value)]
        if same and all(m.unit != mention.unit for m in same):
            said = claim.prepared[mention.start : mention.end]
            given = ", ".join(sorted({m.unit for m in same}))
            reason = f"{said!r}: the cited spans give that number in {given}"
            findings.append(Finding("unit", reason))
    return tuple(findings)


def changed_ordinals(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """An ordinal the spans state only as a count, or a count they state only as an ordinal:
    "finished sixth" is not "six points", "three offers" is not "the third"."""
    stated = [q for u in units for q in u.facts.numbers.quantities if q.kind in _COUNTS]
    days = {d.day for u in units for d in u.facts.numbers.dates if d.day is not None}
    findings: list[Finding] = []
    for quantity in claim.numbers.quantities:
        if quantity.kind not in _COUNTS or not quantity.value.is_integer():
            continue
        # "the 16th" and "January 16" name the same day.
        if int(quantity.value) in days:
            continue
        other = _only_as_other_kind(quantity, stated)
        if other is not None and not _years_for_anniversary(claim, quantity.text, units):
            reason = f"{quantity.text}: the cited spans state {other.text}"
            findings.append(Finding("ordinal", reason))
    return tuple(findings)


def _only_as_other_kind(quantity: Quantity, stated: Sequence[Quantity]) -> Quantity | None:
    """A stated quantity of the same value, where every one is of the other kind (ordinal
    against count); None where one is of the same kind or none has the value."""
    same = [q for q in stated if same_value(q.value, quantity.value)]
    ordinal = quantity.kind == "ordinal"
    if same and all((q.kind == "ordinal") != ordinal for q in same):
        return same[0]
    return None


_COUNTS = ("ordinal", "cardinal")


def replaced_hedges(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A hedge the spans put between two words, dropped or replaced between the same two
    words in the claim ("any monkey could do" -> "any monkey will do", "women appear to be
    more open" -> "women are more open").

    `dropped_hedges` sees hedged content words; this sees the hedge's own place, so it also
    catches a hedged "do", "be" or "have", and a hedge of several words. The place makes it
    unambiguous (the same two words, the hedge between them in the spans and not in the
    claim), so its finding is a hard veto, where `dropped_hedges`' reading of a hedge's scope
    is left to a checker.
    """
    hedged = [h for unit in units for h in _hedges_of(_Analysed(unit.facts))]
    if not hedged:
        return ()
    flat = set().union(*(_pairs_of(_Analysed(unit.facts)) for unit in units))
    claimed = _gapped_pairs(claim)
    findings: list[Finding] = []
    for left, right, hedge in hedged:
        if (left, right) in claimed and (left, right) not in flat:
            said = surface(claim, right)
            reason = f"the cited spans hedge {said!r} with {hedge!r}; the sentence does not"
            findings.append(Finding("unhedged", reason))
    return tuple(findings)


@lru_cache(maxsize=2048)
def _hedges_of(analysed: _Analysed) -> tuple[tuple[str, str, str], ...]:
    """(key before, key after, the hedge's words) of each hedge of a text."""
    facts = analysed.facts
    found: list[tuple[str, str, str]] = []
    for at in range(len(facts.tokens)):
        span = _hedge_span(facts, at)
        if span is not None and span[0] > 0 and span[1] + 1 < len(facts.tokens):
            first, last = span
            said = facts.prepared[facts.tokens[first].start : facts.tokens[last].end]
            found.append((_aux_key(facts, first - 1), _aux_key(facts, last + 1), said))
    return tuple(found)


@lru_cache(maxsize=2048)
def _pairs_of(analysed: _Analysed) -> frozenset[tuple[str, str]]:
    return frozenset(_gapped_pairs(analysed.facts))


def _hedge_span(facts: TextFacts, at: int) -> tuple[int, int] | None:
    """The tokens of a hedge starting at `at` ("could", "appear to be", "is said to have"),
    as (first, last); None where none starts there."""
    tokens = facts.tokens
    if not _is_hedge(facts, at) or (at + 1 < len(tokens) and _is_hedge(facts, at + 1)):
        return None
    first = last = at
    if last + 1 < len(tokens) and tokens[last + 1].word == "to":
        # "is said to", "are expected to": the hedge starts at the verb "be".
        if at > 0 and tokens[at - 1].word in _BE:
            first = at - 1
        last += 1
        if last + 1 < len(tokens) and tokens[last + 1].word in ("be", "have", "been"):
            last += 1
    return first, last


def _aux_key(facts: TextFacts, at: int) -> str:
    """Token `at`'s key, every form of "be", "have" and "do" as one."""
    return _AUXILIARY_KEYS.get(facts.tokens[at].word, facts.keys[at])


def _gapped_pairs(facts: TextFacts) -> set[tuple[str, str]]:
    """(key, key) of neighbouring words, and of words one apart with no hedge between.

    Words of a hedge are in no pair ("concerns are understood to have been" does not say
    "concerns are ... been"), nor is a pair a negation follows ("I had not" does not say "I
    had")."""
    tokens = facts.tokens
    keys = [_aux_key(facts, at) for at in range(len(tokens))]
    hedged: set[int] = set()
    for at in range(len(tokens)):
        span = _hedge_span(facts, at)
        if span is not None:
            hedged.update(range(span[0], span[1] + 1))

    def stated(left: int, right: int) -> bool:
        negated = right + 1 < len(tokens) and tokens[right + 1].word in NEGATIONS
        return left not in hedged and right not in hedged and not negated

    pairs = {(keys[at], keys[at + 1]) for at in range(len(keys) - 1) if stated(at, at + 1)}
    pairs.update(
        (keys[at - 1], keys[at + 1])
        for at in range(1, len(keys) - 1)
        if not _is_hedge(facts, at) and stated(at - 1, at + 1)
    )
    return pairs


_ANNIVERSARY_RE = re.compile(r"(\d+)(?:st|nd|rd|th)\s+(?:anniversary|birthday|year)\b")


def _years_for_anniversary(claim: TextFacts, number: str, units: Sequence[Unit]) -> bool:
    """ "160 years" where the spans say "the 160th anniversary": the same count of years."""
    if not re.search(rf"\b{re.escape(number.lower())}\s*-?\s*years?\b", claim.prepared.lower()):
        return False
    return any(
        match[1] == number.replace(",", "")
        for unit in units
        for match in _ANNIVERSARY_RE.finditer(unit.facts.prepared.lower())
    )


# --- a name swapped for another -------------------------------------------------------

# Lower-case words that join the capitalised words of one name ("Bank of England").
_NAME_JOINERS = frozenset({"of", "for", "de", "la", "van", "von", "al"})
# The share of the claim's content a sentence must state for a name in the same place there
# to be the one the claim replaced (and not a coincidence of two words around a name).
_SWAP_COVERAGE = 0.5


@dataclass(frozen=True)
class _Run:
    """A run of capitalised words (a name), its keys, and what stands each side of it: the
    word next to it and the nearest content word (the same word where that is content)."""

    keys: frozenset[str]
    before: tuple[str, ...]
    after: tuple[str, ...]
    # Whether each side reaches a content word (not only "the", "of").
    anchored: tuple[bool, bool]
    # Whether a preposition of place stands before it ("in the ...", "at"): a location.
    located: bool = False


def _proper(facts: TextFacts, at: int) -> bool:
    token = facts.tokens[at]
    # "iPad", "eBay": a capital inside the word marks a name too.
    capital = token.capitalised or not facts.prepared[token.start : token.end].islower()
    if not capital or not is_content_word(token.word):
        return False
    # A capital at the start of a sentence says nothing, unless the word is a known name, a
    # place, or capitalised past its first letter ("UK", "NATO"): a place or acronym swapped
    # for another at the start of a sentence is still a swap.
    if not token.sentence_initial or facts.keys[at] in facts.names | PLACE_KEYS:
        return True
    surface = facts.prepared[token.start : token.end]
    return any(ch.isupper() for ch in surface[1:])


def _joined(facts: TextFacts, left: int, right: int) -> bool:
    """Whether tokens `left` and `right` are adjacent parts of one name."""
    between = facts.prepared[facts.tokens[left].end : facts.tokens[right].start]
    # A space, or a hyphen, apostrophe or full stop inside a word ("Indo-Pacific", "O'Neill");
    # a spaced dash separates two names.
    return between in ("", " ", "-", "'", "’", ". ")


def _continues(facts: TextFacts, at: int) -> bool:
    """Whether token `at` may continue a name: a name word, or any capitalised content word
    (after "U.S." the tokenizer takes "Immigration" for a sentence's first word)."""
    return _proper(facts, at) or (
        facts.tokens[at].capitalised and is_content_word(facts.tokens[at].word)
    )


def _run_end(facts: TextFacts, at: int) -> int:
    """The last token of the name starting at token `at`."""
    tokens = facts.tokens
    last = at
    while True:
        if (
            last + 1 < len(tokens)
            and _continues(facts, last + 1)
            and _joined(facts, last, last + 1)
        ):
            last += 1
        elif (
            last + 2 < len(tokens)
            and tokens[last + 1].word in _NAME_JOINERS
            and _proper(facts, last + 2)
        ):
            last += 2
        else:
            return last


def _side(facts: TextFacts, at: int, step: int) -> tuple[tuple[str, ...], bool]:
    """The key of the token next to `at` on one side and of the nearest content word (once
    where they are one word), and whether a content word was reached."""
    found: list[str] = []
    other = at + step
    while 0 <= other < len(facts.tokens):
        content = is_content_word(facts.tokens[other].word)
        if content or not found:
            found.append(facts.keys[other])
        if content:
            return tuple(found), True
        other += step
    return tuple(found), False


@lru_cache(maxsize=2048)
def _cached_runs(analysed: _Analysed) -> tuple[_Run, ...]:
    return tuple(_name_runs(analysed.facts))


def _runs_of(facts: TextFacts) -> tuple[_Run, ...]:
    """`_name_runs`, computed once per text (source sentences are checked again and again)."""
    return _cached_runs(_Analysed(facts))


def _name_runs(facts: TextFacts) -> list[_Run]:
    """The runs of capitalised words of a text, with their context each side."""
    runs: list[_Run] = []
    at = 0
    while at < len(facts.tokens):
        if not _proper(facts, at):
            at += 1
            continue
        last = _run_end(facts, at)
        (before, left), (after, right) = _side(facts, at, -1), _side(facts, last, 1)
        keys = frozenset(facts.keys[i] for i in range(at, last + 1) if _continues(facts, i))
        runs.append(_Run(keys, before, after, (left, right), _located(facts, at)))
        at = last + 1
    return runs


def _same_place(claim: _Run, source: _Run) -> int:
    """How surely two names stand in the same place: 2 with the same word next to them on
    both sides, 1 with the same context on one side (the next word and the nearest content
    word), as a name at the edge of a clause has; 0 otherwise."""
    both = bool(claim.before and claim.after)
    if both and (claim.before[:1], claim.after[:1]) == (source.before[:1], source.after[:1]):
        return 2
    sides = (
        (claim.before, source.before, claim.anchored[0]),
        (claim.after, source.after, claim.anchored[1]),
    )
    return int(any(anchored and mine == theirs for mine, theirs, anchored in sides))


def _swapped_for(
    run: _Run,
    near: Sequence[Unit],
    runs: dict[int, tuple[_Run, ...]],
    claim_keys: frozenset[str],
    places: frozenset[str],
) -> frozenset[str] | None:
    """The name the near units give in the claim's name's place, if they give another.

    Where only one side of the place matches, the claim's name must be absent from that
    unit: "Sterling, who ... Sturridge, was exposed" names Sterling, only further away.
    """
    stated = [(u, other) for u in near for other in runs[u.index]]
    if any(_same_place(run, other) and run.keys & other.keys for _, other in stated):
        return None
    for unit, other in stated:
        sureness = _same_place(run, other)
        named_there = any(run.keys & o.keys for o in runs[unit.index])
        # A name the claim uses elsewhere is a reordering ("Italy and Japan") only where the
        # unit says the claim's name too: "between UK and Italy, Japanese officials said"
        # against "between Japan and Italy" puts a name the unit never gives in Japan's place.
        reordered = other.keys & claim_keys and run.keys & set(unit.facts.keys)
        if (
            not sureness
            or reordered
            or not _comparable(run.keys, other.keys, places)
            or (sureness == 1 and named_there)
        ):
            continue
        return other.keys
    return None


def _located(facts: TextFacts, at: int) -> bool:
    """Whether the name starting at token `at` follows a preposition of place ("in the")."""
    back = at - 1
    if back >= 0 and facts.tokens[back].word == "the":
        back -= 1
    return back >= 0 and facts.tokens[back].word in _PLACE_PREPOSITIONS


# Before a name, these make it a location: a name the claim or the spans use so ("back to
# Utah") is a place, like a listed country, and another place is not its metonym.
_PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "inside", "outside"})


def _comparable(claim: frozenset[str], source: frozenset[str], places: frozenset[str]) -> bool:
    """Whether a swap of these two names would change who or what: not a role for a name
    ("the Premier"), nor a city for its country (metonymy: "Tokyo agreed" for "Japan
    agreed"); two places, two people or two organisations, yes. `places` are the listed
    countries and the names the texts put after a preposition of place ("in Utah")."""
    if claim <= ROLE_KEYS or source <= ROLE_KEYS:
        return False
    return (claim <= places) == (source <= places)


def swapped_names(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A person or organisation where a sentence stating the rest names someone else.

    "Brandt said the ships could dock" where the source says "Marsh said the ships could
    dock": Brandt may well be named in the sources, even beside the same words elsewhere,
    but not in that place.
    """
    claimed = [r for r in _runs_of(claim) if not r.keys <= ROLE_KEYS]
    if not claimed:
        return ()
    runs = {u.index: _runs_of(u.facts) for u in units}
    located = [r for r in _runs_of(claim) if r.located]
    located.extend(r for found in runs.values() for r in found if r.located)
    places = PLACE_KEYS.union(*(r.keys for r in located))
    findings: list[Finding] = []
    for run in claimed:
        near = _near(claim, units, run.keys)
        swapped = _swapped_for(run, near, runs, frozenset(claim.keys), places)
        if swapped is not None:
            reason = (
                f"the cited spans name {' '.join(sorted(swapped))} where the sentence "
                f"names {' '.join(sorted(run.keys))}"
            )
            findings.append(Finding("swap", reason))
    return tuple(findings)


def _count_at(facts: TextFacts, at: int) -> float | str | None:
    """What token `at` names if it is a plain count ("14", "five"), an ordinal ("fifth"), a
    month or a weekday ("Jan", "Friday"); None for any other word."""
    word = facts.tokens[at].word
    if word in MONTHS:
        # "May" the month is capitalised mid-sentence; "may" the verb is not.
        return f"month {MONTHS[word]}" if word != "may" or facts.tokens[at].capitalised else None
    if word in WEEKDAYS:
        return word
    if word in ORDINAL_WORDS:
        return f"ordinal {ORDINAL_WORDS[word]}"
    return count_value(word)


def _near(claim: TextFacts, units: Sequence[Unit], leave_out: frozenset[str]) -> list[Unit]:
    """The units that state most of the claim's content (besides `leave_out`)."""
    rest = claim.content_set - leave_out
    return [
        u for u in units if rest and len(rest & u.facts.content_set) >= _SWAP_COVERAGE * len(rest)
    ]


def swapped_numbers(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A count, month or weekday where a sentence stating the rest gives another between the
    same two words ("five out of five children" where the source says "four out of five",
    "a student in April" where it says "in February"), although the claim's is stated
    elsewhere."""
    counts = [at for at in range(1, len(claim.tokens) - 1) if _count_at(claim, at) is not None]
    if not counts:
        return ()
    near = _near(claim, units, frozenset())
    claimed_values = {_count_at(claim, at) for at in counts}
    findings: list[Finding] = []
    for at in counts:
        value = _count_at(claim, at)
        place = (claim.keys[at - 1], claim.keys[at + 1])
        there = [
            other
            for unit in near
            for i in range(1, len(unit.facts.tokens) - 1)
            if (unit.facts.keys[i - 1], unit.facts.keys[i + 1]) == place
            and (other := _count_at(unit.facts, i)) is not None
        ]
        if there and value not in there and not set(there) & claimed_values:
            said, given = claim.tokens[at].word, there[0]
            shown = f"{given:g}" if isinstance(given, float) else given
            reason = f"{said!r}: the cited spans give {shown} in that place"
            findings.append(Finding("number", reason))
    return tuple(findings)


def _negation_cues(facts: TextFacts) -> int:
    return sum(is_negation_cue(facts.tokens, i) for i in range(len(facts.tokens)))


def unscoped_negations(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A negation over function words only ("both did not have them"), which the
    negation scopes (content words) do not see, where the sentences stating the rest of the
    claim negate less."""
    cues = _negation_cues(claim)
    if cues <= len(claim.negation_scopes):
        return ()
    near = _near(claim, units, frozenset())
    stated = max((_negation_cues(u.facts) for u in near), default=cues)
    if cues <= stated:
        return ()
    return (Finding("negation", "the sentence negates what the cited spans state"),)


# --- a side taken the other way -------------------------------------------------------


def _content_neighbours(facts: TextFacts, at: int) -> set[str]:
    """The keys of the nearest content word before and after token `at`, within reach, if
    those take no side themselves: within its clause, or past punctuation where the clause
    has none ("promptly, in full, and")."""
    found = _neighbours(facts, at, within_clause=True)
    return found or _neighbours(facts, at, within_clause=False)


def _neighbours(facts: TextFacts, at: int, *, within_clause: bool) -> set[str]:
    found: set[str] = set()
    for step in (-1, 1):
        other = at
        for _ in range(_LINK_REACH):
            nxt = other + step
            if not 0 <= nxt < len(facts.tokens):
                break
            left, right = sorted((other, nxt))
            gap = facts.prepared[facts.tokens[left].end : facts.tokens[right].start]
            if within_clause and SCOPE_BREAK.search(gap):
                break
            other = nxt
            word = facts.tokens[other].word
            if is_content_word(word):
                if side_of(word) is None:
                    found.add(facts.keys[other])
                break
    return found


# "Voted for" takes a side that "for" alone does not.
_VOTING = frozenset("vote votes voted voting campaign campaigns campaigned campaigning".split())


def _side_at(facts: TextFacts, at: int) -> tuple[str, int] | None:
    """The side token `at` takes (see `service.text.stances`), if any."""
    word = facts.tokens[at].word
    if word == "for" and at > 0 and facts.tokens[at - 1].word in _VOTING:
        return ("attitude", 1)
    return side_of(word)


def reversed_stances(claim: TextFacts, units: Sequence[Unit]) -> tuple[Finding, ...]:
    """A word taking one side ("opposed", "refused", "fell") where a span takes the other
    about the same thing ("backed", "agreed", "rose"): the same word beside both."""
    findings: list[Finding] = []
    for at, token in enumerate(claim.tokens):
        side = _side_at(claim, at)
        if side is None or claim.keys[at] in claim.negated:
            continue
        neighbours = _content_neighbours(claim, at)
        if not neighbours:
            continue
        opposite = _opposite_in_units(side, neighbours, units, frozenset(claim.keys))
        if opposite is not None:
            reason = f"the cited spans say {opposite!r} where the sentence says {token.word!r}"
            findings.append(Finding("stance", reason))
    return tuple(findings)


def _opposite_in_units(
    side: tuple[str, int], neighbours: set[str], units: Sequence[Unit], claim_keys: frozenset[str]
) -> str | None:
    """A word of the other side of `side`'s group beside one of the same neighbours, in a
    unit that says nothing on `side`'s side beside them; None if there is none."""
    group, direction = side
    for unit in units:
        facts = unit.facts
        beside = [
            (at, found, around)
            for at, found, around in _stances_of(_Analysed(facts))
            if neighbours & around
        ]
        if any(found == side for _, found, _ in beside):
            continue
        for at, found, _ in beside:
            if found == (group, -direction) and facts.keys[at] not in claim_keys:
                return facts.tokens[at].word
    return None


@lru_cache(maxsize=2048)
def _stances_of(analysed: _Analysed) -> tuple[tuple[int, tuple[str, int], frozenset[str]], ...]:
    """(token, side, neighbours) of each word of a text that takes a side, un-negated."""
    facts = analysed.facts
    return tuple(
        (at, found, frozenset(_content_neighbours(facts, at)))
        for at in range(len(facts.tokens))
        if (found := _side_at(facts, at)) is not None and facts.keys[at] not in facts.negated
    )


# --- quotation marks --------------------------------------------------------------------

# A quotation this long (in words) in a claim must be a quotation in the sources too: words a
# source reports ("she said the talks would resume") are not words it quotes. Shorter ones are
# often scare quotes around a term.
QUOTATION_MIN_WORDS = 3
_PAIRED = {"“": "”", "«": "»", "„": "“"}
# A quotation in straight single quotes runs this many characters at most (a few sentences).
_LONGEST_STRAIGHT_QUOTE = 1_000
# Marks that only quote (a straight single quote is as often an apostrophe).
_QUOTATION_MARK = re.compile('["“”‘«»„]')
# Verbs that present words as someone's, besides the lexicon's speech verbs.
_MORE_SPEECH_VERBS = frozenset(
    "confirm confirms confirmed reveal reveals revealed explain explains explained tell".split()
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@lru_cache(maxsize=64)
def quotation_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where the text quotes someone: the spans between opening and closing quotation marks.

    A quotation left open runs to the end of its paragraph, as news quotes that go on in the
    next paragraph do.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = brk.start() if brk is not None else len(text)
        spans.extend(_quotations_in(text, start, end))
        if brk is not None:
            start = brk.end()
    return tuple(spans)


def _quotations_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The quotations of one paragraph, `text[start:end]`."""
    found: list[tuple[int, int]] = []
    at = start
    while at < end:
        char = text[at]
        close = -1
        if char in _PAIRED:
            close = text.find(_PAIRED[char], at + 1, end)
        elif char == '"':
            close = text.find('"', at + 1, end)
        elif (
            char in "‘'"
            and (at == start or not text[at - 1].isalnum())
            and at + 1 < end
            and text[at + 1].isalnum()
        ):
            close = _closing_single(text, at + 1, end, "’" if char == "‘" else "'")
            if char == "'" and (close == -1 or close - at > _LONGEST_STRAIGHT_QUOTE):
                # A straight single quote left open, or closed only far away, is likelier an
                # apostrophe ("'n'", "'90s").
                at += 1
                continue
        else:
            at += 1
            continue
        close = end if close == -1 else close
        found.append((at + 1, close))
        at = close + 1
    return found


def _closing_single(text: str, at: int, end: int, mark: str) -> int:
    """The closing single quotation mark from `at` on: one that ends a word, not an
    apostrophe inside one ("it’s", "O'Neill"). After punctuation, or between a lower-case
    letter and a capital, it closes with no space after it, as corpora that glue sentences
    have it ("wrong.'On Monday", "assemblies'Birmingham")."""
    while True:
        at = text.find(mark, at, end)
        if at == -1 or at + 1 >= end:
            return at
        after, before = text[at + 1], text[at - 1]
        if not after.isalnum() or before in ".,!?;:" or (after.isupper() and before.islower()):
            return at
        at += 1


def inside_quotation(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` lies within one quotation of the text."""
    return any(lo <= start and end <= hi + 1 for lo, hi in quotation_spans(text))


_CLAIM_QUOTATION_RE = re.compile(
    r"``\s*(?P<ptb>.+?)\s*''"
    r"|“(?P<curly>.+?)”"
    r"|‘(?P<single>.+?)’(?![A-Za-z])"
    r"|\"(?P<straight>[^\"]+?)\""
    r"|`\s*(?P<tick>[^`']+?)\s*'(?![A-Za-z])"
    # A straight single quote opens a quotation after a space, unless it starts a contraction
    # (a tokenised "'s", "'re").
    r"|(?:(?<=\s)|^)'(?!(?:s|t|re|ve|ll|d|m)\b)(?=\S)(?P<plain>[^']+?)(?<=\S)'(?![A-Za-z])"
)


@dataclass(frozen=True)
class Quotation:
    """A passage a claim puts in quotation marks, and whether it presents it as someone's
    words (a colon before it, or a speech verb right before or after it: 'X said: "..."',
    '"...," X said')."""

    text: str
    speech: bool


def claim_quotations(text: str) -> list[Quotation]:
    """The passages a claim puts in quotation marks, in any typography ("...", “...”, ‘...’,
    and the tokenised ``...'' and `...')."""
    found: list[Quotation] = []
    for match in _CLAIM_QUOTATION_RE.finditer(text):
        passage = next(g for g in match.groups() if g is not None).strip()
        before = text[max(match.start() - 40, 0) : match.start()]
        after = text[match.end() : match.end() + 40]
        speech = bool(
            before.rstrip().endswith(":")
            or _SPEECH_BEFORE.search(before)
            or _SPEECH_AFTER.search(after)
        )
        found.append(Quotation(passage, speech))
    return found


_SPEECH_WORDS = "|".join(sorted(SPEECH_VERBS | _MORE_SPEECH_VERBS, key=len, reverse=True))
_SPEECH_BEFORE = re.compile(rf"\b(?:{_SPEECH_WORDS})\b(?:\s+[\w'’]+){{0,2}}\s*[:,]?\s*$", re.I)
_SPEECH_AFTER = re.compile(rf"^\s*[,.!?]?\s*(?:[\w'’]+\s+){{0,3}}(?:{_SPEECH_WORDS})\b", re.I)


def unquoted(quotation: Quotation, occurrences: Sequence[tuple[str, int, int]]) -> Finding | None:
    """A claim's quotation that the sources state only outside quotation marks.

    `occurrences` are (document text, start, end) of the quoted words in the cited spans.
    Words a source reports ("she said the talks would resume") are not words it quotes. A
    source with no quotation marks at all may have lost them (some corpora strip them), so
    there only a quotation presented as someone's words is refused: a title or a nickname
    in quotation marks may have been quoted in the original.
    """
    if len(quotation.text.split()) < QUOTATION_MIN_WORDS or not occurrences:
        return None
    if any(inside_quotation(text, start, end) for text, start, end in occurrences):
        return None
    if not quotation.speech and not any(_QUOTATION_MARK.search(t) for t, _, _ in occurrences):
        return None
    return _unquoted_finding(quotation.text)


def _unquoted_finding(quoted: str) -> Finding:
    reason = (
        f"the sources state {quoted[:60]!r} but quote no one saying it: the quotation marks "
        "make reported words a quotation"
    )
    return Finding("unquoted", reason)
