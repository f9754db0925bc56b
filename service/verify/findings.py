"""What a check finds: typed, immutable findings and the measurements a score is made from."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

FindingKind = Literal[
    "number",
    "descriptor",
    "name",
    "antonym",
    "polarity",
    "negation",
    "speaker",
    "binding",
    "glued_name",
    "link",
    "hedge",
    "first_person",
    "loop",
    "quote",
    "quote_speaker",
    "part",
    "unit",
    "ordinal",
    "swap",
    "stance",
    "unquoted",
    "unhedged",
]


# Findings about how a sentence puts facts together (a link such as "after" that no span
# makes, a hedged word stated flatly where the rules read the hedge's scope): readings a
# checker model may make better than these rules, so an independent checker may overturn
# them. A hedge dropped from its very place ("officials could raise" -> "officials raise",
# `unhedged`) is no reading: it is hard. Every other kind is a hard veto: the spans lack or
# contradict a number, date, name, quotation, speaker or polarity, and nothing overturns it.
# A kind added later is hard until it is named here.
SOFT_KINDS: frozenset[FindingKind] = frozenset({"link", "hedge"})


@dataclass(frozen=True)
class Finding:
    """One reason the cited spans do not support a claim."""

    kind: FindingKind
    reason: str
    # True where the spans leave something out (a name or number they never state); False
    # where they say otherwise (a number stated differently, an opposite word).
    omission: bool = False

    @property
    def hard(self) -> bool:
        """Whether this finding vetoes the claim whatever any second stage says."""
        return self.kind not in SOFT_KINDS


def reasons(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    """The reason texts of findings, in order."""
    return tuple(f.reason for f in findings)


@dataclass(frozen=True)
class SupportFeatures:
    """How much of a claim a set of source sentences states, and how it binds its parts."""

    coverage: float
    weighted_coverage: float
    pair_coverage: float
    trigram_coverage: float
    best_single: float
    missing: float
    novel: float
    stitched: float
    length: float
    repeats: float
    failures: float
    match: float
    # Names the best sentence lacks: fusions bind a name from one sentence to another's fact.
    names_elsewhere: float
    bound: float
    stranded_names: float
    stranded_words: float
    conflicts: float
    # The share of the claim's words the sentences state only in other words (WordNet).
    reworded: float


@dataclass(frozen=True)
class CopyFeatures:
    """How the claim copies the sources: one long stretch, or many short pieces."""

    density: float
    longest: float
    pieces: float


@dataclass(frozen=True)
class Features:
    """Every measurement of one check, as the scorer and the reports read them."""

    support: SupportFeatures
    copying: CopyFeatures

    def as_dict(self) -> dict[str, float]:
        """Feature name -> value: the support measurements, then the copying ones."""
        return {
            field.name: getattr(part, field.name)
            for part in (self.support, self.copying)
            for field in fields(part)
        }


@dataclass(frozen=True)
class Check:
    """The outcome of checking one claim against one set of source sentences."""

    units: tuple[int, ...]
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]
    features: Features
    score: float
    # Units that state a descriptor the claim uses ("Italian counterpart"): cited as well.
    extra_units: tuple[int, ...] = ()
    # Content words and numbers of the claim the units do not state (for stitching).
    uncovered: frozenset[str] = frozenset()

    @property
    def failures(self) -> tuple[str, ...]:
        """The reason texts of the findings."""
        return reasons(self.findings)
