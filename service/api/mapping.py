"""The one place HTTP bodies become domain inputs, and domain results become HTTP bodies."""

from __future__ import annotations

from service.api.schemas import (
    ArticleIn,
    SentenceIn,
    SummarizeOptions,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.config import Settings
from service.domain import ArticleInput, SummaryOptions
from service.drafting.drafter import Progress
from service.llm.base import Model
from service.llm.checker import Checker
from service.pipeline.results import SummaryResult, VerifyResult
from service.pipeline.summarize import summarize
from service.pipeline.verify_only import verify_sentences
from service.verify import Claim, ClaimEvidence


def article_input(article: ArticleIn) -> ArticleInput:
    """A validated article as the pipeline takes it."""
    input_format, body = article.body()
    return ArticleInput(
        id=article.id,
        body=body,
        input_format=input_format,
        title=article.title,
        source=article.source,
        url=article.url,
        published_at=article.published_at,
    )


def summary_options(options: SummarizeOptions) -> SummaryOptions:
    """A request's options as the pipeline takes them."""
    return SummaryOptions(
        max_key_points=options.max_key_points,
        max_quotes=options.max_quotes,
        repair=options.repair,
        on_model_failure=options.on_model_failure,
    )


def claim_of_input(item: str | SentenceIn) -> Claim:
    """A /verify sentence (plain text, or text with citations) as a verifier claim."""
    if isinstance(item, str):
        return Claim(text=item)
    evidence = tuple(
        ClaimEvidence(article_id=c.article_id, quote=c.text, start=c.start, end=c.end)
        for c in item.citations or []
    )
    return Claim(text=item.text, evidence=evidence)


def summarize_response(result: SummaryResult) -> SummarizeResponse:
    """The /summarize body of a result (the result's fields are named as the body's)."""
    return SummarizeResponse.model_validate(result, from_attributes=True)


def verify_response(result: VerifyResult) -> VerifyResponse:
    """The /verify body of a result (the result's fields are named as the body's)."""
    return VerifyResponse.model_validate(result, from_attributes=True)


async def summarize_request(
    request: SummarizeRequest,
    *,
    model: Model,
    settings: Settings,
    progress: Progress | None = None,
    checker: Checker | None = None,
) -> SummarizeResponse:
    """POST /summarize without the server: the body in, the pipeline, the body out."""
    result = await summarize(
        [article_input(a) for a in request.articles],
        summary_options(request.options),
        model=model,
        settings=settings,
        progress=progress,
        checker=checker,
    )
    return summarize_response(result)


async def verify_request(
    request: VerifyRequest, settings: Settings, checker: Checker | None = None
) -> VerifyResponse:
    """POST /verify without the server: the body in, the verifier (and checker), the body out."""
    result = await verify_sentences(
        [article_input(a) for a in request.articles],
        [claim_of_input(s) for s in request.sentences],
        settings,
        checker,
    )
    return verify_response(result)
