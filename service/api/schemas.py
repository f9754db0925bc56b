"""The HTTP contract: request and response bodies of /summarize and /verify."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict, JsonValue

from service.api.strings import Identifier, Text
from service.domain import InputFormat, OnModelFailure, first_repeated

# Hard ceilings of the schema itself; the configured limits (Settings) are checked on top.
MAX_ID_CHARS = 200
MAX_SENTENCES = 500


class Strict(BaseModel):
    """Every request object rejects unknown fields."""

    model_config = ConfigDict(extra="forbid")


# The schema states the one-of rule its validator enforces: one of `text` or `html` holds a
# string that is not blank, the other is absent or null (as clients that send every field have it).
ONE_BODY_SCHEMA: JsonDict = {
    "oneOf": [
        {
            "required": [body],
            "properties": {body: {"type": "string", "pattern": "\\S"}, other: {"type": "null"}},
        }
        for body, other in (("text", "html"), ("html", "text"))
    ]
}
EXAMPLE_ARTICLES: list[JsonValue] = [
    {
        "id": "wire-1",
        "source": "Example Wire",
        "title": "Ministers agree river clean-up",
        "text": "Environment ministers from three countries agreed on Tuesday to fund a "
        "clean-up of the river. The plan will cost 40 million euros and run until 2030, "
        "officials said.",
    },
    {
        "id": "paper-2",
        "source": "Example Paper",
        "html": "<html><body><article><h1>River plan agreed</h1><p>Three countries will "
        "spend 40 million euros cleaning the river by 2030, ministers announced on Tuesday."
        "</p></article></body></html>",
    },
]


class ArticleIn(Strict):
    """One source article: plain `text` or `html`, exactly one of them."""

    model_config = ConfigDict(json_schema_extra=ONE_BODY_SCHEMA)

    id: Identifier = Field(
        min_length=1,
        max_length=MAX_ID_CHARS,
        description="unique within the request; no control, format or line-break characters",
    )
    text: Text | None = Field(
        default=None, description="the article as plain text (give this or `html`, not both)"
    )
    html: Text | None = Field(
        default=None, description="the article as an HTML page (give this or `text`, not both)"
    )
    title: Text | None = Field(default=None, max_length=2_000)
    source: Text | None = Field(default=None, max_length=500)
    url: Text | None = Field(default=None, max_length=4_000)
    published_at: Text | None = Field(default=None, max_length=100)

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

    # Strict: a number or a boolean is one in JSON ("5" and 1 are refused, as the schema says).
    max_key_points: int = Field(default=8, ge=1, le=20, strict=True)
    max_quotes: int = Field(default=4, ge=0, le=10, strict=True)
    repair: bool = Field(default=True, strict=True)
    on_model_failure: OnModelFailure = Field(
        default="error",
        description="When the model fails or the deadline passes: `error` answers the typed "
        "502/503/504; `extractive` answers 200 with the extractive summary, `run.fallback` set "
        "and `run.fallback_reason` naming the failure.",
    )


class SummarizeRequest(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"articles": EXAMPLE_ARTICLES, "options": {"max_key_points": 4}}]
        },
    )

    articles: list[ArticleIn] = Field(min_length=1)
    options: SummarizeOptions = Field(default_factory=SummarizeOptions)

    _check_ids = field_validator("articles")(_unique_ids)


class CitationOut(BaseModel):
    """A span of one article: `articles[article_id].text[start:end] == text`, in code points
    (Python's string indices); `start_utf16`/`end_utf16` are the same span in UTF-16 code
    units, so `text.slice(start_utf16, end_utf16)` in JavaScript gives `text` too."""

    article_id: str
    start: int
    end: int
    text: str
    start_utf16: int
    end_utf16: int


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
    # An ISO date (YYYY-MM-DD) where the articles' dates allow resolving the sources' words
    # ("Friday" in an article of 2026-01-16), else those words; `when_stated` keeps them.
    when: str | None = None
    when_stated: str | None = None


class QuoteOut(SentenceOut):
    """A verbatim quotation and the speaker the source names."""

    speaker: str | None = None


class ConflictOut(BaseModel):
    """A fact the independent sources disagree on: a cited claim from each side."""

    about: str
    claims: list[SentenceOut] = Field(min_length=2)


class SummaryOut(BaseModel):
    headline: SentenceOut | None
    event: EventOut | None = None
    key_points: list[SentenceOut]
    quotes: list[QuoteOut] = Field(default_factory=list)
    # Facts independent sources state differently; empty when none was found.
    conflicts: list[ConflictOut] = Field(default_factory=list)


class DroppedSentence(BaseModel):
    """A sentence the model wrote that failed verification and was not returned."""

    field: str
    text: str
    reasons: list[str]


class CheckedSentenceOut(BaseModel):
    """One sentence the independent checker was asked about: why (`rules`), its `answer`,
    and the decision after it (`supported`; a `failed` check leaves the rules' decision)."""

    field: str
    text: str
    stage: Literal["draft", "repair", "verify"]
    rules: Literal["passed", "soft_rejection"]
    answer: Literal["supported", "unsupported", "failed"]
    supported: bool
    reason: str
    latency_ms: float


class CheckerReportOut(BaseModel):
    """The independent checker's part in this response: its model, what it was asked and
    answered, how many decisions it `overturned`, its `calls` and wall-clock `latency_ms`."""

    model: str
    prompt_version: int
    asked: int
    supported: int
    unsupported: int
    failed: int
    overturned: int
    calls: int
    latency_ms: float
    verdicts: list[CheckedSentenceOut]


class VerificationReport(BaseModel):
    """`checked` sentences: `passed` the verifier, `judged` supported by the independent
    checker after the rules rejected them softly, `repaired` after one repair call; the rest
    are `dropped`, with reasons. `checker` is null where no checker is configured."""

    checked: int
    passed: int
    judged: int = 0
    repaired: int
    dropped: list[DroppedSentence]
    checker: CheckerReportOut | None = None


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

    article_id: Identifier = Field(min_length=1, max_length=MAX_ID_CHARS)
    start: int | None = Field(default=None, ge=0, strict=True)
    end: int | None = Field(default=None, ge=0, strict=True)
    text: Text | None = None

    @model_validator(mode="after")
    def _has_location(self) -> CitationIn:
        if self.text is None and (self.start is None or self.end is None):
            raise ValueError("a citation needs `text` or both `start` and `end`")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("`end` must not be before `start`")
        return self


class SentenceIn(Strict):
    text: Text = Field(min_length=1, max_length=5_000)
    citations: list[CitationIn] | None = None


class VerifyRequest(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "articles": EXAMPLE_ARTICLES,
                    "sentences": [
                        "The plan will cost 40 million euros.",
                        {
                            "text": "The plan runs until 2035.",
                            "citations": [{"article_id": "wire-1", "text": "until 2030"}],
                        },
                    ],
                }
            ]
        },
    )

    articles: list[ArticleIn] = Field(min_length=1)
    sentences: list[Text | SentenceIn] = Field(min_length=1, max_length=MAX_SENTENCES)

    _check_ids = field_validator("articles")(_unique_ids)


class VerifyResult(BaseModel):
    text: str
    supported: bool
    score: float = Field(ge=0.0, le=1.0)
    citations: list[CitationOut]
    reasons: list[str]


class VerifyResponse(BaseModel):
    results: list[VerifyResult]
    # Null where no independent checker is configured.
    checker: CheckerReportOut | None = None


class ErrorOut(BaseModel):
    type: str
    detail: str
    field: str | None = None


class ReadyOut(BaseModel):
    """Whether the configured model answers; `detail` says why not."""

    status: Literal["ready", "unavailable"]
    model: str
    detail: str | None = None
