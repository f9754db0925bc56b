"""What the pipeline returns: verified sentences, the verification report, articles and run.

The field names are those of the HTTP response, which the API layer reads them into.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from service.domain import InputFormat
from service.verify import Citation


@dataclass(frozen=True)
class VerifiedSentence:
    """A summary sentence the verifier supports, with the spans of the sources it rests on."""

    text: str
    citations: tuple[Citation, ...]
    score: float
    # Independent sources among the cited ones: syndicated copies count once.
    sources: int


@dataclass(frozen=True)
class VerifiedEvent(VerifiedSentence):
    """Who met where and when, as one verified sentence plus its parts."""

    who: tuple[str, ...] = ()
    where: str | None = None
    # An ISO date where the sources allow ("Friday" in an article of Friday 16 January 2026
    # is "2026-01-16"), else as stated; `when_stated` is always the sources' own words.
    when: str | None = None
    when_stated: str | None = None


@dataclass(frozen=True)
class VerifiedQuote(VerifiedSentence):
    """A verbatim quotation and the speaker the source names."""

    speaker: str | None = None


@dataclass(frozen=True)
class VerifiedConflict:
    """A fact independent sources disagree on, with a verified claim from each side."""

    about: str
    claims: tuple[VerifiedSentence, ...]


@dataclass(frozen=True)
class Summary:
    """Only what the verifier supports; any part may be missing."""

    headline: VerifiedSentence | None
    event: VerifiedEvent | None
    key_points: tuple[VerifiedSentence, ...]
    quotes: tuple[VerifiedQuote, ...]
    conflicts: tuple[VerifiedConflict, ...] = ()


@dataclass(frozen=True)
class DroppedSentence:
    """A sentence the model wrote that failed verification, with every reason."""

    field: str
    text: str
    reasons: tuple[str, ...]


# Why a sentence went to the independent checker, what it answered, and at which stage.
RulesOutcome = Literal["passed", "soft_rejection"]
CheckerAnswer = Literal["supported", "unsupported", "failed"]
CheckStage = Literal["draft", "repair", "verify"]


@dataclass(frozen=True)
class CheckedSentence:
    """One sentence the independent checker was asked about, and how that settled it."""

    field: str
    text: str
    stage: CheckStage
    # "passed": the rules passed it but could not confirm it; "soft_rejection": they rejected
    # it without a hard veto. Hard vetoes are never asked.
    rules: RulesOutcome
    answer: CheckerAnswer
    # The decision after the checker: a failed check leaves the rules' decision.
    supported: bool
    reason: str
    latency_ms: float


@dataclass(frozen=True)
class CheckerReport:
    """What the independent checker was asked, what it answered, and what it cost."""

    model: str
    prompt_version: int
    asked: int
    supported: int
    unsupported: int
    failed: int
    # Decisions the checker changed: soft rejections accepted, passes rejected.
    overturned: int
    calls: int
    # Wall-clock time of the checker stages (calls run concurrently).
    latency_ms: float
    verdicts: tuple[CheckedSentence, ...]


@dataclass(frozen=True)
class VerificationReport:
    """How many sentences were checked and how each was settled."""

    checked: int
    passed: int
    judged: int
    repaired: int
    dropped: tuple[DroppedSentence, ...]
    # None where no independent checker is configured.
    checker: CheckerReport | None = None


@dataclass(frozen=True)
class ArticleReport:
    """What the service made of an input article; `text` is the ground truth for offsets."""

    id: str
    title: str | None
    source: str | None
    input_format: InputFormat
    text: str
    sentences: int
    boilerplate_sentences: int
    # Ids of other articles in the request that this one largely repeats (syndication).
    duplicates_of: tuple[str, ...]


@dataclass(frozen=True)
class RunInfo:
    """Which model produced the summary and what it cost."""

    model: str
    strategy: Literal["single", "map_reduce"]
    calls: int
    prompt_tokens: int
    completion_tokens: int
    fallback_reason: str | None
    prompt_versions: Mapping[str, int]

    @property
    def fallback(self) -> bool:
        """Whether the summary is the extractive one, given because the model's failed."""
        return self.fallback_reason is not None


@dataclass(frozen=True)
class SummaryResult:
    """A verified summary and everything a caller needs to trust it."""

    summary: Summary
    verification: VerificationReport
    articles: tuple[ArticleReport, ...]
    run: RunInfo


@dataclass(frozen=True)
class SentenceCheck:
    """The verifier's answer for one sentence written elsewhere."""

    text: str
    supported: bool
    score: float
    citations: tuple[Citation, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class VerifyResult:
    """One check per input sentence, in order."""

    results: tuple[SentenceCheck, ...]
    checker: CheckerReport | None = None
