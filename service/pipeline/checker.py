"""The optional independent checker: a model that did not write a sentence decides what the
rules cannot settle alone (a pass they cannot confirm, a soft rejection), never a hard veto.

A check that fails (unreachable, timed out, no verdict in the reply) leaves the rules' verdict
and says so: the checker can only ever settle what it answered.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from service.drafting.drafts import DraftEvent, DraftSentence, SummaryDraft
from service.drafting.prompts import load_prompt
from service.drafting.wire_format import check_document, check_text
from service.errors import ModelError
from service.llm.base import ChatMessage
from service.llm.checker import Checker, CheckReply
from service.pipeline.assemble import Assembler, Failure
from service.pipeline.results import (
    CheckedSentence,
    CheckerAnswer,
    CheckerReport,
    CheckStage,
    RulesOutcome,
    Summary,
    VerifiedEvent,
    VerifiedSentence,
)
from service.telemetry import checker_call
from service.verify import Verdict
from service.verify.scoring import THRESHOLD

CHECK_PROMPT_VERSION = 1
_POSITION_RE = re.compile(r"\[(\d+)\]$")


@dataclass(frozen=True)
class Question:
    """One sentence and the rules' verdict on it, which the checker may be asked to settle."""

    field: str
    text: str
    verdict: Verdict


def doubt(verdict: Verdict, confirm_below: float) -> RulesOutcome | None:
    """Why the checker decides this verdict; None for a hard veto, a confident pass, or a
    verdict that cites nothing (there is no document to check the sentence against)."""
    if verdict.vetoed or not verdict.citations:
        return None
    if not verdict.supported:
        return "soft_rejection"
    return "passed" if verdict.score < confirm_below else None


def check_messages(text: str, verdict: Verdict) -> list[ChatMessage]:
    """The check prompt: the spans the verdict cites as the document, the sentence as the claim."""
    document = check_document(c.text for c in verdict.citations)
    return load_prompt("check", CHECK_PROMPT_VERSION).render(
        document=document, claim=check_text(text)
    )


def settle(verdict: Verdict, reply: CheckReply) -> Verdict:
    """The verdict moved to the checker's side of the threshold, saying who moved it.

    A vetoed verdict is returned as it is: no answer overturns a hard failure.
    """
    if verdict.vetoed:
        return verdict
    said = "supported" if reply.supported else "not supported"
    score = (
        max(verdict.score, THRESHOLD)
        if reply.supported
        else min(verdict.score, max(THRESHOLD - 0.01, 0.0))
    )
    return replace(
        verdict,
        supported=reply.supported,
        score=score,
        reasons=[*verdict.reasons, f"independent checker ({reply.model}): {said}: {reply.reason}"],
    )


