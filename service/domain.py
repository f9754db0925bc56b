"""The domain's inputs and the in-memory forms of ingested articles, shared by every stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

InputFormat = Literal["text", "html"]
# What a request gets when the model fails (timeout, unreachable, bad output): the typed error,
# or the extractive summary marked as a fallback.
OnModelFailure = Literal["error", "extractive"]


@dataclass(frozen=True)
class ArticleInput:
    """A submitted article: its body as plain text or html, and what its sender says of it."""

    id: str
    body: str
    input_format: InputFormat = "text"
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: str | None = None


@dataclass(frozen=True)
class SummaryOptions:
    """What one summary may hold, whether failed sentences may be sent back for repair, and
    what to answer when the model fails."""

    max_key_points: int
    max_quotes: int
    repair: bool
    on_model_failure: OnModelFailure = "error"


def first_repeated(ids: Iterable[str]) -> int | None:
    """The position of the first id already seen earlier, None when every id is distinct."""
    seen: set[str] = set()
    for i, article_id in enumerate(ids):
        if article_id in seen:
            return i
        seen.add(article_id)
    return None


@dataclass(frozen=True)
class SourceSentence:
    """One sentence of an article: `document.text[start:end] == text`."""

    article_id: str
    index: int
    start: int
    end: int
    text: str
    boilerplate: bool = False


@dataclass
class Document:
    """An ingested article; `text` is the ground truth every offset points into."""

    id: str
    text: str
    sentences: list[SourceSentence]
    input_format: InputFormat = "text"
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: str | None = None

    @property
    def content_sentences(self) -> list[SourceSentence]:
        """The sentences that may be summarised or cited (boilerplate excluded)."""
        return [s for s in self.sentences if not s.boilerplate]


@dataclass
class SentenceGroup:
    """Near-duplicate sentences across (or within) articles; `members[0]` represents them."""

    id: str
    members: list[SourceSentence]

    @property
    def text(self) -> str:
        return self.members[0].text

    @property
    def article_ids(self) -> list[str]:
        """Distinct articles in the group, in member order."""
        return list(dict.fromkeys(m.article_id for m in self.members))


@dataclass
class SourceGroups:
    """The grouped view of a request's articles."""

    groups: list[SentenceGroup]
    # article id -> ids of other articles it largely repeats (syndicated copies).
    duplicates_of: dict[str, list[str]] = field(default_factory=dict)

    def independent_sources(self, article_ids: list[str]) -> int:
        """How many of these articles are independent: a cluster of copies counts once."""
        remaining = list(dict.fromkeys(article_ids))
        count = 0
        while remaining:
            head = remaining.pop(0)
            count += 1
            copies = set(self.duplicates_of.get(head, []))
            remaining = [a for a in remaining if a not in copies]
        return count
