"""The verifier on its own: sentences written elsewhere, checked against the articles."""

from __future__ import annotations

from collections.abc import Sequence

from service.config import Settings
from service.domain import ArticleInput
from service.errors import ClientError, PayloadTooLarge
from service.llm.checker import Checker
from service.llm.deadline import request_deadline
from service.pipeline.assemble import Assembler
from service.pipeline.checker import CheckerStage, Question
from service.pipeline.prepared import prepared_for
from service.pipeline.results import CheckerReport, SentenceCheck, VerifyResult
from service.pipeline.worker import in_worker, raise_if_cancelled
from service.telemetry import timed
from service.verify import Claim, Verdict


def _check_claims(
    articles: Sequence[ArticleInput], claims: Sequence[Claim], settings: Settings
) -> None:
    """Refuse more sentences (or text) than configured, and citations of articles not given.

    Checking a sentence costs more than its length (its words are bound to each candidate
    source sentence's), so both one sentence and all of them together are bounded.
    """
    if len(claims) > settings.max_sentences_to_verify:
        raise ClientError(
            f"at most {settings.max_sentences_to_verify} sentences per request",
            field="sentences",
        )
    for i, claim in enumerate(claims):
        if len(claim.text) > settings.max_sentence_chars:
            raise PayloadTooLarge(
                f"sentence {i} has {len(claim.text)} characters; at most "
                f"{settings.max_sentence_chars} are accepted (SUMMARIZER_MAX_SENTENCE_CHARS)",
                field=f"sentences[{i}]",
            )
    total = sum(len(claim.text) for claim in claims)
    if total > settings.max_verify_chars:
        raise PayloadTooLarge(
            f"the sentences have {total} characters together; at most "
            f"{settings.max_verify_chars} are accepted (SUMMARIZER_MAX_VERIFY_CHARS)",
            field="sentences",
        )
    ids = {a.id for a in articles}
    for i, claim in enumerate(claims):
        for j, evidence in enumerate(claim.evidence):
            if evidence.article_id not in ids:
                raise ClientError(
                    f"citation names unknown article {evidence.article_id!r}",
                    field=f"sentences[{i}].citations[{j}].article_id",
                )


def _rules_verdicts(
    articles: Sequence[ArticleInput], claims: Sequence[Claim], settings: Settings
) -> tuple[Assembler, list[Verdict]]:
    """The rules' verdict on each claim, in order; a claim's evidence is what its writer cited."""
    _check_claims(articles, claims, settings)
    prepared = prepared_for(articles, settings)
    with timed("index"):
        verifier = prepared.verifier
    assembler = Assembler(prepared.documents, prepared.groups, verifier, prepared.memo)
    verdicts = []
    with timed("verify"):
        for claim in claims:
            raise_if_cancelled()
            verdicts.append(verifier.verify(claim))
    return assembler, verdicts


def _result(
    assembler: Assembler,
    claims: Sequence[Claim],
    verdicts: Sequence[Verdict],
    checker: CheckerReport | None = None,
) -> VerifyResult:
    results = []
    for claim, verdict in zip(claims, verdicts, strict=True):
        citations = assembler.grounded(verdict.citations)
        results.append(
            SentenceCheck(
                text=claim.text,
                supported=verdict.supported and bool(citations),
                score=verdict.score,
                citations=citations,
                reasons=tuple(verdict.reasons),
            )
        )
    return VerifyResult(results=tuple(results), checker=checker)


async def verify_sentences(
    articles: Sequence[ArticleInput],
    claims: Sequence[Claim],
    settings: Settings,
    checker: Checker | None = None,
) -> VerifyResult:
    """One check per claim, in order: the rules', then the independent checker's where the
    rules cannot settle it alone (never a hard veto)."""
    assembler, verdicts = await in_worker(_rules_verdicts, articles, claims, settings)
    if checker is None:
        return _result(assembler, claims, verdicts)
    stage = CheckerStage(checker, settings.checker_confirm_below)
    questions = [
        Question(f"sentences[{i}]", claim.text, verdict)
        for i, (claim, verdict) in enumerate(zip(claims, verdicts, strict=True))
    ]
    async with request_deadline(settings.request_deadline_s):
        verdicts = await stage.decide(questions, "verify")
    return _result(assembler, claims, verdicts, stage.report())
