"""Optional second stage: a real model judges the sentences the verifier is unsure about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from service.domain import Document
from service.drafting.drafts import JudgeDraft, Judgement
from service.drafting.prompts import load_prompt
from service.drafting.wire_format import JudgeItem, render_judge_items
from service.errors import ModelError
from service.llm.base import Model, ModelRequest
from service.verify.scoring import THRESHOLD
from service.verify.types import Claim, Verdict

# Scores this close to the threshold are in doubt. Hard failures (a wrong number, a missing
# name, a misquote) are capped well below it, so the model never overrides them.
DOUBT_MARGIN = 0.2


def is_doubtful(verdict: Verdict) -> bool:
    """Whether a verdict is close enough to the threshold to ask a model."""
    return bool(verdict.citations) and abs(verdict.score - THRESHOLD) < DOUBT_MARGIN


def render_items(
    claims: Sequence[Claim], verdicts: Sequence[Verdict], indices: Sequence[int]
) -> str:
    """The judge prompt's items: each sentence with the passages it was checked against."""
    return render_judge_items(
        [
            JudgeItem(
                index,
                claims[index].text,
                tuple((c.article_id, c.text) for c in verdicts[index].citations),
            )
            for index in indices
        ]
    )


def _doubtful(
    claims: Sequence[Claim], verdicts: Sequence[Verdict], documents: Sequence[Document]
) -> list[int]:
    """The statements in doubt whose every citation names an article of the request."""
    known = {d.id for d in documents}
    return [
        i
        for i, v in enumerate(verdicts)
        if claims[i].kind == "statement"
        and is_doubtful(v)
        and all(c.article_id in known for c in v.citations)
    ]


def _settled(verdict: Verdict, judgement: Judgement, model: str) -> Verdict:
    """The verdict moved to the judge's side of the threshold, saying who moved it."""
    score = (
        max(verdict.score, THRESHOLD)
        if judgement.supported
        else min(verdict.score, max(THRESHOLD - 0.01, 0.0))
    )
    return _noted(
        replace(verdict, supported=judgement.supported, score=score),
        f"model judge ({model}): {judgement.reason}",
    )


def _noted(verdict: Verdict, reason: str) -> Verdict:
    """The same verdict with one more reason."""
    return replace(verdict, reasons=[*verdict.reasons, reason])


async def judge_doubtful(
    model: Model,
    claims: Sequence[Claim],
    verdicts: Sequence[Verdict],
    documents: Sequence[Document],
) -> list[Verdict]:
    """New verdicts where the model settled a doubtful one; the others are returned unchanged."""
    out = list(verdicts)
    doubtful = _doubtful(claims, out, documents) if model.profile.can_judge else []
    if not doubtful:
        return out
    messages = load_prompt("judge", 1).render(items=render_items(claims, out, doubtful))
    request = ModelRequest(task="judge", messages=messages, output_type=JudgeDraft)
    try:
        reply = await model.execute(request)
    except ModelError as exc:
        for i in doubtful:
            out[i] = _noted(
                out[i], f"second-stage judge unavailable ({exc.type}): kept first stage"
            )
        return out
    answered: set[int] = set()
    for judgement in reply.output.judgements:
        if judgement.index in doubtful and judgement.index not in answered:
            answered.add(judgement.index)
            out[judgement.index] = _settled(out[judgement.index], judgement, reply.model)
    for i in doubtful:
        if i not in answered:
            out[i] = _noted(out[i], "second-stage judge gave no answer: kept first stage")
    return out
