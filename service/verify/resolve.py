"""Find where a quoted passage sits in an article: exact, then verbatim words, then fuzzy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from service.domain import Document
from service.text.normalize import Normalized, normalize, skeleton

# Fuzzy alignment is for a model's near-copies (a dropped comma, a changed article), not for
# paraphrase: below this similarity a quote does not resolve.
FUZZY_MIN_SCORE = 92.0
# Short quotes align by chance somewhere in a long article, so fuzzy needs this many characters.
FUZZY_MIN_CHARS = 24


@dataclass(frozen=True)
class Span:
    """A resolved passage: `document.text[start:end]`, and how it was matched."""

    article_id: str
    start: int
    end: int
    how: str


class DocumentText:
    """The normal forms of one article, built on first use."""

    def __init__(self, document: Document) -> None:
        self.document = document

    @cached_property
    def normal(self) -> Normalized:
        """Typography, case and whitespace folded."""
        return normalize(self.document.text)

    @cached_property
    def skeleton(self) -> Normalized:
        """Letters and digits only."""
        return skeleton(self.document.text)

    def find_skeleton(self, needle: str) -> list[tuple[int, int]]:
        """Every span whose skeleton (`skeleton(...).text`) is `needle`."""
        if not needle:
            return []
        haystack = self.skeleton
        spans: list[tuple[int, int]] = []
        at = haystack.text.find(needle)
        while at != -1:
            spans.append(haystack.to_original(at, at + len(needle)))
            at = haystack.text.find(needle, at + 1)
        return spans


@dataclass(frozen=True)
class Needle:
    """A quote's folded forms, made once for every article it is looked for in."""

    normal: str
    skeleton: str

    @classmethod
    def of(cls, quote: str) -> Needle:
        """The quote folded as the articles are, without the punctuation around it."""
        normal = normalize(quote).text.strip(" \"'.,;:")
        return cls(normal, skeleton(normal).text)


def resolve_quote(text: DocumentText, quote: str | Needle, *, fuzzy: bool = True) -> Span | None:
    """The span of `text` that `quote` copies, or None when it does not resolve."""
    folded = quote if isinstance(quote, Needle) else Needle.of(quote)
    needle = folded.normal
    if not needle:
        return None
    article_id = text.document.id
    at = text.normal.text.find(needle)
    if at != -1:
        start, end = text.normal.to_original(at, at + len(needle))
        return Span(article_id, start, end, "exact")
    verbatim = text.find_skeleton(folded.skeleton)
    if verbatim:
        start, end = verbatim[0]
        return Span(article_id, start, end, "verbatim")
    if not fuzzy or len(needle) < FUZZY_MIN_CHARS:
        return None
    alignment = fuzz.partial_ratio_alignment(needle, text.normal.text, score_cutoff=FUZZY_MIN_SCORE)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return None
    # partial_ratio aligns the shorter string inside the longer; a quote longer than what it
    # aligned to is mostly not in the article.
    if (alignment.dest_end - alignment.dest_start) < 0.9 * len(needle):
        return None
    start, end = text.normal.to_original(alignment.dest_start, alignment.dest_end)
    return Span(article_id, start, end, "fuzzy")


def contains_passage(span_text: str, quote: str) -> bool:
    """Whether the words of `quote` appear, verbatim up to typography and case, in `span_text`."""
    needle = skeleton(quote).text
    return bool(needle) and needle in skeleton(span_text).text