@dataclass
class CheckerStage:
    """One request's use of the checker: what it asks, and the record the report is made of."""

    checker: Checker
    confirm_below: float
    verdicts: list[CheckedSentence] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0

    async def decide(self, questions: Sequence[Question], stage: CheckStage) -> list[Verdict]:
        """Each question's final verdict: the checker's where it was asked, else the rules'."""
        out = [q.verdict for q in questions]
        asked = [
            (i, why)
            for i, q in enumerate(questions)
            if (why := doubt(q.verdict, self.confirm_below)) is not None
        ]
        if not asked:
            return out
        started = time.perf_counter()
        answers = await asyncio.gather(*(self._ask(questions[i], why, stage) for i, why in asked))
        self.seconds += time.perf_counter() - started
        for (i, _), (verdict, record) in zip(asked, answers, strict=True):
            out[i] = verdict
            self.verdicts.append(record)
        return out

    async def _ask(
        self, question: Question, why: RulesOutcome, stage: CheckStage
    ) -> tuple[Verdict, CheckedSentence]:
        self.calls += 1
        checker_call()
        started = time.perf_counter()
        answer: CheckerAnswer
        try:
            reply = await self.checker.check(check_messages(question.text, question.verdict))
        except ModelError as exc:
            answer, reason = "failed", f"{exc.type}: {exc.detail}"
            verdict = replace(
                question.verdict,
                reasons=[
                    *question.verdict.reasons,
                    f"independent checker failed ({reason}): the rules' verdict stands",
                ],
            )
        else:
            answer = "supported" if reply.supported else "unsupported"
            reason, verdict = reply.reason, settle(question.verdict, reply)
        record = CheckedSentence(
            field=question.field,
            text=question.text,
            stage=stage,
            rules=why,
            answer=answer,
            supported=verdict.supported,
            reason=reason,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        return verdict, record

    def report(self) -> CheckerReport:
        """The response's account of every check made for this request."""
        answers = [v.answer for v in self.verdicts]
        return CheckerReport(
            model=self.checker.name,
            prompt_version=CHECK_PROMPT_VERSION,
            asked=len(self.verdicts),
            supported=answers.count("supported"),
            unsupported=answers.count("unsupported"),
            failed=answers.count("failed"),
            overturned=sum(v.supported != (v.rules == "passed") for v in self.verdicts),
            calls=self.calls,
            latency_ms=round(self.seconds * 1000, 3),
            verdicts=tuple(self.verdicts),
        )


# --- a summary's statements -----------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    """A summary after the checker: what it kept, what now fails, and how many it moved."""

    summary: Summary
    failures: list[Failure]
    # Soft rejections the checker brought back, and passes it turned down.
    accepted: int
    rejected: int


@dataclass
class _Kept:
    """The statements a summary keeps, by field, while the checker's answers are applied."""

    headline: VerifiedSentence | None = None
    event: VerifiedEvent | None = None
    points: dict[int, VerifiedSentence] = field(default_factory=dict)

    def keep(self, name: str, sentence: VerifiedSentence) -> None:
        """Keep the sentence in its field (key points by their place in the draft)."""
        if name == "headline":
            self.headline = sentence
        elif isinstance(sentence, VerifiedEvent):
            self.event = sentence
        else:
            self.points[_position(name)] = sentence

    def summary(self, before: Summary) -> Summary:
        """The summary with these statements, in draft order, and its quotes unchanged."""
        points = tuple(self.points[i] for i in sorted(self.points))
        return replace(before, headline=self.headline, event=self.event, key_points=points)


def passing_statements(
    draft: SummaryDraft, summary: Summary
) -> list[tuple[str, DraftSentence, VerifiedSentence]]:
    """The field, draft and verified sentence of each statement the rules passed."""
    found: list[tuple[str, DraftSentence, VerifiedSentence]] = []
    if summary.headline is not None:
        found.append(("headline", draft.headline, summary.headline))
    if summary.event is not None and draft.event is not None:
        found.append(("event", draft.event, summary.event))
    # The summary keeps its key points in draft order, skipping failures and repeats.
    verified = iter(summary.key_points)
    point = next(verified, None)
    for i, item in enumerate(draft.key_points):
        if point is not None and point.text == item.text:
            found.append((f"key_points[{i}]", item, point))
            point = next(verified, None)
    return found


async def check_summary(
    stage: CheckerStage,
    assembler: Assembler,
    draft: SummaryDraft,
    summary: Summary,
    failures: list[Failure],
) -> Settled:
    """Ask the checker about the statements the rules cannot settle, and apply its answers."""
    passing = passing_statements(draft, summary)
    statements = [
        (f, f.draft) for f in failures if isinstance(f.draft, DraftSentence) and _askable(f)
    ]
    questions = [
        Question(name, item.text, Verdict(True, point.score, list(point.citations)))
        for name, item, point in passing
    ] + [Question(f.field, item.text, f.verdict) for f, item in statements]
    verdicts = await stage.decide(questions, "draft")
    answers = iter(verdicts[len(passing) :])
    kept = _Kept()
    still_failing: list[Failure] = []
    accepted = 0
    for failure in failures:
        verdict = next(answers) if _askable(failure) else failure.verdict
        point = _assembled(assembler, failure, verdict, still_failing)
        if point is not None:
            kept.keep(failure.field, point)
            accepted += 1
    rejected = 0
    for (name, item, point), verdict in zip(passing, verdicts, strict=False):
        if verdict.supported:
            kept.keep(name, point)
        else:
            still_failing.append(Failure.of(name, item, verdict))
            rejected += 1
    return Settled(kept.summary(summary), still_failing, accepted, rejected)


def _askable(failure: Failure) -> bool:
    """Whether the checker may bring a failed statement back: a headline, event or key
    point. A conflict's side never is: a conflict stands only when every side passes the
    rules, and a side brought back would have no place but among the key points."""
    return isinstance(failure.draft, DraftSentence) and not failure.field.startswith("conflicts")


def _assembled(
    assembler: Assembler, failure: Failure, verdict: Verdict, failures: list[Failure]
) -> VerifiedSentence | None:
    """The failed statement built on the checker's verdict, or None with its failure recorded."""
    item = failure.draft
    if verdict.supported and isinstance(item, DraftSentence):
        retry: list[Failure] = []
        point = (
            assembler.event(item, retry, verdict)
            if isinstance(item, DraftEvent)
            else assembler.sentence(item, failure.field, retry, verdict)
        )
        if point is not None:
            return point
        # Supported by the checker, yet its spans do not ground it: `retry` says why.
        failures.append(retry[0] if retry else Failure.of(failure.field, item, verdict))
        return None
    # The checker's note (if it was asked) follows the rules' reasons.
    failures.append(failure.noting(verdict.reasons[len(failure.verdict.reasons) :]))
    return None


def _position(name: str) -> int:
    """A key point's place in the draft, from its field name ("key_points[3]" -> 3)."""
    match = _POSITION_RE.search(name)
    if match is None:
        raise ValueError(f"not a key point field: {name!r}")
    return int(match.group(1))
