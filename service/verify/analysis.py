"""What a piece of text states, in the forms the support checks compare.

The same analysis runs on source sentences (once, when a Verifier is built) and on claims, so a
claim and a source that say the same thing end up with the same keys whatever their spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import NamedTuple

from service.text.lexicon import (
    CURRENCY_WORDS,
    DENIALS,
    DESCRIPTOR_GLUE,
    MONTHS,
    NEGATION_EXCEPTIONS,
    NEGATIONS,
    NEGATIVE_IMPLICATIVES,
    NUMBER_WORDS,
    ORDER_WORDS,
    PLACE_KEY,
    PRONOUN_SPEAKERS,
    ROLES,
    SCALE_ABBREVIATIONS,
    SPEECH_VERBS,
    STATUS_CLASSES,
    STOPWORDS,
    TITLES,
    WEEKDAYS,
)
from service.text.normalize import Normalized, Token, prepare, skeleton, tokenize, word_key
from service.text.numbers import NumericFacts, extract_numbers
from service.text.opposition import CANCELLING
from service.verify.align import PASSIVE_AUXILIARIES, Item, Side, build_items

# Numbers are checked as numbers, and a currency as part of an amount ("11.6bn dollars"),
# not as words of their own.
_NUMBER_WORDS = NUMBER_WORDS | SCALE_ABBREVIATIONS.keys()
_CURRENCY_WORDS = frozenset(CURRENCY_WORDS)
# Words that may stand between a speaker and the speech verb ("Garcia also said").
_SUBJECT_GLUE = frozenset("the also then later has had have had further".split())
# Punctuation that ends the reach of a word over its neighbours (a negation, a hedge).
SCOPE_BREAK = re.compile(r"[,;:.!?()]")
# Polar words that are prepositions, or adverbs where they end a clause.
_TEMPORAL = frozenset({"before", "after"})
# Two small whole numbers joined by a dash, not inside a longer figure, date or time.
_SCORELINE = re.compile(
    r"(?<![\w-])(?<!\d[.,:/])(\d{1,3})\s?[-\u2013]\s?(\d{1,3})(?![\w%-])(?![.,:/]\d)"
)
_CLAUSE_OPENERS = frozenset(
    "when while and but which who whom that because after before if".split()
)
# Verbs of a cancelling status (postponed, cancelled...): like a negation, they say that what
# they name did not happen.
_CANCELLING_KEYS = frozenset(word_key(w) for name in CANCELLING for w in STATUS_CLASSES[name])
# How far back a passive cancelling verb looks for its subject, in words.
_SUBJECT_REACH = 10
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\"]")
_QUOTED_RE = re.compile(r"\"([^\"]{2,}?)\"|(?<![A-Za-z])'([^']{2,}?)'(?![A-Za-z])")


def is_content_word(word: str) -> bool:
    """Whether a word carries content a source must support (not a function word or number)."""
    return (
        word not in STOPWORDS
        and word not in NEGATIONS
        and word not in _NUMBER_WORDS
        and word not in WEEKDAYS
        and word not in MONTHS
        and not word[0].isdigit()
        and len(word) > 1
        # Sequence-to-sequence summarisers write "UNK" for a word they could not spell: it
        # stands for an unknown source word, not for a claim of its own.
        and word != "unk"
        and word not in _CURRENCY_WORDS
    )


@dataclass(frozen=True)
class SpeechEvent:
    """A speech verb and its subject ("Garcia said"); offsets are into the prepared text."""

    start: int
    end: int
    speaker: frozenset[str]
    pronoun: bool


@dataclass
class TextFacts:
    """The comparable content of one text."""

    prepared: str
    tokens: list[Token]
    keys: list[str]
    content: list[str]
    content_set: frozenset[str]
    numbers: NumericFacts
    names: frozenset[str]
    roles: frozenset[str]
    negated: frozenset[str]
    # The content words each negation scopes over, in order ("not continue sanctions").
    negation_scopes: list[tuple[str, ...]]
    descriptors: dict[str, frozenset[str]] = field(default_factory=dict)
    # What each cancelling verb says did not happen ("postponed the launch": launch).
    cancelled_scopes: list[tuple[str, ...]] = field(default_factory=list)
    # Runs of name words ("Ana Garcia"): the parts of one name.
    name_runs: list[tuple[str, ...]] = field(default_factory=list)
    events: list[SpeechEvent] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    trigrams: frozenset[tuple[str, str, str]] = frozenset()
    # Names, numbers and content words in order, for checking what is said next to what.
    items: tuple[Item, ...] = ()

    @property
    def speakers(self) -> frozenset[str]:
        """Everyone this text reports as speaking, by key."""
        return frozenset(k for e in self.events for k in e.speaker)

    @cached_property
    def cancelled(self) -> frozenset[str]:
        """The content words a cancelling verb scopes over."""
        return frozenset(key for scope in self.cancelled_scopes for key in scope)

    @cached_property
    def content_pairs(self) -> frozenset[tuple[str, str]]:
        """Content words next to each other or one apart, in order (a source sentence's are
        compared with every claim checked against it, so they are built once)."""
        keys = self.content
        return frozenset([*zip(keys, keys[1:], strict=False), *zip(keys, keys[2:], strict=False)])

    @cached_property
    def polar_uses(self) -> frozenset[tuple[str, bool]]:
        """Each polar word ("before", "first"...), and whether it is "before" or "after"
        ending a clause: an adverb ("had never collapsed before,"), not a preposition."""
        tokens = self.tokens
        found = set()
        for at, token in enumerate(tokens):
            if token.word not in ORDER_WORDS:
                continue
            adverb = token.word in _TEMPORAL and (
                at + 1 == len(tokens)
                or SCOPE_BREAK.search(self.prepared[token.end : tokens[at + 1].start]) is not None
            )
            found.add((token.word, adverb))
        return frozenset(found)

    @cached_property
    def scorelines(self) -> tuple[tuple[str, str, str], ...]:
        """Each pair of small whole numbers joined by a dash ("won 2-1"), in order: the two
        numbers and the pair as written."""
        return tuple(
            (m.group(1), m.group(2), m.group(0)) for m in _SCORELINE.finditer(self.prepared)
        )

    @cached_property
    def side(self) -> Side:
        """The items with their words, for checking what is said next to what."""
        return Side.of(self.items, self.tokens, self.prepared)

    @cached_property
    def prepared_skeleton(self) -> Normalized:
        """The prepared text's letters and digits (a source sentence's are looked in for
        every quotation attributed from it, so they are built once)."""
        return skeleton(self.prepared)

    @cached_property
    def repetition(self) -> Repetition | None:
        """A stretch the text says twice as a generation loop does: `repeated_stretch`."""
        return repeated_stretch(self)


def _clause_break(prepared: str, left: Token, right: Token) -> bool:
    return bool(_CLAUSE_BREAK.search(prepared, left.end, right.start))


def _is_name(token: Token, known_names: frozenset[str], use_case: bool) -> bool:
    word = token.word
    if word in STOPWORDS or word in PLACE_KEY or word in ROLES or word in TITLES:
        return False
    if word in MONTHS or word in WEEKDAYS or word[0].isdigit():
        return False
    if word in known_names:
        return True
    return use_case and token.capitalised and not token.sentence_initial


def read_text(text: str) -> tuple[str, list[Token]]:
    """The text prepared for comparison, and its words."""
    prepared = prepare(text)
    return prepared, tokenize(prepared)


def analyse(
    text: str,
    known_names: frozenset[str] = frozenset(),
    vocabulary: frozenset[str] = frozenset(),
    read: tuple[str, Sequence[Token]] | None = None,
) -> TextFacts:
    """Analyse a claim or a source sentence.

    `known_names` are words the sources capitalise; `vocabulary` (given for claims) is every
    word of the sources, so a word they never use can be recognised as a name by its place.
    `read` is what `read_text` gives for `text`, when the caller has it already.
    """
    prepared, tokens = read if read is not None else read_text(text)
    words = _read_words(prepared, list(tokens), known_names, vocabulary)
    prepared, tokens, keys = words.prepared, words.tokens, words.keys
    content = words.selected(words.content)
    scopes = _negation_scopes(words)
    descriptors, name_runs = _name_runs(words)
    return TextFacts(
        prepared=prepared,
        tokens=tokens,
        keys=keys,
        content=content,
        content_set=frozenset(content),
        numbers=extract_numbers(prepared),
        names=frozenset(words.selected(words.names)),
        roles=frozenset(words.selected([t.word in ROLES for t in tokens])),
        negated=frozenset(key for scope in scopes for key in scope),
        negation_scopes=scopes,
        cancelled_scopes=_cancelled_scopes(words),
        descriptors=descriptors,
        name_runs=name_runs,
        events=_speech_events(words),
        quoted=_quoted(prepared),
        trigrams=frozenset(zip(keys, keys[1:], keys[2:], strict=False)),
        items=_items(words),
    )


@dataclass(frozen=True)
class _Words:
    """A text's tokens with their keys and whether each is a content word and a name."""

    prepared: str
    tokens: list[Token]
    keys: list[str]
    content: list[bool]
    names: list[bool]

    def selected(self, flags: Sequence[bool]) -> list[str]:
        """The keys of the words flagged."""
        return [key for key, flag in zip(self.keys, flags, strict=True) if flag]


