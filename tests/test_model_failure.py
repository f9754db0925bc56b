"""`options.on_model_failure`: what a request gets when the model fails or the deadline passes.

`error` (the default) is the typed 502/503/504; `extractive` is a 200 with the extractive
summary, marked in `run` as a fallback naming the failure, and grounded like any other.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devtools.fake_openai_server import create_app as create_model_server
from devtools.fake_openai_server import serve_in_thread
from devtools.faults import FaultConfig, FaultKind
from service.api.app import create_app
from service.api.mapping import summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest
from service.cli import main
from service.config import Settings, get_settings
from service.drafting.extractive import ExtractiveModel
from service.errors import ModelError, ModelOutputError, ModelTimeout, ModelUnavailable
from service.llm.base import ModelProfile, ModelReply, ModelRequest, OutputT
from tests.conftest import SEEDS, cited_objects, seed_articles


class FailingModel:
    """A model server that answers `answers` calls through the extractive model, then fails."""

    profile = ModelProfile()

    def __init__(self, error: ModelError, *, answers: int = 0, context_tokens: int = 16_384):
        self.name = "failing"
        self.error = error
        self.answers = answers
        self.context_tokens = context_tokens
        self.inner = ExtractiveModel(context_tokens)
        self.tasks: list[str] = []

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.tasks.append(request.task)
        if len(self.tasks) > self.answers:
            raise self.error
        reply = await self.inner.execute(request)
        reply.model = self.name
        return reply

    async def aclose(self) -> None:
        """Nothing to release."""


class StalledModel(FailingModel):
    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        await asyncio.sleep(30)
        return await super().execute(request)


def request(on_model_failure: str | None = None, **options: Any) -> SummarizeRequest:
    if on_model_failure is not None:
        options["on_model_failure"] = on_model_failure
    return SummarizeRequest(
        articles=[ArticleIn.model_validate(a) for a in seed_articles()], options=options
    )


def assert_grounded(body: dict[str, Any]) -> None:
    texts = {a["id"]: a["text"] for a in body["articles"]}
    cited = cited_objects(body["summary"])
    assert cited
    for item in cited:
        assert item["citations"]
        for c in item["citations"]:
            assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ModelUnavailable("connection refused", retry_after=2.0), "model_unavailable"),
        (ModelOutputError("no valid JSON after 3 attempts", attempts=3), "model_bad_output"),
    ],
)
async def test_the_extractive_summary_answers_a_failed_model_when_asked(
    error: ModelError, kind: str
) -> None:
    model = FailingModel(error)
    response = await summarize_request(request("extractive"), model=model, settings=Settings())
    assert response.run.fallback
    assert response.run.fallback_reason == f"model failed ({kind}): {error.detail}"
    assert response.run.model == "failing" and response.run.calls == 0
    assert len(response.summary.key_points) >= 3
    assert response.verification.checked == 0 and not response.verification.dropped
    assert_grounded(json.loads(response.model_dump_json()))


async def test_by_default_the_failure_is_the_typed_error() -> None:
    with pytest.raises(ModelUnavailable):
        await summarize_request(
            request(), model=FailingModel(ModelUnavailable("down")), settings=Settings()
        )
    with pytest.raises(ModelUnavailable):
        await summarize_request(
            request("error"), model=FailingModel(ModelUnavailable("down")), settings=Settings()
        )


async def test_the_deadline_passing_is_a_model_failure_too() -> None:
    model = StalledModel(ModelUnavailable("unused"))
    response = await summarize_request(
        request("extractive"), model=model, settings=Settings(request_deadline_s=0.2)
    )
    assert response.run.fallback_reason == (
        "model failed (model_timeout): the model did not finish within the 0.2s deadline"
    )
    assert response.summary.key_points
    with pytest.raises(ModelTimeout):
        await summarize_request(request(), model=model, settings=Settings(request_deadline_s=0.2))


async def test_a_failure_after_some_calls_keeps_their_cost_and_the_strategy() -> None:
    # Map-reduce: the maps answer, the reduce fails.
    settings = Settings(context_tokens=2_048, max_output_tokens=512)
    model = FailingModel(ModelUnavailable("gone"), answers=2, context_tokens=2_048)
    response = await summarize_request(
        request("extractive", max_key_points=3), model=model, settings=settings
    )
    assert response.run.strategy == "map_reduce"
    assert response.run.calls == 2 and response.run.prompt_tokens > 0
    assert response.run.fallback and len(response.summary.key_points) == 3


def test_over_http_the_option_turns_a_503_into_a_marked_200() -> None:
    api = TestClient(create_app(Settings(), model=FailingModel(ModelUnavailable("down"))))
    articles = seed_articles()
    failed = api.post("/summarize", json={"articles": articles})
    assert failed.status_code == 503 and failed.json()["type"] == "model_unavailable"
    answered = api.post(
        "/summarize", json={"articles": articles, "options": {"on_model_failure": "extractive"}}
    )
    assert answered.status_code == 200
    body = answered.json()
    assert body["run"]["fallback"] is True
    assert body["run"]["fallback_reason"].startswith("model failed (model_unavailable)")
    assert_grounded(body)
    wrong = api.post(
        "/summarize", json={"articles": articles, "options": {"on_model_failure": "retry"}}
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "options.on_model_failure"


def test_the_cli_flag_and_its_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the real `openai` SDK against a server that answers every call with a 500."""
    faults = FaultConfig(fault_rate=1.0, kinds=(FaultKind.SERVER_ERROR,))
    with serve_in_thread(create_model_server(faults=faults)) as url:
        monkeypatch.setenv("SUMMARIZER_MODEL", "mock-server")
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", "unused")
        monkeypatch.setenv("SUMMARIZER_MODEL_MAX_ATTEMPTS", "1")
        get_settings.cache_clear()
        try:
            failed = main(["summarize", str(SEEDS)])
            failed_err = capsys.readouterr().err
            answered = main(["summarize", str(SEEDS), "--on-model-failure", "extractive"])
            out, err = capsys.readouterr()
        finally:
            get_settings.cache_clear()
    assert failed == 3
    assert failed_err.splitlines()[-1].startswith("model error (model_unavailable): ")
    assert failed_err.splitlines()[-1].endswith(
        "; --on-model-failure extractive prints the extractive summary instead"
    )
    # The time limits, then each model call on the progress lines, and how it ended.
    assert "mock-server: each call may take 60s an attempt; the whole request 180s" in failed_err
    assert "model call 1 (summarize): asking mock-server" in failed_err
    assert "model call 1 (summarize): failed after" in failed_err
    assert answered == 0, err
    assert "FALLBACK to extractive: model failed (model_unavailable)" in out
    assert "Key points" in out
