"""The whole path: ingest -> group -> chunk and ask the model -> verify -> respond."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from service.config import Settings
from service.domain import ArticleInput, SentenceGroup, SummaryOptions
from service.drafting.drafter import Drafter, Progress, check_window
from service.drafting.drafts import DraftSentence, SummaryDraft
from service.drafting.extractive import summarise_groups
from service.errors import ModelError
from service.llm.base import MeteredModel, Model
from service.llm.checker import Checker
from service.llm.deadline import request_deadline
from service.pipeline.assemble import Assembler, Failure, dropped
from service.pipeline.checker import CheckerStage, Question, check_summary
from service.pipeline.prepared import Prepared, prepared_for
from service.pipeline.results import (
    ArticleReport,
    RunInfo,
    Summary,
    SummaryResult,
    VerificationReport,
    VerifiedSentence,
)
from service.pipeline.worker import InWorkerModel, in_worker
from service.telemetry import timed
from service.verify import Verdict, Verifier


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
    """Failed key points (the only part a repair may bring back), and the rest."""
    points: list[tuple[Failure, DraftSentence]] = []
    others: list[Failure] = []
    for failure in failures:
        if failure.field.startswith("key_points") and isinstance(failure.draft, DraftSentence):
            points.append((failure, failure.draft))
        else:
            others.append(failure)
    return points, others


async def _fix_verdicts(
    assembler: Assembler,
    fields: Sequence[str],
    fixes: Sequence[DraftSentence | None],
    stage: CheckerStage | None,
) -> list[Verdict | None]:
    """The verdict on each repaired sentence: the rules', then the checker's where it decides."""
    # A repair is a second draft: its checks count in the same stage as the first's.
    with timed("verify"):
        verdicts: list[Verdict | None] = [
            None if fix is None else assembler.check(fix)[0] for fix in fixes
        ]
    if stage is None:
        return verdicts
    asked = [
        (i, Question(fields[i], fix.text, verdict))
        for i, (fix, verdict) in enumerate(zip(fixes, verdicts, strict=True))
        if fix is not None and verdict is not None
    ]
    decided = await stage.decide([q for _, q in asked], "repair")
    for (i, _), verdict in zip(asked, decided, strict=True):
        verdicts[i] = verdict
    return verdicts


async def _repair(
    drafter: Drafter,
    prepared: Prepared,
    assembler: Assembler,
    key_points: list[VerifiedSentence],
    failures: list[Failure],
    stage: CheckerStage | None,
) -> tuple[int, list[Failure]]:
    """Send failed key points back once; keep what now verifies (re-checked by the checker,
    when there is one, as the draft was), report the rest."""
    repairable, still_failing = _key_point_failures(failures)
    if not repairable:
        return 0, failures
    fixes = await drafter.repair(
        prepared.groups.groups, [(draft, list(f.reasons)) for f, draft in repairable]
    )
    verdicts = await _fix_verdicts(assembler, [f.field for f, _ in repairable], fixes, stage)
    repaired = 0
    for (failure, _), fix, verdict in zip(repairable, fixes, verdicts, strict=True):
        if fix is None:
            still_failing.append(failure.noting(["repair: the model could not ground it"]))
            continue
        retry: list[Failure] = []
        point = assembler.sentence(fix, failure.field, retry, verdict)
        known = {p.text for p in key_points}
        if point is not None and point.text not in known:
            key_points.append(point)
            repaired += 1
        else:
            still_failing.append(
                failure.noting([f"after repair: {r}" for f in retry for r in f.reasons])
            )
    return repaired, still_failing


async def _verified(
    draft: SummaryDraft,
    drafter: Drafter,
    prepared: Prepared,
    assembler: Assembler,
    repair: bool,
    stage: CheckerStage | None,
) -> tuple[Summary, VerificationReport]:
    """Verify the draft, let the checker settle what the rules cannot, repair once, report."""
    with timed("verify"):
        summary, failures = await in_worker(assembler.summary, draft)
    checked, passed = assembler.checked, assembler.checked - len(failures)
    repaired = judged = 0
    if stage is not None:
        settled = await check_summary(stage, assembler, draft, summary, failures)
        summary, failures, judged = settled.summary, settled.failures, settled.accepted
        passed -= settled.rejected
    key_points = list(summary.key_points)
    if failures and repair:
        repaired, failures = await _repair(
            drafter, prepared, assembler, key_points, failures, stage
        )
    report = VerificationReport(
        checked=checked,
        passed=passed,
        judged=judged,
        repaired=repaired,
        dropped=dropped(failures),
        checker=stage.report() if stage is not None else None,
    )
    return replace(summary, key_points=tuple(key_points)), report


async def _extractive_summary(
    prepared: Prepared, assembler: Assembler, options: SummaryOptions
) -> Summary:
    """Nothing the model wrote is given: the extractive summary, verified like any draft."""
    draft = await in_worker(
        summarise_groups, prepared.groups.groups, options.max_key_points, options.max_quotes
    )
    summary, _ = await in_worker(assembler.summary, draft)
    return summary


def _verifier_of(prepared: Prepared) -> Verifier:
    """The verifier, and what the sources disagree on: both depend on the sources alone, so
    both are worked out beside the model's calls (every summary reports the conflicts)."""
    with timed("index"):
        verifier = prepared.verifier
        verifier.index.fold_texts()
        Assembler(prepared.documents, prepared.groups, verifier, prepared.memo).conflicts()
    return verifier