def _read_words(
    prepared: str, tokens: list[Token], known_names: frozenset[str], vocabulary: frozenset[str]
) -> _Words:
    """Tokens, keys, and which words are content and which are names."""
    use_case = any(map(str.isupper, prepared))
    content = [is_content_word(t.word) for t in tokens]
    _drop_age_units(prepared, tokens, content)
    names = [_is_name(t, known_names, use_case) for t in tokens]
    if vocabulary:
        _promote_unknown_names(tokens, content, names, vocabulary)
    return _Words(prepared, tokens, [word_key(t.word) for t in tokens], content, names)


def _quoted(prepared: str) -> list[str]:
    """The passages the text puts in quotation marks."""
    quoted = [m.group(1) or m.group(2) for m in _QUOTED_RE.finditer(prepared)]
    return [q for q in quoted if any(ch.isalnum() for ch in q)]


def _items(words: _Words) -> tuple[Item, ...]:
    """Names, numbers, content words and order words ("first", "after") in order."""
    return build_items(
        words.prepared,
        words.tokens,
        words.keys,
        _item_names(words.prepared, words.tokens, words.names, words.content),
        [
            flag or t.word in ORDER_WORDS
            for t, flag in zip(words.tokens, words.content, strict=True)
        ],
    )


def is_negation_cue(tokens: Sequence[Token], index: int) -> bool:
    """Whether the token at `index` negates what follows: a negation word, except where it
    makes a bound ("no more than 44 per cent") or an addition ("not only")."""
    if tokens[index].word not in NEGATIONS:
        return False
    following = tokens[index + 1].word if index + 1 < len(tokens) else ""
    return following not in NEGATION_EXCEPTIONS


