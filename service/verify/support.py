"""Whether a set of source sentences supports a claim: the checks and the features they give."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.domain import Document, SourceSentence
from service.text.lexicon import (
    ANTONYM_PAIRS,
    HYPERNYMS,
    PLACE_KEY,
    POLAR_WORDS,
    ROLES,
    WORDNET_ANTONYM_PAIRS,
)
from service.text.normalize import skeleton, word_key
from service.text.numbers import (
    NumericFacts,
    date_supported,
    quantity_supported,
)
from service.verify.align import Binder, Side
from service.verify.analysis import (
    SCOPE_BREAK,
    SpeechEvent,
    TextFacts,
    analyse,
    capitalised_words,
    is_content_word,
)
from service.verify.resolve import DocumentText

_PLACE_KEYS = frozenset(PLACE_KEY.values())
_ROLE_KEYS = frozenset(word_key(r) for r in ROLES)
_ANTONYMS: dict[str, frozenset[str]] = {}
for _a, _b in ANTONYM_PAIRS:
    _ka, _kb = word_key(_a), word_key(_b)
    if _ka != _kb:
        _ANTONYMS[_ka] = _ANTONYMS.get(_ka, frozenset()) | {_kb}
        _ANTONYMS[_kb] = _ANTONYMS.get(_kb, frozenset()) | {_ka}


# Word key of a general word -> keys of the specific words that state it ("leader": premier...).
SPECIFIC_KEYS: dict[str, frozenset[str]] = {}
for _general, _specific in HYPERNYMS.items():
    SPECIFIC_KEYS[word_key(_general)] = SPECIFIC_KEYS.get(word_key(_general), frozenset()) | {
        word_key(w) for w in _specific
    }
_OPPOSITES: dict[str, frozenset[str]] = dict(_ANTONYMS)
for _word, _others in POLAR_WORDS.items():
    _key = word_key(_word)
    _OPPOSITES[_key] = _OPPOSITES.get(_key, frozenset()) | {word_key(o) for o in _others}
for _a, _b in WORDNET_ANTONYM_PAIRS:
    _ka, _kb = word_key(_a), word_key(_b)
    if _ka != _kb:
        _OPPOSITES[_ka] = _OPPOSITES.get(_ka, frozenset()) | {_kb}
        _OPPOSITES[_kb] = _OPPOSITES.get(_kb, frozenset()) | {_ka}


@dataclass(frozen=True)
class Unit:
    """One citable source sentence, analysed once."""

    index: int
    document: int
    position: int
    sentence: SourceSentence
    facts: TextFacts


@dataclass
class Check:
    """The outcome of checking one claim against one set of units."""

    units: tuple[int, ...]
    failures: list[str]
    missing: list[str]
    features: dict[str, float]
    # Units that state a descriptor the claim uses ("Italian counterpart"): cited as well.
    extra_units: tuple[int, ...] = ()
    # Content words and numbers of the claim the units do not state (for stitching).
    uncovered: frozenset[str] = frozenset()
    # Failures that are omissions (a name or number the units do not state) rather than
    # contradictions; a number the units state differently is a contradiction.
    omissions: frozenset[str] = frozenset()


class SourceIndex:
    """Every citable sentence of a request, analysed, with request-wide facts about names."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = list(documents)
        self.texts = [DocumentText(d) for d in self.documents]
        content = [s for d in self.documents for s in d.content_sentences]
        self.known_names = capitalised_words(s.text for s in content)
        self.units: list[Unit] = []
        self.by_document: list[list[int]] = []
        for doc_index, document in enumerate(self.documents):
            indices: list[int] = []
            for position, sentence in enumerate(document.content_sentences):
                unit = Unit(
                    len(self.units),
                    doc_index,
                    position,
                    sentence,
                    analyse(sentence.text, self.known_names),
                )
                self.units.append(unit)
                indices.append(unit.index)
            self.by_document.append(indices)
        self.vocabulary = frozenset(t.word for u in self.units for t in u.facts.tokens)
        self.document_frequency: dict[str, int] = {}
        self.descriptors: dict[str, set[str]] = {}
        self.descriptor_source: dict[tuple[str, str], int] = {}
        # (a part of a name, another part of the same name) -> a sentence giving both.
        self.name_parts: dict[tuple[str, str], int] = {}
        for unit in self.units:
            for key in unit.facts.content_set:
                self.document_frequency[key] = self.document_frequency.get(key, 0) + 1
            for item in unit.facts.items:
                if item.kind != "name" or item.parts != 1:
                    continue
                run = item.keys - _PLACE_KEYS
                for part in run:
                    for other in run - {part}:
                        self.name_parts.setdefault((part, other), unit.index)
            for name, found in unit.facts.descriptors.items():
                self.descriptors.setdefault(name, set()).update(found)
                for descriptor in found:
                    self.descriptor_source.setdefault((name, descriptor), unit.index)
        self.idf_missing = math.log(1 + len(self.units))
        self.sides = [u.facts.side for u in self.units]
        self.binder = Binder(
            _OPPOSITES,
            frozenset(self.name_parts),
            frozenset(k for side in self.sides for item in side.items for k in item.keys),
        )
        self.number_units: dict[str, list[int]] = {}
        for unit_index, side in enumerate(self.sides):
            for item in side.items:
                if item.kind == "number":
                    for key in item.keys:
                        self.number_units.setdefault(key, []).append(unit_index)
        self.name_words = frozenset(
            key
            for side in self.sides
            for item in side.items
            if item.kind == "name" and not item.place
            for key in item.keys
        )

        # Every sentence's word keys end to end (None between sentences), for finding the
        # longest stretches a claim copies: extractive copies are one stretch, fusions several.
        self.sequence: list[str | None] = []
        self.positions: dict[str, list[int]] = {}
        for unit in self.units:
            for key in unit.facts.keys:
                if key != "unk":
                    self.positions.setdefault(key, []).append(len(self.sequence))
                self.sequence.append(key)
            self.sequence.append(None)

    def apposition_source(self, claim: Side, number: str) -> int | None:
        """A sentence that gives this number beside the same name as the claim ("Name, 48,")."""
        for position, item in enumerate(claim.items):
            if position == 0 or item.kind != "number" or item.keys != {number.replace(",", "")}:
                continue
            for unit in self.number_units.get(number.replace(",", ""), ()):
                if self.binder.states_pair(claim, position - 1, self.sides[unit]):
                    return unit
        return None

    def glued_names(self, claim: TextFacts) -> list[str]:
        """Names the claim glues from parts of different names ("Frank Jordan" for Frank Smith)."""
        found: list[str] = []
        for item in claim.items:
            if item.kind != "name" or item.parts != 1:
                continue
            parts = [k for k in item.keys if k in self.name_words and k not in _PLACE_KEYS]
            if any((a, b) not in self.name_parts for a in parts for b in parts if a != b):
                found.append(claim.prepared[item.start : item.end])
        return found

    def fragments(self, keys: Sequence[str]) -> list[int]:
        """Lengths of the longest source stretches that tile the claim, greedily (0: no match)."""
        lengths: list[int] = []
        sequence = self.sequence
        size = len(sequence)
        at = 0
        while at < len(keys):
            best = 0
            for position in self.positions.get(keys[at], ()):
                length = 1
                while (
                    at + length < len(keys)
                    and position + length < size
                    and sequence[position + length] == keys[at + length]
                ):
                    length += 1
                best = max(best, length)
            lengths.append(best)
            at += max(best, 1)
        return lengths

    def idf(self, key: str) -> float:
        """Inverse document frequency over sentences; unseen words weigh the most."""
        frequency = self.document_frequency.get(key, 0)
        return math.log(1 + len(self.units) / (1 + frequency)) if frequency else self.idf_missing

    # --- quotes ---------------------------------------------------------------------

    def quote_occurrences(self, quote: str, documents: Iterable[int]) -> list[tuple[int, int, int]]:
        """(document, start, end) of every verbatim occurrence of the quote."""
        return [
            (doc_index, start, end)
            for doc_index in documents
            for start, end in self.texts[doc_index].find_verbatim(quote)
        ]

    def units_overlapping(self, doc_index: int, start: int, end: int) -> list[int]:
        """The citable sentences of a document that overlap a span."""
        return [
            u
            for u in self.by_document[doc_index]
            if self.units[u].sentence.start < end and start < self.units[u].sentence.end
        ]

    def speaker_of(self, doc_index: int, start: int, end: int) -> frozenset[str] | None:
        """Who the source says spoke the words at this span, by key; None when it is unclear."""
        containing = self.units_overlapping(doc_index, start, start + 1)
        if not containing:
            return None
        unit = self.units[containing[0]]
        needle = skeleton(self.documents[doc_index].text[start:end]).text[:40]
        prepared_skeleton = skeleton(unit.facts.prepared)
        at = prepared_skeleton.text.find(needle)
        if at == -1:
            quote_start, quote_end = 0, len(unit.facts.prepared)
        else:
            quote_start = prepared_skeleton.origin[at]
            last = (
                min(
                    at + len(skeleton(self.documents[doc_index].text[start:end]).text),
                    len(prepared_skeleton.origin),
                )
                - 1
            )
            quote_end = prepared_skeleton.origin[last] + 1
        best: tuple[int, SpeechEvent] | None = None
        for event in unit.facts.events:
            if event.end <= quote_start:
                distance = quote_start - event.end
            elif event.start >= quote_end:
                distance = event.start - quote_end
            else:
                continue
            if best is None or distance < best[0]:
                best = (distance, event)
        if best is not None:
            if not best[1].pronoun:
                return best[1].speaker
            return self._named_before(unit, best[1].start)
        # A quote running on from earlier sentences keeps the speaker named there.
        return self._named_before(unit, quote_start, include_pronouns=False)

    def _named_before(
        self, unit: Unit, offset: int, *, include_pronouns: bool = True
    ) -> frozenset[str] | None:
        events = [e for e in unit.facts.events if e.end <= offset]
        siblings = self.by_document[unit.document]
        for back in range(unit.position - 1, max(unit.position - 6, -1), -1):
            if events:
                break
            events = list(self.units[siblings[back]].facts.events)
        for event in reversed(events):
            if not event.pronoun:
                return event.speaker
            if not include_pronouns:
                return None
        return None

    def speaker_matches(self, claimed: frozenset[str], attributed: frozenset[str]) -> bool:
        """Whether a claimed speaker is the attributed one (a name, or its role/nationality)."""
        if claimed & attributed:
            return True
        claimed_described = set().union(*(self.descriptors.get(k, set()) for k in claimed))
        attributed_described = set().union(*(self.descriptors.get(k, set()) for k in attributed))
        descriptive = _PLACE_KEYS | _ROLE_KEYS
        if attributed and attributed <= descriptive and attributed <= claimed_described:
            return True
        return bool(claimed and claimed <= descriptive and claimed <= attributed_described)


