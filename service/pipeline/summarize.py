"""The whole path: ingest -> group -> chunk and ask the model -> verify -> respond."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from service.config import Settings
from service.domain import ArticleInput, Document, SourceGroups, SummaryOptions
from service.drafting.drafter import Drafter, Progress
from service.drafting.drafts import DraftSentence
from service.drafting.extractive import summarise_groups
from service.errors import ClientError
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
    SummaryResult,
    VerificationReport,
    VerifiedSentence,
)
from service.pipeline.worker import InWorkerModel, in_worker, raise_if_cancelled
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
    raise_if_cancelled()
    groups = group_sentences(documents)
    raise_if_cancelled()
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


async def summarize(
    articles: Sequence[ArticleInput],
    options: SummaryOptions,
    *,
    model: Model,
    settings: Settings,
    progress: Progress | None = None,
) -> SummaryResult:
    """A verified summary of the articles; nothing unverified is returned."""
    prepared = await in_worker(prepare, articles, settings)
    assembler = Assembler(prepared.documents, prepared.groups, prepared.verifier)
    # Every call (draft, reduce, judge, repair) is metered here, for the result's `run`; a
    # model that only computes does so in a worker thread, off the event loop.
    metered = MeteredModel(InWorkerModel(model) if model.profile.offline else model)
    drafter = Drafter(
        metered,
        prepared.documents,
        settings,
        options.max_key_points,
        options.max_quotes,
        progress,
    )
    # One deadline for all of the request's calls, however many map-reduce and repair make.
    async with request_deadline(settings.request_deadline_s):
        result = await drafter.write(prepared.groups.groups)
        summary, failures = await in_worker(assembler.summary, result.draft)
        checked, passed = assembler.checked, assembler.checked - len(failures)
        repaired = judged = 0
        key_points = list(summary.key_points)
        if failures and settings.judge and model.profile.can_judge:
            judged, failures = await _second_opinion(
                metered, prepared, assembler, key_points, failures
            )
        if failures and options.repair and settings.repair and model.profile.can_repair:
            repaired, failures = await _repair(drafter, prepared, assembler, key_points, failures)
        summary = replace(summary, key_points=tuple(key_points))

    fallback_reason = None
    if not summary.key_points and model.profile.extractive_fallback:
        # Nothing the model wrote survived: answer with the extractive summary, marked as such.
        fallback_reason = "no sentence written by the model passed verification"
        draft = await in_worker(
            summarise_groups, prepared.groups.groups, options.max_key_points, options.max_quotes
        )
        summary, _ = await in_worker(assembler.summary, draft)
    # Whatever the model returned and however many calls it took, the request's limits hold.
    summary = replace(
        summary,
        key_points=summary.key_points[: options.max_key_points],
        quotes=summary.quotes[: options.max_quotes],
    )

    return SummaryResult(
        summary=summary,
        verification=VerificationReport(
            checked=checked,
            passed=passed,
            judged=judged,
            repaired=repaired,
            dropped=dropped(failures),
        ),
        articles=_article_reports(prepared),
        run=RunInfo(
            model=metered.last_model,
            strategy=result.strategy,
            calls=metered.usage.calls,
            prompt_tokens=metered.usage.prompt_tokens,
            completion_tokens=metered.usage.completion_tokens,
            fallback_reason=fallback_reason,
            prompt_versions=dict(drafter.versions),
        ),
    )