def _negation_scopes(words: _Words) -> list[tuple[str, ...]]:
    """The content words each negation cue scopes over, in order ("not continue sanctions").

    A cue reaches the next two content words of its clause; a scope ends at punctuation or a
    word that opens a new clause, except the "that" after a denial ("denied that ...").
    """
    tokens = words.tokens
    scopes: list[tuple[str, ...]] = []
    for index, token in enumerate(tokens):
        denial = token.word in DENIALS
        implicative = (
            token.word in NEGATIVE_IMPLICATIVES
            and index + 1 < len(tokens)
            and tokens[index + 1].word == "to"
        )
        if not denial and not implicative and not is_negation_cue(tokens, index):
            continue
        scope: list[str] = []
        for nxt in range(index + 1, len(tokens)):
            between = words.prepared[tokens[nxt - 1].end : tokens[nxt].start]
            if SCOPE_BREAK.search(between) or len(scope) >= 2:
                break
            if tokens[nxt].word in _CLAUSE_OPENERS and not (denial and tokens[nxt].word == "that"):
                break
            if words.content[nxt]:
                scope.append(words.keys[nxt])
        if scope:
            scopes.append(tuple(scope))
    return scopes


def _cancelled_scopes(words: _Words) -> list[tuple[str, ...]]:
    """What each cancelling verb of the text says did not happen, in order."""
    found = (_cancelled(words, i) for i, key in enumerate(words.keys) if key in _CANCELLING_KEYS)
    return [scope for scope in found if scope]