def _merge_numbers(units: Sequence[Unit]) -> NumericFacts:
    merged = NumericFacts()
    for unit in units:
        merged.quantities.extend(unit.facts.numbers.quantities)
        merged.dates.extend(unit.facts.numbers.dates)
        merged.weekdays |= unit.facts.numbers.weekdays
    return merged


def _surface(claim: TextFacts, key: str) -> str:
    for token, token_key in zip(claim.tokens, claim.keys, strict=True):
        if token_key == key:
            return claim.prepared[token.start : token.end]
    return key


def _counts_what_is_named(
    index: SourceIndex, claim: TextFacts, number: str, units: Sequence[Unit]
) -> bool:
    """Whether "the two leaders" (or "the three countries") counts exactly the leaders (or
    countries) the units name: a reference to them, not a number of its own."""
    tokens = claim.tokens
    for at in range(1, len(tokens) - 1):
        if tokens[at].word != number.lower() or tokens[at - 1].word not in _DEFINITE:
            continue
        specific = SPECIFIC_KEYS.get(claim.keys[at + 1], frozenset())
        if not specific:
            continue
        value = _small_number(number)
        if value is None:
            continue
        named: list[frozenset[str]] = []
        for unit in units:
            for item in unit.facts.items:
                if item.kind != "name":
                    continue
                if item.place:
                    found = [frozenset({k}) for k in item.keys & specific]
                else:
                    described = any(index.descriptors.get(k, set()) & specific for k in item.keys)
                    found = [item.keys - _PLACE_KEYS] if described else []
                for keys in found:
                    # One person named twice ("Sanae Takaichi", "Takaichi") counts once.
                    overlapping = [n for n in named if n & keys]
                    merged = keys.union(*overlapping)
                    named = [n for n in named if not n & keys] + [merged]
        return len(named) == value
    return False


