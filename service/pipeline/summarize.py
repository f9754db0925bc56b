"""The whole path: ingest -> group -> chunk and ask the model -> verify -> respond."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from service.config import Settings
from service.domain import ArticleInput, Document, SourceGroups, SummaryOptions
from service.drafting.drafter import Drafter, Progress
from service.drafting.drafts import DraftSentence
from service.drafting.extractive import summarise_groups
from service.errors import ClientError, ModelError
from service.ingest.grouping import group_sentences
from service.ingest.prompt_injection import exclude_planted_instructions
from service.ingest.segment import ingest_articles
from service.llm.base import MeteredModel, Model
from service.llm.deadline import request_deadline
from service.pipeline.assemble import Assembler, Failure, claim_of, dropped
from service.pipeline.judge import judge_doubtful
from service.pipeline.results import (
    ArticleReport,
    RunInfo,
    Summary,
    SummaryResult,
    VerificationReport,
    VerifiedSentence,
)
from service.verify import Verifier


@dataclass
class Prepared:
    """A request's articles after ingest and grouping, with its verifier built once."""

    documents: list[Document]
    groups: SourceGroups
    verifier: Verifier


def prepare(articles: Sequence[ArticleInput], settings: Settings) -> Prepared:
    """Ingest, exclude planted instructions, group near-duplicates, index for verification."""
    documents = exclude_planted_instructions(ingest_articles(articles, settings))
    if not any(doc.content_sentences for doc in documents):
        raise ClientError(
            "no article has any sentence to summarise (only page boilerplate was found)",
            field="articles",
        )
    groups = group_sentences(documents)
    return Prepared(documents, groups, Verifier(documents, groups))


def _article_reports(prepared: Prepared) -> tuple[ArticleReport, ...]:
    return tuple(
        ArticleReport(
            id=doc.id,
            title=doc.title,
            source=doc.source,
            input_format=doc.input_format,
            text=doc.text,
            sentences=len(doc.sentences),
            boilerplate_sentences=sum(s.boilerplate for s in doc.sentences),
            duplicates_of=tuple(prepared.groups.duplicates_of.get(doc.id, [])),
        )
        for doc in prepared.documents
    )


def _key_point_failures(
    failures: list[Failure],
) -> tuple[list[tuple[Failure, DraftSentence]], list[Failure]]:
    """Failed key points (the only part a judge or a repair may bring back), and the rest."""
    points: list[tuple[Failure, DraftSentence]] = []
    others: list[Failure] = []
    for failure in failures:
        if failure.field.startswith("key_points") and isinstance(failure.draft, DraftSentence):
            points.append((failure, failure.draft))
        else:
            others.append(failure)
    return points, others


async def _second_opinion(
    model: Model,
    prepared: Prepared,
    assembler: Assembler,
    key_points: list[VerifiedSentence],
    failures: list[Failure],
) -> tuple[int, list[Failure]]:
    """Ask the model to judge key points the verifier was unsure about (never hard failures)."""
    points, still_failing = _key_point_failures(failures)
    if not points:
        return 0, failures
    claims = [claim_of(draft) for _, draft in points]
    verdicts = await judge_doubtful(
        model, claims, [f.verdict for f, _ in points], prepared.documents
    )
    judged = 0
    for (failure, draft), verdict in zip(points, verdicts, strict=True):
        retry: list[Failure] = []
        point = (
            assembler.sentence(draft, failure.field, retry, verdict) if verdict.supported else None
        )
        if point is None:
            # A verdict the judge upheld can still fail on its spans; `retry` then says why.
            still_failing.append(retry[0] if retry else Failure.of(failure.field, draft, verdict))
        else:
            key_points.append(point)
            judged += 1
    return judged, still_failing


async def _repair(
    drafter: Drafter,
    prepared: Prepared,
    assembler: Assembler,
    key_points: list[VerifiedSentence],
    failures: list[Failure],
) -> tuple[int, list[Failure]]:
    """Send failed key points back once; keep what now verifies, report the rest."""
    repairable, still_failing = _key_point_failures(failures)
    if not repairable:
        return 0, failures
    fixes = await drafter.repair(
        prepared.groups.groups, [(draft, list(f.reasons)) for f, draft in repairable]
    )
    repaired = 0
    for (failure, _), fix in zip(repairable, fixes, strict=True):
        if fix is None:
            still_failing.append(failure.noting(["repair: the model could not ground it"]))
            continue
        retry: list[Failure] = []
        point = assembler.sentence(fix, failure.field, retry)
        known = {p.text for p in key_points}
        if point is not None and point.text not in known:
            key_points.append(point)
            repaired += 1
        else:
            still_failing.append(
                failure.noting([f"after repair: {r}" for f in retry for r in f.reasons])
            )
    return repaired, still_failing


