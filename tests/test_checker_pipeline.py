"""The independent checker in a whole request: /summarize (draft, then repair) and /verify.

The writer is a scripted model in-process; the checker is the fake OpenAI server in checker
mode over real HTTP, a different model on a different server.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from devtools.fake_openai_server import CheckerAnswer
from service.api.app import create_app
from service.api.mapping import summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest, SummarizeResponse
from service.config import Settings
from service.drafting.drafts import (
    DraftSentence,
    Evidence,
    RepairDraft,
    RepairedSentence,
    SummaryDraft,
)
from service.llm.checker import OpenAIChecker
from tests.conftest import cited_objects
from tests.test_checker_stage import CHECKER_MODEL, checker_at, checker_server
from tests.test_pipeline import ScriptedModel, assert_grounded

TEXT = (
    "The ministers met on Monday, and bread prices rose sharply across the region. "
    "Officials could raise the tax on fuel next year, a report said. "
    "The council approved a new budget of 40 million euros for the city's schools."
)
ARTICLE = {"id": "a1", "text": TEXT}


def _sentence(text: str, quote: str) -> DraftSentence:
    return DraftSentence(text=text, evidence=[Evidence(article_id="a1", quote=quote)])


# A whole source sentence, copied: confirmed by the rules, never asked.
COPIED = _sentence(
    "The council approved a new budget of 40 million euros for the city's schools.",
    "The council approved a new budget of 40 million euros for the city's schools.",
)
# A pass that is not a copy: asked when every such pass is (confirm_below = 1.0).
PASSED = _sentence(
    "Bread prices rose sharply across the region.", "bread prices rose sharply across the region"
)
# Soft rejections: a link no span makes, a hedged word stated flatly in other words.
LINKED = _sentence(
    "Bread prices rose sharply after the ministers met.",
    "The ministers met on Monday, and bread prices rose sharply across the region",
)
UNHEDGED = _sentence(
    "The tax on fuel will rise next year.", "Officials could raise the tax on fuel next year"
)
# Hard vetoes: a number the span states otherwise, a name no source gives, a negation flip.
WRONG_NUMBER = _sentence(
    "The council approved a budget of 60 million euros for schools.",
    "a new budget of 40 million euros",
)
UNKNOWN_NAME = _sentence(
    "Mayor Lindqvist approved a new budget for the city's schools.",
    "The council approved a new budget",
)
NEGATED = _sentence(
    "The council did not approve a new budget for the city's schools.",
    "The council approved a new budget",
)
# A hedge dropped from its very place: hard too.
HEDGE_DROPPED = _sentence(
    "Officials raise the tax on fuel next year.", "Officials could raise the tax on fuel next year"
)
HARD = [WRONG_NUMBER, UNKNOWN_NAME, NEGATED, HEDGE_DROPPED]
DRAFT = SummaryDraft(headline=COPIED, key_points=[PASSED, LINKED, *HARD, UNHEDGED])
# What a repair makes of the first failed sentence: a paraphrase the rules cannot confirm.
PARAPHRASE = _sentence(
    "Bread prices climbed steeply in the region.", "bread prices rose sharply across the region"
)


def _repair_first(prompt: str) -> RepairDraft:
    count = prompt.count("failed because:")
    return RepairDraft(
        repairs=[
            RepairedSentence(index=i, sentence=PARAPHRASE if i == 0 else None) for i in range(count)
        ]
    )


def _request(repair: bool = False) -> SummarizeRequest:
    return SummarizeRequest(
        articles=[ArticleIn.model_validate(ARTICLE)],
        options={"repair": repair, "max_key_points": 10},
    )


def _settings() -> Settings:
    return Settings(checker_confirm_below=1.0)


async def _summarize(
    checker: OpenAIChecker, repair: bool = False, model: ScriptedModel | None = None
) -> SummarizeResponse:
    writer = model or ScriptedModel(DRAFT)
    return await summarize_request(
        _request(repair), model=writer, settings=_settings(), checker=checker
    )


def _accounted(response: SummarizeResponse) -> None:
    v = response.verification
    assert v.checked == v.passed + v.judged + v.repaired + len(v.dropped)


async def test_a_checker_that_approves_everything_cannot_bring_back_a_hard_veto() -> None:
    with checker_server(CheckerAnswer.YES) as (url, stats):
        response = await _summarize(checker_at(url))
    assert_grounded(response)
    returned = [p.text for p in response.summary.key_points]
    # Soft rejections come back on the checker's word, in the draft's order.
    assert returned == [PASSED.text, LINKED.text, UNHEDGED.text]
    assert {d.text for d in response.verification.dropped} == {s.text for s in HARD}
    # It was never asked about the hard vetoes, nor about the copied sentence.
    assert sorted(stats.claims) == sorted([PASSED.text, LINKED.text, UNHEDGED.text])
    report = response.verification.checker
    assert report is not None and report.model == CHECKER_MODEL
    assert (report.asked, report.supported, report.overturned) == (3, 3, 2)
    assert response.verification.judged == 2
    # The writer's calls are the run's; the checker's are its own report's.
    assert response.run.calls == 1 and report.calls == 3
    _accounted(response)


async def test_a_checker_that_rejects_everything_drops_what_the_rules_could_not_confirm() -> None:
    with checker_server(CheckerAnswer.NO) as (url, _):
        response = await _summarize(checker_at(url))
    dropped = {d.text: d.reasons for d in response.verification.dropped}
    assert PASSED.text in dropped
    assert any("independent checker" in r for r in dropped[PASSED.text])
    # Nothing the writer wrote is left as a key point: the extractive fallback answers.
    assert response.run.fallback
    assert response.verification.judged == 0
    _accounted(response)


async def test_a_repaired_sentence_is_checked_again() -> None:
    with checker_server(CheckerAnswer.NO) as (url, stats):
        writer = ScriptedModel(DRAFT, repair=_repair_first)
        response = await _summarize(checker_at(url), repair=True, model=writer)
    assert PARAPHRASE.text in stats.claims
    report = response.verification.checker
    assert report is not None
    assert [(v.text, v.supported) for v in report.verdicts if v.stage == "repair"] == [
        (PARAPHRASE.text, False)
    ]
    assert PARAPHRASE.text not in [p.text for p in response.summary.key_points]
    assert response.verification.repaired == 0
    _accounted(response)


async def test_a_repair_the_checker_supports_is_returned_as_repaired() -> None:
    with checker_server(CheckerAnswer.YES) as (url, _):
        writer = ScriptedModel(DRAFT, repair=_repair_first)
        response = await _summarize(checker_at(url), repair=True, model=writer)
    assert_grounded(response)
    assert PARAPHRASE.text in [p.text for p in response.summary.key_points]
    assert response.verification.repaired == 1
    report = response.verification.checker
    assert report is not None
    assert [(v.text, v.supported) for v in report.verdicts if v.stage == "repair"] == [
        (PARAPHRASE.text, True)
    ]
    # No hard veto is returned, whatever the repair and the checker say.
    assert not {s.text for s in HARD} & {p.text for p in response.summary.key_points}
    _accounted(response)


async def test_a_failing_checker_changes_no_decision_and_the_request_succeeds() -> None:
    rules_only = await summarize_request(
        _request(), model=ScriptedModel(DRAFT), settings=_settings()
    )
    with checker_server(CheckerAnswer.FAIL) as (url, _):
        failed = await _summarize(checker_at(url))
    assert failed.summary == rules_only.summary
    assert [d.text for d in failed.verification.dropped] == [
        d.text for d in rules_only.verification.dropped
    ]
    assert rules_only.verification.checker is None
    report = failed.verification.checker
    assert report is not None and report.asked == report.failed == 3
    assert report.overturned == 0
    dropped = {d.text: d.reasons for d in failed.verification.dropped}
    assert any("independent checker failed" in r for r in dropped[LINKED.text])


def _client(url: str, model: ScriptedModel) -> TestClient:
    settings = Settings(
        checker_model=CHECKER_MODEL, checker_base_url=url, checker_confirm_below=1.0
    )
    return TestClient(create_app(settings=settings, model=model))


def test_the_http_api_reports_the_checker_in_the_body_and_the_metrics() -> None:
    sentences: list[Any] = [LINKED.text, WRONG_NUMBER.text, COPIED.text]
    with checker_server(CheckerAnswer.YES) as (url, _), _client(url, ScriptedModel(DRAFT)) as api:
        summary = api.post("/summarize", json={"articles": [ARTICLE], "options": {"repair": False}})
        verify = api.post("/verify", json={"articles": [ARTICLE], "sentences": sentences})
        metrics = api.get("/metrics").text
    assert summary.status_code == 200, summary.text
    body = summary.json()
    for item in cited_objects(body["summary"]):
        for c in item["citations"]:
            assert TEXT[c["start"] : c["end"]] == c["text"]
    checker = body["verification"]["checker"]
    assert checker["model"] == CHECKER_MODEL and checker["prompt_version"] == 1
    assert checker["asked"] == 3 and checker["latency_ms"] > 0
    assert {v["answer"] for v in checker["verdicts"]} == {"supported"}
    assert verify.status_code == 200, verify.text
    results = verify.json()["results"]
    # /verify: the link is the checker's to accept, the wrong number stays rejected.
    assert [r["supported"] for r in results] == [True, False, True]
    assert [v["field"] for v in verify.json()["checker"]["verdicts"]] == ["sentences[0]"]
    assert 'checker_verdicts_total{answer="supported",rules="soft_rejection"} 3.0' in metrics
    assert "checker_calls_total 4.0" in metrics
    assert 'summary_sentences_total{outcome="returned"} 4.0' in metrics


def test_without_a_checker_the_body_says_so() -> None:
    with TestClient(create_app(settings=Settings(), model=ScriptedModel(DRAFT))) as api:
        summary = api.post("/summarize", json={"articles": [ARTICLE], "options": {"repair": False}})
        verify = api.post("/verify", json={"articles": [ARTICLE], "sentences": [LINKED.text]})
    assert summary.json()["verification"]["checker"] is None
    assert verify.json()["checker"] is None
    assert verify.json()["results"][0]["supported"] is False
