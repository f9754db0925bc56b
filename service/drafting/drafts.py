"""What the model is asked to return (validated by pydantic before anything else sees it).

Drafts carry verbatim quotes, never offsets: the verifier finds the spans itself.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The most conflicts, and sides of one, a model is asked for. Advertised in the schema (a server
# that constrains output to it makes a small model stop), not enforced when reading a reply.
MAX_WRITTEN_CONFLICTS = 3
MAX_SIDES = 3


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(Draft):
    """A passage copied verbatim from one source article."""

    article_id: str = Field(description="the tag (or id) of the article it is copied from")
    quote: str = Field(description="exact words copied from that article")


class DraftSentence(Draft):
    text: str = Field(description="one summary sentence, in your own words or the source's")
    evidence: list[Evidence] = Field(
        description="verbatim passages that support the sentence, one per source that says it"
    )


class DraftEvent(DraftSentence):
    who: list[str] = Field(default_factory=list, description="the people or parties who met")
    where: str | None = Field(default=None, description="place, as the sources write it")
    when: str | None = Field(default=None, description="date or day, as the sources write it")


class DraftQuote(Draft):
    speaker: str = Field(description="who said it, as the source names them")
    quote: str = Field(description="the quoted words, copied exactly")
    article_id: str = Field(description="the tag (or id) of the article it appears in")


class DraftConflict(Draft):
    """A fact the articles state differently, as the model reports it: one claim a side."""

    about: str = Field(description="a few words naming the fact the sides disagree on")
    claims: list[DraftSentence] = Field(
        description="one sentence for each side, with evidence",
        json_schema_extra={"minItems": 2, "maxItems": MAX_SIDES},
    )


class SummaryDraft(Draft):
    """The structured summary a model writes about one event."""

    headline: DraftSentence
    event: DraftEvent | None = None
    key_points: list[DraftSentence]
    quotes: list[DraftQuote] = Field(default_factory=list)
    conflicts: list[DraftConflict] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_WRITTEN_CONFLICTS}
    )


class RepairedSentence(Draft):
    index: int = Field(description="index of the sentence being repaired")
    sentence: DraftSentence | None = Field(
        description="the corrected sentence, or null when the sources cannot support it"
    )


class RepairDraft(Draft):
    repairs: list[RepairedSentence]