@dataclass
class _Drafted:
    """What the model's calls gave, once verified: the summary and the verification counts."""

    summary: Summary
    failures: list[Failure]
    checked: int = 0
    passed: int = 0
    judged: int = 0
    repaired: int = 0


async def _model_summary(
    model: Model,
    drafter: Drafter,
    prepared: Prepared,
    assembler: Assembler,
    options: SummaryOptions,
    settings: Settings,
) -> _Drafted:
    """Draft, verify, judge and repair, all of the request's calls under one deadline."""
    async with request_deadline(settings.request_deadline_s):
        result = await drafter.write(prepared.groups.groups)
        summary, failures = await asyncio.to_thread(assembler.summary, result.draft)
        out = _Drafted(summary, failures, assembler.checked, assembler.checked - len(failures))
        key_points = list(summary.key_points)
        if out.failures and settings.judge and model.profile.can_judge:
            out.judged, out.failures = await _second_opinion(
                model, prepared, assembler, key_points, out.failures
            )
        if out.failures and options.repair and settings.repair and model.profile.can_repair:
            out.repaired, out.failures = await _repair(
                drafter, prepared, assembler, key_points, out.failures
            )
        out.summary = replace(summary, key_points=tuple(key_points))
    return out


async def summarize(
    articles: Sequence[ArticleInput],
    options: SummaryOptions,
    *,
    model: Model,
    settings: Settings,
    progress: Progress | None = None,
) -> SummaryResult:
    """A verified summary of the articles; nothing unverified is returned."""
    prepared = await asyncio.to_thread(prepare, articles, settings)
    assembler = Assembler(prepared.documents, prepared.groups, prepared.verifier)
    # Every call (draft, reduce, judge, repair) is metered here, for the result's `run`.
    metered = MeteredModel(model)
    drafter = Drafter(
        metered,
        prepared.documents,
        settings,
        options.max_key_points,
        options.max_quotes,
        progress,
    )
    fallback_reason = None
    try:
        drafted = await _model_summary(metered, drafter, prepared, assembler, options, settings)
    except ModelError as exc:
        if options.on_model_failure != "extractive":
            raise
        # The client asked for the extractive summary rather than the error: marked as such.
        drafted = _Drafted(Summary(headline=None, event=None, key_points=(), quotes=()), [])
        fallback_reason = f"model failed ({exc.type}): {exc.detail}"
    nothing_survived = fallback_reason is None and not drafted.summary.key_points
    if nothing_survived and model.profile.extractive_fallback:
        fallback_reason = "no sentence written by the model passed verification"
    summary = drafted.summary
    if fallback_reason is not None:
        # Nothing the model wrote is given: answer with the extractive summary, marked as such.
        draft = await asyncio.to_thread(
            summarise_groups, prepared.groups.groups, options.max_key_points, options.max_quotes
        )
        summary, _ = await asyncio.to_thread(assembler.summary, draft)
    # Whatever the model returned and however many calls it took, the request's limits hold.
    summary = replace(
        summary,
        key_points=summary.key_points[: options.max_key_points],
        quotes=summary.quotes[: options.max_quotes],
    )

    return SummaryResult(
        summary=summary,
        verification=VerificationReport(
            checked=drafted.checked,
            passed=drafted.passed,
            judged=drafted.judged,
            repaired=drafted.repaired,
            dropped=dropped(drafted.failures),
        ),
        articles=_article_reports(prepared),
        run=RunInfo(
            model=metered.last_model,
            strategy=drafter.strategy,
            calls=metered.usage.calls,
            prompt_tokens=metered.usage.prompt_tokens,
            completion_tokens=metered.usage.completion_tokens,
            fallback_reason=fallback_reason,
            prompt_versions=dict(drafter.versions),
        ),
    )