def _cancelled(words: _Words, index: int) -> tuple[str, ...]:
    """What a cancelling verb says did not happen: the next two content words of its clause
    ("postponed the launch of the satellite"), or, in the passive, the first two of its
    subject ("the launch of the satellite was postponed"): the same two either way."""
    tokens = words.tokens
    passive = index > 0 and tokens[index - 1].word in PASSIVE_AUXILIARIES
    if passive:
        start = index - 1
        while start > 0 and index - start < _SUBJECT_REACH:
            between = words.prepared[tokens[start - 1].end : tokens[start].start]
            if SCOPE_BREAK.search(between) or tokens[start - 1].word in _CLAUSE_OPENERS:
                break
            start -= 1
        span = range(start, index - 1)
    else:
        span = range(index + 1, len(tokens))
    scope: list[str] = []
    for at in span:
        if len(scope) >= 2:
            break
        if at > index and (
            SCOPE_BREAK.search(words.prepared[tokens[at - 1].end : tokens[at].start])
            or tokens[at].word in _CLAUSE_OPENERS
        ):
            break
        if words.content[at] and words.keys[at] not in _CANCELLING_KEYS:
            scope.append(words.keys[at])
    return tuple(scope)


def _name_runs(words: _Words) -> tuple[dict[str, frozenset[str]], list[tuple[str, ...]]]:
    """Each name word's descriptors (the places and roles just before its name), and the runs
    of more than one name word (the parts of one name)."""
    descriptors: dict[str, set[str]] = {}
    runs: list[tuple[str, ...]] = []
    index = 0
    while index < len(words.tokens):
        if not words.names[index]:
            index += 1
            continue
        run_end = index
        while run_end + 1 < len(words.tokens) and words.names[run_end + 1]:
            run_end += 1
        found = _descriptors_before(words, index)
        for position in range(index, run_end + 1):
            descriptors.setdefault(words.keys[position], set()).update(found)
        if run_end > index:
            runs.append(tuple(words.keys[index : run_end + 1]))
        index = run_end + 1
    return {k: frozenset(v) for k, v in descriptors.items()}, runs


def _descriptors_before(words: _Words, name: int) -> set[str]:
    """The places and roles that describe the name starting at `name` ("her foreign minister")."""
    tokens = words.tokens
    found: set[str] = set()
    back = name - 1
    while back >= 0 and not _clause_break(words.prepared, tokens[back], tokens[back + 1]):
        word = tokens[back].word
        if word in PLACE_KEY or word in ROLES:
            found.add(words.keys[back])
        elif word not in DESCRIPTOR_GLUE and word not in TITLES:
            break
        back -= 1
    return found


def _speech_events(words: _Words) -> list[SpeechEvent]:
    """Each speech verb with the name, role or pronoun that is its subject."""
    tokens = words.tokens
    events: list[SpeechEvent] = []
    for index, token in enumerate(tokens):
        if token.word not in SPEECH_VERBS:
            continue
        subject, first = _subject_before(tokens, words.keys, words.names, index, words.prepared)
        last = index
        if not subject and index + 1 < len(tokens):
            subject, last = _subject_after(tokens, words.keys, words.names, index, words.prepared)
        if subject:
            pronoun = subject == {"<pronoun>"}
            events.append(
                SpeechEvent(
                    tokens[min(first, index)].start,
                    tokens[max(last, index)].end,
                    frozenset() if pronoun else frozenset(subject),
                    pronoun,
                )
            )
    return events


_AGE_UNITS = frozenset("year years month months week weeks day days".split())


def _drop_age_units(prepared: str, tokens: list[Token], content: list[bool]) -> None:
    """In "the 72-year-old" the age is the number; "year" and "old" state nothing more."""
    for index in range(1, len(tokens) - 1):
        unit, old = tokens[index], tokens[index + 1]
        if unit.word not in _AGE_UNITS or old.word != "old":
            continue
        number = tokens[index - 1]
        joined = all(
            not prepared[a.end : b.start].strip(" -") for a, b in ((number, unit), (unit, old))
        )
        if joined and (number.word[0].isdigit() or number.word in _NUMBER_WORDS):
            content[index] = content[index + 1] = False


