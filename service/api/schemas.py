"""The HTTP contract: request and response bodies of /summarize and /verify."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.domain import InputFormat, OnModelFailure, first_repeated

# Hard ceilings of the schema itself; the configured limits (Settings) are checked on top.
MAX_ID_CHARS = 200
MAX_SENTENCES = 500


class Strict(BaseModel):
    """Every request object rejects unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ArticleIn(Strict):
    """One source article: plain `text` or `html` (exactly one)."""

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    text: str | None = None
    html: str | None = None
    title: str | None = Field(default=None, max_length=2_000)
    source: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=4_000)
    published_at: str | None = Field(default=None, max_length=100)

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("id must not be blank")
        return value

    @model_validator(mode="after")
    def _one_body(self) -> ArticleIn:
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of `text` or `html`")
        if not self.body()[1].strip():
            raise ValueError("article body is empty or whitespace")
        return self

    def body(self) -> tuple[InputFormat, str]:
        """Which field holds the article, and what it holds."""
        if self.text is not None:
            return "text", self.text
        if self.html is not None:
            return "html", self.html
        raise ValueError("give exactly one of `text` or `html`")


def _unique_ids(articles: list[ArticleIn]) -> list[ArticleIn]:
    repeated = first_repeated(a.id for a in articles)
    if repeated is not None:
        raise ValueError(f"duplicate article id {articles[repeated].id!r}")
    return articles


class SummarizeOptions(Strict):
    """Per-request knobs."""

    max_key_points: int = Field(default=8, ge=1, le=20)
    max_quotes: int = Field(default=4, ge=0, le=10)
    repair: bool = True
    on_model_failure: OnModelFailure = Field(
        default="error",
        description="When the model fails or the deadline passes: `error` answers the typed "
        "502/503/504; `extractive` answers 200 with the extractive summary, `run.fallback` set "
        "and `run.fallback_reason` naming the failure.",
    )


class SummarizeRequest(Strict):
    articles: list[ArticleIn] = Field(min_length=1)
    options: SummarizeOptions = Field(default_factory=SummarizeOptions)

    _check_ids = field_validator("articles")(_unique_ids)


class CitationOut(BaseModel):
    """A span of one article: `articles[article_id].text[start:end] == text`."""

    article_id: str
    start: int
    end: int
    text: str


class SentenceOut(BaseModel):
    """A verified summary sentence with the spans that support it."""

    text: str
    citations: list[CitationOut]
    score: float = Field(ge=0.0, le=1.0)
    # Independent sources among the cited ones: syndicated copies count once.
    sources: int = 1


class EventOut(SentenceOut):
    """Who met where and when, as one grounded sentence plus its parts."""

    who: list[str] = Field(default_factory=list)
    where: str | None = None
    when: str | None = None


class QuoteOut(SentenceOut):
    """A verbatim quotation and the speaker the source names."""

    speaker: str | None = None


class SummaryOut(BaseModel):
    headline: SentenceOut | None
    event: EventOut | None = None
    key_points: list[SentenceOut]
    quotes: list[QuoteOut] = Field(default_factory=list)


class DroppedSentence(BaseModel):
    """A sentence the model wrote that failed verification and was not returned."""

    field: str
    text: str
    reasons: list[str]


class VerificationReport(BaseModel):
    """`checked` sentences: `passed` the verifier, `judged` supported by the optional model
    judge, `repaired` after one repair call; the rest are `dropped`, with reasons."""

    checked: int
    passed: int
    judged: int = 0
    repaired: int
    dropped: list[DroppedSentence]


class ArticleOut(BaseModel):
    """What the service made of an input article; `text` is the ground truth for offsets."""

    id: str
    title: str | None = None
    source: str | None = None
    input_format: InputFormat
    text: str
    sentences: int
    boilerplate_sentences: int
    # Ids of other articles in the request that this one largely repeats (syndication).
    duplicates_of: list[str] = Field(default_factory=list)


class RunInfo(BaseModel):
    """Which model produced the summary and what it cost."""

    model: str
    strategy: Literal["single", "map_reduce"]
    calls: int
    prompt_tokens: int
    completion_tokens: int
    fallback: bool = False
    fallback_reason: str | None = None
    prompt_versions: dict[str, int] = Field(default_factory=dict)


class SummarizeResponse(BaseModel):
    summary: SummaryOut
    verification: VerificationReport
    articles: list[ArticleOut]
    run: RunInfo


class CitationIn(Strict):
    """A claimed source span: offsets, a verbatim quote, or both."""

    article_id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    text: str | None = None

    @model_validator(mode="after")
    def _has_location(self) -> CitationIn:
        if self.text is None and (self.start is None or self.end is None):
            raise ValueError("a citation needs `text` or both `start` and `end`")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("`end` must not be before `start`")
        return self


class SentenceIn(Strict):
    text: str = Field(min_length=1, max_length=5_000)
    citations: list[CitationIn] | None = None


class VerifyRequest(Strict):
    articles: list[ArticleIn] = Field(min_length=1)
    sentences: list[str | SentenceIn] = Field(min_length=1, max_length=MAX_SENTENCES)

    _check_ids = field_validator("articles")(_unique_ids)


class VerifyResult(BaseModel):
    text: str
    supported: bool
    score: float = Field(ge=0.0, le=1.0)
    citations: list[CitationOut]
    reasons: list[str]


class VerifyResponse(BaseModel):
    results: list[VerifyResult]


class ErrorOut(BaseModel):
    type: str
    detail: str
    field: str | None = None
