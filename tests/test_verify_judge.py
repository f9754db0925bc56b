"""The optional second stage: a model judges only the verdicts in doubt."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from service.drafting.drafts import JudgeDraft, Judgement
from service.drafting.extractive import ExtractiveModel
from service.errors import ModelUnavailable
from service.llm.base import ModelProfile, ModelReply, ModelRequest, OutputT, Usage
from service.pipeline.judge import judge_doubtful
from service.verify import Citation, Claim, Verdict
from tests.test_verify import seed_documents


@dataclass
class FakeJudge:
    """A Model that answers every judge request with fixed judgements, recording requests."""

    answers: dict[int, bool]
    name: str = "fake-judge"
    profile: ModelProfile = ModelProfile()
    context_tokens: int = 8_192
    requests: list[ModelRequest[JudgeDraft]] = field(default_factory=list)
    fail: bool = False

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        if self.fail:
            raise ModelUnavailable("server down")
        assert request.output_type is JudgeDraft
        self.requests.append(request)  # type: ignore[arg-type]
        output = JudgeDraft(
            judgements=[
                Judgement(index=i, supported=ok, reason="checked") for i, ok in self.answers.items()
            ]
        )
        return ModelReply(
            output=output,  # type: ignore[arg-type]
            raw=output.model_dump_json(),
            model=self.name,
            usage=Usage(calls=1),
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def _citation() -> Citation:
    document = seed_documents()[0]
    sentence = document.content_sentences[0]
    return Citation.of_span(document.id, document.text, sentence.start, sentence.end)


def _verdicts() -> tuple[list[Claim], list[Verdict]]:
    claims = [
        Claim("clearly fine"),
        Claim("in doubt, low"),
        Claim("wrong number"),
        Claim("in doubt, high"),
    ]
    verdicts = [
        Verdict(True, 0.95, [_citation()], []),
        Verdict(False, 0.42, [_citation()], ["too little of the sentence is in the cited spans"]),
        Verdict(False, 0.25, [_citation()], ["2030 not in cited spans"]),
        Verdict(True, 0.55, [_citation()], []),
    ]
    return claims, verdicts


async def test_only_doubtful_verdicts_are_sent_and_changed() -> None:
    claims, verdicts = _verdicts()
    model = FakeJudge(answers={0: False, 1: True, 2: True, 3: False})
    judged = await judge_doubtful(model, claims, verdicts, seed_documents())
    assert len(model.requests) == 1
    prompt = model.requests[0].messages[-1].content
    assert "in doubt, low" in prompt and "in doubt, high" in prompt
    assert "clearly fine" not in prompt and "wrong number" not in prompt
    assert judged[0].supported and judged[0].score == 0.95
    # A hard failure (a wrong number) is never overridden, whatever the model says.
    assert not judged[2].supported
    assert judged[1].supported and judged[1].score >= 0.5
    assert not judged[3].supported and judged[3].score < 0.5
    assert any("model judge" in r for r in judged[1].reasons)
    assert verdicts[1].supported is False  # the inputs are not modified


async def test_the_extractive_mock_is_not_asked() -> None:
    claims, verdicts = _verdicts()
    model = FakeJudge(answers={1: True}, profile=ExtractiveModel.profile)
    judged = await judge_doubtful(model, claims, verdicts, seed_documents())
    assert model.requests == []
    assert [v.supported for v in judged] == [v.supported for v in verdicts]


async def test_a_failed_call_keeps_the_first_stage_and_says_so() -> None:
    claims, verdicts = _verdicts()
    model = FakeJudge(answers={}, fail=True)
    judged = await judge_doubtful(model, claims, verdicts, seed_documents())
    assert [v.supported for v in judged] == [v.supported for v in verdicts]
    assert any("judge unavailable" in r for r in judged[1].reasons)


@pytest.mark.parametrize("index", [1, 3])
async def test_unanswered_doubts_are_reported(index: int) -> None:
    claims, verdicts = _verdicts()
    judged = await judge_doubtful(FakeJudge(answers={}), claims, verdicts, seed_documents())
    assert judged[index].supported == verdicts[index].supported
    assert any("gave no answer" in r for r in judged[index].reasons)