_DEFINITE = frozenset({"the", "these", "those", "their", "its"})
_SMALL_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _small_number(text: str) -> int | None:
    word = text.lower()
    if word in _SMALL_NUMBERS:
        return _SMALL_NUMBERS[word]
    return int(word) if word.isdigit() and int(word) < 10 else None


def _bigrams(keys: Sequence[str]) -> set[tuple[str, str]]:
    pairs = set(zip(keys, keys[1:], strict=False))
    pairs.update(zip(keys, keys[2:], strict=False))
    return pairs


def check_support(
    index: SourceIndex, claim: TextFacts, unit_ids: Sequence[int], claimed_speaker: frozenset[str]
) -> Check:
    """Check every fact of the claim against the union of these source sentences."""
    units = [index.units[u] for u in unit_ids]
    if not units:
        raise ValueError("check_support needs at least one source sentence")
    failures: list[str] = []
    extra: set[int] = set()
    content: set[str] = set()
    negated: set[str] = set()
    speakers: set[str] = set()
    pronoun_speaker = False
    for unit in units:
        content |= unit.facts.content_set
        negated |= unit.facts.negated
        speakers |= unit.facts.speakers
        pronoun_speaker = pronoun_speaker or any(e.pronoun for e in unit.facts.events)
    numbers = _merge_numbers(units)

    unsupported_numbers: list[str] = []
    claim_side = claim.side
    for quantity in claim.numbers.quantities:
        if quantity_supported(quantity, numbers):
            continue
        # "The two leaders" where the spans name a prime minister and a president.
        if _counts_what_is_named(index, claim, quantity.text, units):
            continue
        # "Barry Beavis, 48, launched a bid": the age may be given where the sources first
        # name him; that sentence is cited too.
        elsewhere = index.apposition_source(claim_side, quantity.text)
        if elsewhere is not None:
            extra.add(elsewhere)
            continue
        unsupported_numbers.append(quantity.text)
    for date in claim.numbers.dates:
        if not date_supported(date, numbers):
            unsupported_numbers.append(date.text)
    unsupported_numbers.extend(sorted(claim.numbers.weekdays - numbers.weekdays))
    failures.extend(f"{text} not in cited spans" for text in unsupported_numbers)
    omissions: set[str] = set()
    stated_kinds = {q.kind for q in numbers.quantities}
    for quantity in claim.numbers.quantities:
        if quantity.text in unsupported_numbers and quantity.kind not in stated_kinds:
            omissions.add(f"{quantity.text} not in cited spans")

    # Descriptors the claim attaches to a name must not contradict what the sources say of it.
    allowed: set[str] = set()
    for name, descriptors in claim.descriptors.items():
        known = index.descriptors.get(name, set())
        for descriptor in descriptors:
            if descriptor in known:
                allowed.add(descriptor)
                if descriptor not in content:
                    extra.add(index.descriptor_source[(name, descriptor)])
                continue
            same_class = _PLACE_KEYS if descriptor in _PLACE_KEYS else _ROLE_KEYS
            if known & same_class:
                failures.append(
                    f"sources do not describe {_surface(claim, name)} as "
                    f"{_surface(claim, descriptor)}"
                )

    missing = [k for k in dict.fromkeys(claim.content) if k not in content]
    # A full name ("Emir Spahic") is supported by a span naming the person by one part
    # ("Spahic") where the sources give the full name elsewhere; that sentence is cited too.
    for key in missing:
        if key not in claim.names:
            continue
        for other in claim.names & content:
            source = index.name_parts.get((key, other))
            if source is not None:
                allowed.add(key)
                if source not in unit_ids:
                    extra.add(source)
                break
    for key in missing:
        # "The two leaders" where the spans name a prime minister and a president.
        if SPECIFIC_KEYS.get(key, frozenset()) & content:
            allowed.add(key)
    for key in missing:
        if key in allowed:
            continue
        if key in claim.names or key in _PLACE_KEYS or key in _ROLE_KEYS:
            failures.append(f"{_surface(claim, key)} not in cited spans")
            omissions.add(failures[-1])
            continue
        opposite = _ANTONYMS.get(key, frozenset()) & content
        if opposite:
            failures.append(
                f"{_surface(claim, key)} contradicts {sorted(opposite)[0]} in cited spans"
            )
    # Opposites among function words and ordinals ("before"/"after", "first"/"last").
    source_words = {t.word for unit in units for t in unit.facts.tokens}
    for token in claim.tokens:
        for opposite_word in POLAR_WORDS.get(token.word, ()):
            if opposite_word in source_words and token.word not in source_words:
                failures.append(f"{token.word} contradicts {opposite_word} in cited spans")

    # Negation: the claim negates what the sources affirm, or affirms what they negate. The
    # source side needs the whole scope in the claim, so "neither country is dependent" does
    # not veto every sentence that mentions a country.
    for scope in claim.negation_scopes:
        affirmed = [k for k in scope if k in content and k not in negated]
        if affirmed:
            failures.append(f"claim negates {_surface(claim, affirmed[0])}; cited spans do not")
            break
    source_negations = sum(len(unit.facts.negation_scopes) for unit in units)
    if len(claim.negation_scopes) > source_negations:
        failures.append("claim has a negation the cited spans lack")
    for unit in units:
        for scope in unit.facts.negation_scopes:
            if set(scope) <= claim.content_set and scope[0] not in claim.negated:
                failures.append(f"cited spans negate {_surface(claim, scope[0])}; claim does not")
                break

    # Reported speech ("Takaichi said ...") must be credited to whom the spans credit it;
    # quoted words also get the finer, per-quote attribution in the verifier.
    attributable = claimed_speaker and speakers and not pronoun_speaker
    if attributable and not index.speaker_matches(claimed_speaker, frozenset(speakers)):
        who = " ".join(sorted(claimed_speaker))
        failures.append(f"cited spans do not attribute this to {who}")

    distinct = list(dict.fromkeys(claim.content))
    covered = [k for k in distinct if k in content or k in allowed]
    total = len(distinct)
    coverage = len(covered) / total if total else 1.0
    weight_total = sum(index.idf(k) for k in distinct)
    weight_covered = sum(index.idf(k) for k in covered)
    claim_pairs = _bigrams(claim.content)
    source_pairs: set[tuple[str, str]] = set()
    trigrams: set[tuple[str, str, str]] = set()
    best_single = 0.0
    primary = max(units, key=lambda u: len(claim.content_set & u.facts.content_set))
    for unit in units:
        source_pairs |= _bigrams(unit.facts.content)
        trigrams |= unit.facts.trigrams
        if total:
            best_single = max(best_single, len(claim.content_set & unit.facts.content_set) / total)
    pair_coverage = len(claim_pairs & source_pairs) / len(claim_pairs) if claim_pairs else 1.0
    trigram_coverage = (
        len(claim.trigrams & trigrams) / len(claim.trigrams) if claim.trigrams else 1.0
    )
    novel = sum(1 for k in missing if k not in index.document_frequency)
    # How much of the claim the units state, rare words and every number weighing most.
    number_weight = index.idf_missing * len(unsupported_numbers)
    all_numbers = (
        len(claim.numbers.quantities) + len(claim.numbers.dates) + len(claim.numbers.weekdays)
    )
    match_total = weight_total + index.idf_missing * all_numbers
    match = (
        (weight_covered + index.idf_missing * all_numbers - number_weight) / match_total
        if match_total
        else 1.0
    )
    repeats = len(claim.content) - total
    # A name, number or opposite word where the spans state another next to the same words.
    binding = index.binder.bind(claim_side, [index.sides[u] for u in unit_ids])
    failures.extend(binding.conflicts)
    failures.extend(
        f"the sources name no one {glued!r}: its parts belong to different names"
        for glued in index.glued_names(claim)
    )
    failures.extend(unlinked_connectives(claim, units))
    failures.extend(dropped_hedges(claim, units))
    speaking = first_person_without_speaker(claim)
    if speaking is not None:
        failures.append(
            f"{speaking!r} speaks in the first person outside a quotation: the sentence does "
            "not say who speaks"
        )
    repeated = claim.repetition
    if repeated is not None and not any(repeated.said_in(u.facts.keys) for u in units):
        failures.append(f"the sentence repeats itself: {repeated.surface!r}")
    features = {
        "coverage": coverage,
        "weighted_coverage": weight_covered / weight_total if weight_total else 1.0,
        "pair_coverage": pair_coverage,
        "trigram_coverage": trigram_coverage,
        "best_single": best_single if total else 1.0,
        "missing": float(len(missing)),
        "novel": float(novel),
        "stitched": float(len(units) - 1),
        "length": float(total),
        "repeats": float(repeats),
        "failures": float(len(failures)),
        "match": match,
        # Names the best sentence lacks: fusions bind a name from one sentence to another's fact.
        "names_elsewhere": float(len(claim.names - primary.facts.content_set)),
        "bound": binding.bound / binding.pairs if binding.pairs else 1.0,
        "stranded_names": float(binding.stranded_names),
        "stranded_words": float(binding.stranded_words),
        "conflicts": float(len(binding.conflicts)),
    }
    return Check(
        units=tuple(unit_ids),
        failures=failures,
        missing=[_surface(claim, k) for k in missing],
        features=features,
        extra_units=tuple(sorted(extra - set(unit_ids))),
        uncovered=frozenset(
            [k for k in missing if k not in allowed] + [f"#{t}" for t in unsupported_numbers]
        ),
        omissions=frozenset(omissions),
    )


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