def _item_names(
    prepared: str, tokens: list[Token], names: list[bool], content: list[bool]
) -> list[bool]:
    """Name flags for items: places count, and so does a capitalised first word that runs into
    a name ("Louis Jordan, 37, was found"), which the case of a first word cannot tell."""
    flags = [flag or t.word in PLACE_KEY for t, flag in zip(tokens, names, strict=True)]
    for index in range(len(tokens) - 2, -1, -1):
        token = tokens[index]
        if (
            not flags[index]
            and flags[index + 1]
            and token.capitalised
            and token.sentence_initial
            and content[index]
            and token.word not in ROLES
            and not prepared[token.end : tokens[index + 1].start].strip()
        ):
            flags[index] = True
    return flags


def _promote_unknown_names(
    tokens: list[Token], content: list[bool], names: list[bool], vocabulary: frozenset[str]
) -> None:
    """Flag words the sources never use as names where their place says so.

    Lower-cased text ("dupont said", "dupont and garcia") and a capitalised first word carry
    no case signal; a word next to a speech verb or joined by "and" to a known name does.
    """
    for index, token in enumerate(tokens):
        word = token.word
        if names[index] or not content[index] or word in vocabulary:
            continue
        if word in PLACE_KEY or word in ROLES or word in SPEECH_VERBS:
            continue
        after = tokens[index + 1].word if index + 1 < len(tokens) else ""
        if after in SPEECH_VERBS or _joined_to_name(tokens, names, index):
            names[index] = True


def _joined_to_name(tokens: list[Token], names: list[bool], index: int) -> bool:
    """Whether the word is joined by "and" to a name, on either side ("X and Y")."""
    joined_after = index + 2 < len(tokens) and tokens[index + 1].word == "and" and names[index + 2]
    joined_before = index >= 2 and tokens[index - 1].word == "and" and names[index - 2]
    return joined_after or joined_before


def _subject_before(
    tokens: list[Token], keys: list[str], names: list[bool], verb: int, prepared: str
) -> tuple[set[str], int]:
    """The name (or role) right before a speech verb: "Garcia said", "the premier stressed"."""
    found: set[str] = set()
    first = verb
    back = verb - 1
    while back >= 0 and not _clause_break(prepared, tokens[back], tokens[back + 1]):
        word = tokens[back].word
        if names[back] or word in ROLES or word in PLACE_KEY:
            found.add(keys[back])
            first = back
        elif word in PRONOUN_SPEAKERS and not found:
            return {"<pronoun>"}, back
        elif word not in _SUBJECT_GLUE and word not in TITLES:
            break
        back -= 1
    return found, first


def _subject_after(
    tokens: list[Token], keys: list[str], names: list[bool], verb: int, prepared: str
) -> tuple[set[str], int]:
    """The name right after a speech verb: "said Locke"."""
    found: set[str] = set()
    last = verb
    nxt = verb + 1
    while nxt < len(tokens) and not _clause_break(prepared, tokens[nxt - 1], tokens[nxt]):
        word = tokens[nxt].word
        if names[nxt] or word in ROLES or word in PLACE_KEY:
            found.add(keys[nxt])
            last = nxt
        elif word in PRONOUN_SPEAKERS and not found:
            return {"<pronoun>"}, nxt
        elif word != "the" and word not in TITLES:
            break
        nxt += 1
    return found, last


# Generation loops: a stretch of words said again at once ("the movie of the movie of"), a
# four-word stretch said twice anywhere ("the Philippines in 2012 ... the Philippines in
# 2012"), or a full name said twice ("Myleene Klass made a swipe at Myleene Klass": a writer
# would say "herself" or "Klass"). A single name or a short phrase may well recur, and a
# source that repeats the stretch as closely ("from a 'close' partnership to a 'very
# close' partnership to") excuses it.
_LOOP_LENGTH = 3
_LOOP_GAP = 2
_REPEAT_LENGTH = 4


class Repetition(NamedTuple):
    """A stretch said twice: its word keys, its surface, and how near the second time is
    (the most words from one start to the next, None for anywhere)."""

    stretch: tuple[str, ...]
    surface: str
    within: int | None

    def said_in(self, keys: Sequence[str]) -> bool:
        """Whether these keys say the stretch twice as closely (a source repeating itself)."""
        size = len(self.stretch)
        starts = [
            at for at in range(len(keys) - size + 1) if tuple(keys[at : at + size]) == self.stretch
        ]
        if self.within is None:
            return len(starts) > 1
        return any(b - a <= self.within for a, b in pairwise(starts))


