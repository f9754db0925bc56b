"""The verifier's inputs and outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from service.text.utf16 import utf16_offset


@dataclass(frozen=True)
class Citation:
    """A span of one article; `document.text[start:end] == text`, always. `start_utf16` and
    `end_utf16` are the same span in UTF-16 code units (what a browser's `slice` takes)."""

    article_id: str
    start: int
    end: int
    text: str
    start_utf16: int
    end_utf16: int

    @classmethod
    def of_span(cls, article_id: str, document_text: str, start: int, end: int) -> Citation:
        """The citation of `document_text[start:end]`, with both kinds of offsets."""
        return cls(
            article_id,
            start,
            end,
            document_text[start:end],
            utf16_offset(document_text, start),
            utf16_offset(document_text, end),
        )


@dataclass(frozen=True)
class ClaimEvidence:
    """What the writer claims supports a sentence: an article, a quote, offsets, or a mix."""

    article_id: str | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Claim:
    """One sentence to verify, with the evidence its writer gave (possibly none)."""

    text: str
    # Empty: the verifier retrieves the supporting sentences itself.
    evidence: tuple[ClaimEvidence, ...] = ()
    # "quote": `text` is a quotation that must appear verbatim in a source.
    kind: Literal["statement", "quote"] = "statement"
    # For quotes: who said it; must be the speaker the source names.
    speaker: str | None = None
    # Short strings (who, where, when) that must appear in the cited spans.
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Whether a claim is supported, how confidently, by which spans, and why."""

    supported: bool
    score: float
    citations: list[Citation]
    reasons: list[str] = field(default_factory=list)
    # The measurements the score was computed from (for reports and calibration).
    details: dict[str, float] = field(default_factory=dict)
    # The reasons of hard failures (a number, date or name the spans lack, a quotation not
    # verbatim, a negation flip...): no second stage may overturn a vetoed verdict.
    vetoes: tuple[str, ...] = ()

    @property
    def vetoed(self) -> bool:
        """Whether a hard failure decides this verdict, whatever a checker model says."""
        return bool(self.vetoes)