def unlinked_connectives(claim: TextFacts, units: Sequence[Unit]) -> list[str]:
    """Links ("X after Y") between words the units state, where no unit makes that link."""
    failures: list[str] = []
    tokens = claim.tokens
    stated = set().union(*(u.facts.content_set for u in units)) if units else set()
    for at, token in enumerate(tokens):
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
            failures.append(
                f"the cited spans do not link {_surface(claim, left)!r} and "
                f"{_surface(claim, right)!r} with {token.word!r}"
            )
    return failures


# A summary speaks in the third person: "I" or "we" outside quotation marks is a quotation
# whose marks and speaker were lost ("i could not be happier with him ."). Only the subject
# forms count: "me" and "my" turn up in titles ("Child, Promise Me").
_FIRST_PERSON = frozenset({"i", "we"})
_QUOTE_MARK = re.compile(r"[\"`]|(?<![A-Za-z])'|'(?![A-Za-z])")


def first_person_without_speaker(claim: TextFacts) -> str | None:
    """The first-person subject of a sentence with no quotation mark and no speaker, if any."""
    if _QUOTE_MARK.search(claim.prepared):
        return None
    for event in claim.events:
        # "Meloni said", "she said" name a speaker; "we reiterated" is the first person again.
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


def dropped_hedges(claim: TextFacts, units: Sequence[Unit]) -> list[str]:
    """Facts every cited span hedges ("could reach", "thought to earn") stated flatly."""
    failures: list[str] = []
    # Most spans hedge nothing: then there is nothing to drop.
    if not any(t.word in _HEDGES for u in units for t in u.facts.tokens):
        return failures
    keys = claim.keys
    for at, token in enumerate(claim.tokens):
        if not is_content_word(token.word) or _hedged(claim, at, len(claim.tokens)):
            continue
        following = _nearest_content(claim, at, 1)
        said: list[bool] = []
        for unit in units:
            facts = unit.facts
            for other, key in enumerate(facts.keys):
                if key != keys[at]:
                    continue
                if following is not None and _nearest_content(facts, other, 1) != following:
                    continue
                said.append(_hedged(facts, other, _HEDGE_REACH))
        if said and all(said):
            failures.append(
                f"the cited spans hedge {_surface(claim, keys[at])!r}; the sentence states it "
                "as fact"
            )
    return failures


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


def copy_features(index: SourceIndex, claim: TextFacts) -> dict[str, float]:
    """How the claim copies the sources: one long stretch, or many short pieces."""
    keys = [k for k in claim.keys if k != "unk"]
    if not keys:
        return {"density": 1.0, "longest": 1.0, "pieces": 0.0}
    lengths = index.fragments(keys)
    total = len(keys)
    return {
        "density": sum(n * n for n in lengths) / (total * total),
        "longest": max(lengths) / total,
        "pieces": sum(1 for n in lengths if n) / total,
    }