async def _index_once_called(metered: MeteredModel, prepared: Prepared) -> Verifier:
    """The verifier, built once the first model call is on its way: started before, its thread
    would hold the interpreter's lock while the prompt is rendered and sent (a new set of 5
    FRANK articles: overhead 223 -> 200 ms in `python -m benchmarks.bench_overhead`, one run
    each)."""
    await metered.called.wait()
    return await in_worker(_verifier_of, prepared)


async def _drafted(
    drafter: Drafter,
    chunks: list[list[SentenceGroup]],
    prepared: Prepared,
    index: asyncio.Future[Verifier],
    repair: bool,
    stage: CheckerStage | None,
    options: SummaryOptions,
    settings: Settings,
) -> tuple[Summary, VerificationReport, str | None]:
    """The model's verified summary and its report; on a model failure, when the client chose
    the extractive summary instead, an empty one and the reason."""
    try:
        # One deadline for all of the request's calls, however many map-reduce and repair make.
        async with request_deadline(settings.request_deadline_s):
            result = await drafter.write(prepared.groups.groups, chunks)
            # Shielded: a deadline passing here leaves the index to the extractive fallback.
            assembler = Assembler(
                prepared.documents, prepared.groups, await asyncio.shield(index), prepared.memo
            )
            summary, report = await _verified(
                result.draft, drafter, prepared, assembler, repair, stage
            )
            return summary, report, None
    except ModelError as exc:
        if options.on_model_failure != "extractive":
            raise
        # The client chose the extractive summary over the error: it answers, marked as such.
        empty = Summary(headline=None, event=None, key_points=(), quotes=())
        report = VerificationReport(
            checked=0,
            passed=0,
            judged=0,
            repaired=0,
            dropped=(),
            checker=stage.report() if stage is not None else None,
        )
        return empty, report, f"model failed ({exc.type}): {exc.detail}"


async def summarize(
    articles: Sequence[ArticleInput],
    options: SummaryOptions,
    *,
    model: Model,
    settings: Settings,
    progress: Progress | None = None,
    checker: Checker | None = None,
) -> SummaryResult:
    """A verified summary of the articles; nothing unverified is returned.

    With an independent `checker`, the statements the rules cannot settle alone are its to
    decide (after the draft and again after repair); hard vetoes stay the rules'.
    """
    # Before any work on the text: a set whose article list alone overflows the window.
    check_window(
        articles, model.context_tokens, settings, options.max_key_points, options.max_quotes
    )
    prepared = await in_worker(prepared_for, articles, settings)
    # Every call of the writer (draft, reduce, repair) is metered here, for the result's `run`;
    # the checker's calls are its own report's. A model that only computes does so in a
    # worker thread, off the event loop.
    metered = MeteredModel(InWorkerModel(model) if model.profile.offline else model)
    drafter = Drafter(
        metered,
        prepared.documents,
        settings,
        options.max_key_points,
        options.max_quotes,
        progress,
        copies=prepared.groups.duplicates_of,
        memo=prepared.memo,
    )
    stage = None if checker is None else CheckerStage(checker, settings.checker_confirm_below)
    repair = options.repair and settings.repair and model.profile.can_repair
    # Planned (and a sentence too long for any call refused) before the verifier's index is
    # built, which then goes on beside the model's calls (with the sources' conflicts): the
    # prompt needs neither.
    with timed("plan"):
        chunks = drafter.plan(prepared.groups.groups)
    index = asyncio.ensure_future(_index_once_called(metered, prepared))
    try:
        summary, report, fallback_reason = await _drafted(
            drafter, chunks, prepared, index, repair, stage, options, settings
        )
        metered.called.set()  # (a model failure may have come before any call)
    except BaseException:
        index.cancel()  # nothing will verify: the index need not be finished
        raise
    assembler = Assembler(prepared.documents, prepared.groups, await index, prepared.memo)
    if fallback_reason is None and not summary.key_points and model.profile.extractive_fallback:
        fallback_reason = "no sentence written by the model passed verification"
    if fallback_reason is not None:
        summary = await _extractive_summary(prepared, assembler, options)
    # Whatever the model returned and however many calls it took, the request's limits hold.
    summary = replace(
        summary,
        key_points=summary.key_points[: options.max_key_points],
        quotes=summary.quotes[: options.max_quotes],
    )

    return SummaryResult(
        summary=summary,
        verification=report,
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
