"""Every citable sentence of a request, analysed once, with request-wide facts about names."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.domain import Document, SourceSentence
from service.text.normalize import Token, skeleton
from service.verify.align import Binder, Side
from service.verify.analysis import SpeechEvent, TextFacts, analyse, capitalised_in, read_text
from service.verify.resolve import DocumentText
from service.verify.wordkeys import OPPOSITES, PLACE_KEYS, ROLE_KEYS


@dataclass(frozen=True)
class Unit:
    """One citable source sentence, analysed once."""

    index: int
    document: int
    position: int
    sentence: SourceSentence
    facts: TextFacts


def _analyse_units(
    documents: Sequence[Document],
    known_names: frozenset[str],
    read: dict[str, tuple[str, list[Token]]],
) -> tuple[list[Unit], list[list[int]]]:
    """Every content sentence as a unit, and each document's unit ids in order."""
    units: list[Unit] = []
    by_document: list[list[int]] = []
    # A sentence repeated across copies is analysed once (the facts are immutable).
    analysed: dict[str, TextFacts] = {}
    for doc_index, document in enumerate(documents):
        indices: list[int] = []
        for position, sentence in enumerate(document.content_sentences):
            facts = analysed.get(sentence.text)
            if facts is None:
                facts = analysed[sentence.text] = analyse(
                    sentence.text, known_names, read=read[sentence.text]
                )
            units.append(Unit(len(units), doc_index, position, sentence, facts))
            indices.append(len(units) - 1)
        by_document.append(indices)
    return units, by_document


def _document_frequency(units: Sequence[Unit]) -> dict[str, int]:
    """Content word key -> how many sentences state it."""
    frequency: dict[str, int] = {}
    for unit in units:
        for key in unit.facts.content_set:
            frequency[key] = frequency.get(key, 0) + 1
    return frequency


def _name_parts(units: Sequence[Unit]) -> dict[tuple[str, str], int]:
    """(a part of a name, another part of the same name) -> a sentence giving both."""
    parts: dict[tuple[str, str], int] = {}
    for unit in units:
        for item in unit.facts.items:
            if item.kind != "name":
                continue
            # Each name a coordination lists is one name ("Greater Manchester Fire and
            # Rescue Service"); the names it joins are not parts of one another.
            for keys in item.members or (item.keys,):
                run = keys - PLACE_KEYS
                for part in run:
                    for other in run - {part}:
                        parts.setdefault((part, other), unit.index)
    return parts


def _full_name_words(units: Sequence[Unit]) -> frozenset[str]:
    """The words of names given in more than one part ("Antonio" of "Antonio Tajani"), or
    listed with others ("Brian" of "Brian and Charlotte Smith", who may share the surname)."""
    return frozenset(
        key
        for unit in units
        for item in unit.facts.items
        if item.kind == "name" and (item.parts > 1 or len(item.keys - PLACE_KEYS) > 1)
        for key in item.keys - PLACE_KEYS
    )


def _descriptors(
    units: Sequence[Unit],
) -> tuple[dict[str, set[str]], dict[tuple[str, str], int]]:
    """Name -> the roles and places the sources give it, and a sentence giving each."""
    descriptors: dict[str, set[str]] = {}
    source: dict[tuple[str, str], int] = {}
    for unit in units:
        for name, found in unit.facts.descriptors.items():
            descriptors.setdefault(name, set()).update(found)
            for descriptor in found:
                source.setdefault((name, descriptor), unit.index)
    return descriptors, source


def _number_units(sides: Sequence[Side]) -> dict[str, list[int]]:
    """Number key -> the sentences that state it."""
    found: dict[str, list[int]] = {}
    for unit_index, side in enumerate(sides):
        for item in side.items:
            if item.kind == "number":
                for key in item.keys:
                    found.setdefault(key, []).append(unit_index)
    return found


def _binder(sides: Sequence[Side], name_parts: dict[tuple[str, str], int]) -> Binder:
    """A binder that knows the request's opposites, name parts and every stated item key."""
    stated = frozenset(k for side in sides for item in side.items for k in item.keys)
    return Binder(OPPOSITES, frozenset(name_parts), stated)


def _name_words(sides: Sequence[Side]) -> frozenset[str]:
    """Every key of a person's or organisation's name the sources give (not places)."""
    return frozenset(
        key
        for side in sides
        for item in side.items
        if item.kind == "name" and not item.place
        for key in item.keys
    )


def _sequence(units: Sequence[Unit]) -> tuple[list[str | None], dict[str, list[int]]]:
    """Every sentence's word keys end to end (None between sentences), and where each stands.

    For finding the longest stretches a claim copies: extractive copies are one stretch,
    fusions several.
    """
    sequence: list[str | None] = []
    positions: dict[str, list[int]] = {}
    for unit in units:
        for key in unit.facts.keys:
            if key != "unk":
                positions.setdefault(key, []).append(len(sequence))
            sequence.append(key)
        sequence.append(None)
    return sequence, positions