def repeated_stretch(facts: TextFacts) -> Repetition | None:
    """A stretch of words (holding a content word) the text says twice, as a loop does."""
    content = [is_content_word(t.word) for t in facts.tokens]
    found = _said_again_at_once(facts, content)
    if found is None:
        found = _said_again_anywhere(facts, content)
    return found if found is not None else _name_said_again(facts)


def _said_again_at_once(facts: TextFacts, content: list[bool]) -> Repetition | None:
    """Any stretch of three words or more, then at most two words, then the same stretch
    ("has taken the limits off and has taken the limits off").

    From each word, only the stretches whose repeat opens with that word again are tried,
    shortest first, then nearest: the first found is the one a scan of every length and gap
    in that order finds (tests/test_verify_properties.py compares them), without trying
    every length from every word (0.36 -> 0.07 ms a sentence on FRANK's references and
    article sentences; the scan was a seventh of a claim's check)."""
    keys = facts.keys
    places: dict[str, list[int]] = {}
    for at, key in enumerate(keys):
        places.setdefault(key, []).append(at)
    for at, key in enumerate(keys):
        tries = sorted(
            (again - at - gap, gap)
            for again in places[key]
            if again > at
            for gap in range(_LOOP_GAP + 1)
            if again - at - gap >= _LOOP_LENGTH and 2 * again - at - gap <= len(keys)
        )
        for length, gap in tries:
            again = at + length + gap
            if any(content[at : at + length]) and (
                keys[again : again + length] == keys[at : at + length]
            ):
                surface = _surface(facts, again, again + length - 1)
                return Repetition(tuple(keys[at : at + length]), surface, length + gap)
    return None


def _said_again_anywhere(facts: TextFacts, content: list[bool]) -> Repetition | None:
    """A stretch of four words said twice anywhere in the text."""
    keys = facts.keys
    seen: set[tuple[str, ...]] = set()
    for at in range(len(keys) - _REPEAT_LENGTH + 1):
        stretch = tuple(keys[at : at + _REPEAT_LENGTH])
        if not any(content[at : at + _REPEAT_LENGTH]):
            continue
        if stretch in seen:
            return Repetition(stretch, _surface(facts, at, at + _REPEAT_LENGTH - 1), None)
        seen.add(stretch)
    return None


def _name_said_again(facts: TextFacts) -> Repetition | None:
    """A full name (of one person, not a place or a list) said twice."""
    named: set[tuple[str, ...]] = set()
    for item in facts.items:
        if item.kind != "name" or item.last == item.first or item.place or item.parts > 1:
            continue
        stretch = tuple(facts.keys[item.first : item.last + 1])
        if stretch in named:
            return Repetition(stretch, facts.prepared[item.start : item.end], None)
        named.add(stretch)
    return None


def _surface(facts: TextFacts, first: int, last: int) -> str:
    """The text from the start of token `first` to the end of token `last`."""
    return facts.prepared[facts.tokens[first].start : facts.tokens[last].end]


def capitalised_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the texts capitalise mid-sentence and never write in lower case: names."""
    return capitalised_in(read_text(text)[1] for text in texts)


def capitalised_in(texts: Iterable[Sequence[Token]]) -> frozenset[str]:
    """`capitalised_words` of texts already split into words."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for tokens in texts:
        for at, token in enumerate(tokens):
            if token.capitalised:
                if not token.sentence_initial or _runs_into_name(tokens, at):
                    capitalised.add(token.word)
            else:
                lower.add(token.word)
    return frozenset(w for w in capitalised - lower if w not in STOPWORDS and is_content_word(w))


def _runs_into_name(tokens: Sequence[Token], at: int) -> bool:
    """Whether a sentence's capitalised first word runs, a space apart, into a capitalised
    word ("Mara Ostrova won"): a first name, which its case alone cannot tell; a role or a
    title ("Striker Diego Lameira", "President Dalil") is none."""
    if at + 1 >= len(tokens) or tokens[at].word in ROLES or tokens[at].word in TITLES:
        return False
    following = tokens[at + 1]
    return following.capitalised and following.start - tokens[at].end == 1