class SourceIndex:
    """Every citable sentence of a request, analysed, with request-wide facts about names.

    Built once per request and only read afterwards, so one index serves concurrent checks.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = list(documents)
        self.texts = [DocumentText(d) for d in self.documents]
        # Each distinct sentence is split into words once, for the names and for its facts.
        read = {s.text: read_text(s.text) for d in self.documents for s in d.content_sentences}
        self.known_names = capitalised_in(tokens for _, tokens in read.values())
        self.units, self.by_document = _analyse_units(self.documents, self.known_names, read)
        self.vocabulary = frozenset(t.word for u in self.units for t in u.facts.tokens)
        self.document_frequency = _document_frequency(self.units)
        self.name_parts = _name_parts(self.units)
        self.full_name_words = _full_name_words(self.units)
        self.descriptors, self.descriptor_source = _descriptors(self.units)
        self.idf_missing = math.log(1 + len(self.units))
        # Every check weighs the claim's words: each word's weight is worked out once.
        self._idf = {
            key: math.log(1 + len(self.units) / (1 + frequency))
            for key, frequency in self.document_frequency.items()
        }
        self.sides = [u.facts.side for u in self.units]
        self.binder = _binder(self.sides, self.name_parts)
        self.number_units = _number_units(self.sides)
        self.name_words = _name_words(self.sides)
        self.sequence, self.positions = _sequence(self.units)

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
            parts = [k for k in item.keys if k in self.name_words and k not in PLACE_KEYS]
            # Glued only where a part belongs to another full name the sources give: a first
            # name and a surname the sources only ever use alone ("Paul's", "Sheerin") may be
            # one person's.
            if any(
                (a, b) not in self.name_parts
                and (a in self.full_name_words or b in self.full_name_words)
                for a in parts
                for b in parts
                if a != b
            ):
                found.append(claim.prepared[item.start : item.end])
        return found

    def fragments(self, keys: Sequence[str]) -> list[int]:
        """Lengths of the longest source stretches that tile the claim, greedily (0: no match)."""
        lengths: list[int] = []
        at = 0
        while at < len(keys):
            best = max(
                (self._stretch(keys, at, p) for p in self.positions.get(keys[at], ())), default=0
            )
            lengths.append(best)
            at += max(best, 1)
        return lengths

    def _stretch(self, keys: Sequence[str], at: int, position: int) -> int:
        """How many claim keys from `at` the sequence repeats from `position` on."""
        sequence = self.sequence
        length = 1
        while (
            at + length < len(keys)
            and position + length < len(sequence)
            and sequence[position + length] == keys[at + length]
        ):
            length += 1
        return length

    def idf(self, key: str) -> float:
        """Inverse document frequency over sentences; unseen words weigh the most."""
        return self._idf.get(key, self.idf_missing)

    def fold_texts(self) -> None:
        """Fold every article now, as the checks of a summary's first statements would:
        work that can be done while a model writes (`pipeline.summarize`), rather than after
        its reply (a new set of 5 FRANK articles: about 8 of the 35 ms of verification after it)."""
        for text in self.texts:
            _ = text.normal, text.skeleton

    # --- quotes ---------------------------------------------------------------------

    def quote_occurrences(self, quote: str, documents: Iterable[int]) -> list[tuple[int, int, int]]:
        """(document, start, end) of every verbatim occurrence of the quote."""
        needle = skeleton(quote).text
        return [
            (doc_index, start, end)
            for doc_index in documents
            for start, end in self.texts[doc_index].find_skeleton(needle)
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
        quote_start, quote_end = self._quote_in_unit(unit, doc_index, start, end)
        nearest = _nearest_event(unit.facts.events, quote_start, quote_end)
        if nearest is not None:
            if not nearest.pronoun:
                return nearest.speaker
            return self._named_before(unit, nearest.start)
        # A quote running on from earlier sentences keeps the speaker named there.
        return self._named_before(unit, quote_start, include_pronouns=False)

    def _quote_in_unit(self, unit: Unit, doc_index: int, start: int, end: int) -> tuple[int, int]:
        """Where the document's span `start:end` sits in the unit's prepared text."""
        quoted = skeleton(self.documents[doc_index].text[start:end]).text
        prepared_skeleton = unit.facts.prepared_skeleton
        at = prepared_skeleton.text.find(quoted[:40])
        if at == -1:
            return 0, len(unit.facts.prepared)
        last = min(at + len(quoted), len(prepared_skeleton.origin)) - 1
        return prepared_skeleton.origin[at], prepared_skeleton.origin[last] + 1

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
        descriptive = PLACE_KEYS | ROLE_KEYS
        if attributed and attributed <= descriptive and attributed <= claimed_described:
            return True
        return bool(claimed and claimed <= descriptive and claimed <= attributed_described)


def _nearest_event(
    events: Sequence[SpeechEvent], quote_start: int, quote_end: int
) -> SpeechEvent | None:
    """The speech event closest to a quote, outside it; the first of equals."""
    best: tuple[int, SpeechEvent] | None = None
    for event in events:
        if event.end <= quote_start:
            distance = quote_start - event.end
        elif event.start >= quote_end:
            distance = event.start - quote_end
        else:
            continue
        if best is None or distance < best[0]:
            best = (distance, event)
    return best[1] if best is not None else None
