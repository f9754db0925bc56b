"""OpenAIChatModel through the real `openai` SDK, against the mock server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from contextlib import AbstractContextManager
from typing import Any

import httpx2
import openai
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from devtools.fake_openai_server import Capability, ServerStats, create_app, serve_in_thread
from devtools.faults import FaultConfig, FaultKind
from service.config import Settings
from service.drafting.drafts import DraftSentence, Evidence, SummaryDraft
from service.errors import ConfigError, ModelError, ModelOutputError, ModelTimeout, ModelUnavailable
from service.llm.base import ChatMessage, ModelProfile, ModelReply, ModelRequest, OutputT
from service.llm.deadline import request_deadline
from service.llm.openai_client import (
    CapabilityCache,
    LoopStates,
    OpenAIChatModel,
    RequestDialect,
    StructuredMode,
    build_openai_model,
    extract_json,
    refused_parameter,
)

SUMMARY = SummaryDraft(
    headline=DraftSentence(
        text="Japan and Italy upgrade their partnership.",
        evidence=[Evidence(article_id="a1", quote="upgrade ties to a strategic partnership")],
    ),
    key_points=[
        DraftSentence(
            text="The leaders agreed to work on critical minerals.",
            evidence=[Evidence(article_id="a2", quote="cooperate on critical minerals")],
        )
    ],
)


class FakeModel:
    """A Model that answers every request with one fixed summary and records what it was sent."""

    name = "fake"
    profile = ModelProfile()
    context_tokens = 8_192

    def __init__(self) -> None:
        self.requests: list[ModelRequest[Any]] = []

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Return SUMMARY as the requested type."""
        self.requests.append(request)
        output = request.output_type.model_validate(SUMMARY.model_dump())
        return ModelReply(output=output, raw=output.model_dump_json(), model=self.name)

    async def aclose(self) -> None:
        """Nothing to release."""


@pytest.fixture
def fake() -> FakeModel:
    return FakeModel()


def serve(
    fake: FakeModel,
    *,
    faults: FaultConfig | None = None,
    capability: Capability = Capability.JSON_SCHEMA,
    reasoning_tokens: int | None = None,
) -> tuple[FastAPI, AbstractContextManager[str]]:
    app = create_app(fake, faults=faults, capability=capability, reasoning_tokens=reasoning_tokens)
    return app, serve_in_thread(app)


def stats(app: FastAPI) -> ServerStats:
    result: ServerStats = app.state.stats
    return result


def model_for(url: str, **overrides: Any) -> OpenAIChatModel:
    """A client with fast backoff and a private capability cache, so tests do not share state."""
    options: dict[str, Any] = {
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.05,
        "capabilities": CapabilityCache(),
        "timeout_s": 5.0,
    }
    options.update(overrides)
    return OpenAIChatModel("mock", base_url=url, **options)


def summary_request(
    output_type: type[BaseModel] = SummaryDraft, **kwargs: Any
) -> ModelRequest[Any]:
    messages = [
        ChatMessage("system", "You write grounded summaries."),
        ChatMessage("user", "Summarise the articles."),
    ]
    return ModelRequest(task="summarize", messages=messages, output_type=output_type, **kwargs)


async def test_json_schema_server_is_used_with_strict_schema(fake: FakeModel) -> None:
    app, server = serve(fake)
    with server as url:
        model = model_for(url)
        reply = await model.execute(summary_request())
    assert reply.output == SUMMARY
    assert model.structured_mode is StructuredMode.JSON_SCHEMA
    assert stats(app).formats == {"json_schema": 1}
    assert reply.usage.calls == 1
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    # The schema travels in response_format only: the prompt is the caller's, unchanged.
    assert [m.content for m in fake.requests[0].messages] == [
        "You write grounded summaries.",
        "Summarise the articles.",
    ]


@pytest.mark.parametrize(
    ("capability", "expected", "refused"),
    [
        (Capability.JSON_OBJECT, StructuredMode.JSON_OBJECT, 1),
        (Capability.TEXT, StructuredMode.TEXT, 2),
    ],
)
async def test_capability_degrades_once_and_is_remembered_per_server(
    fake: FakeModel, capability: Capability, expected: StructuredMode, refused: int
) -> None:
    app, server = serve(fake, capability=capability)
    cache = CapabilityCache()
    with server as url:
        first = await model_for(url, capabilities=cache).execute(summary_request())
        # A second client of the same server starts from what the first one learned.
        second_model = model_for(url, capabilities=cache)
        assert second_model.structured_mode is expected
        second = await second_model.execute(summary_request())
    assert first.output == second.output == SUMMARY
    assert stats(app).refused_formats == refused
    assert stats(app).formats[expected.value] == 2
    # Without server-side enforcement the schema is put in the prompt, in the system message.
    system = fake.requests[0].messages[0].content
    assert system.startswith("You write grounded summaries.")
    assert '"title":"SummaryDraft"' in system


async def test_llama_cpp_quirk_sends_the_schema_inside_json_object(fake: FakeModel) -> None:
    app, server = serve(fake, capability=Capability.JSON_OBJECT)
    seen = record_bodies(app)
    with server as url:
        await model_for(url).execute(summary_request())
    assert [body["response_format"]["type"] for body in seen] == ["json_schema", "json_object"]
    assert seen[1]["response_format"]["schema"]["title"] == "SummaryDraft"


async def test_unanswerable_request_is_a_model_error_and_nothing_is_cached(fake: FakeModel) -> None:
    class NotADraft(BaseModel):
        value: int

    app, server = serve(fake)
    cache = CapabilityCache()
    with server as url:
        model = model_for(url, capabilities=cache)
        with pytest.raises(ModelError, match="refused the request: 400"):
            await model.execute(summary_request(NotADraft))
    assert model.structured_mode is None
    assert stats(app).formats == {"json_schema": 1, "json_object": 1, "text": 1}


@pytest.mark.parametrize("fault", [FaultKind.MALFORMED, FaultKind.INVALID, FaultKind.TRUNCATED])
async def test_bad_output_is_reasked_with_the_error(fake: FakeModel, fault: FaultKind) -> None:
    app, server = serve(fake, faults=FaultConfig(script=(fault, None)))
    with server as url:
        reply = await model_for(url).execute(summary_request())
    assert reply.output == SUMMARY
    assert reply.usage.calls == 2
    reask = fake.requests[-1].messages
    assert reask[-2].role == "assistant"
    assert reask[-1].role == "user"
    assert reask[-1].content.startswith("Your reply is invalid: it ")


async def test_reask_exhaustion_raises_with_last_completion_and_attempts(fake: FakeModel) -> None:
    script = (FaultKind.MALFORMED, FaultKind.INVALID, FaultKind.MALFORMED)
    app, server = serve(fake, faults=FaultConfig(script=script))
    with server as url, pytest.raises(ModelOutputError) as caught:
        await model_for(url, max_attempts=3).execute(summary_request())
    error = caught.value
    assert error.attempts == 3
    assert error.last_completion is not None
    with pytest.raises(ValueError):
        SummaryDraft.model_validate_json(error.last_completion)
    assert error.prompt_tokens > 0 and error.completion_tokens > 0
    assert error.__cause__ is not None
    assert error.status_code == 502
    assert stats(app).requests == 3


async def test_cut_off_reply_is_reasked_for_a_shorter_one(fake: FakeModel) -> None:
    app, server = serve(fake, faults=FaultConfig(script=(FaultKind.LENGTH, None)))
    with server as url:
        reply = await model_for(url).execute(summary_request())
    assert reply.output == SUMMARY
    last = fake.requests[-1].messages[-1]
    assert "cut off at the token limit" in last.content
    # The truncated text is not sent back: it only costs context.
    assert all(m.role != "assistant" for m in fake.requests[-1].messages)


async def test_token_limit_too_small_ends_in_output_error(fake: FakeModel) -> None:
    app, server = serve(fake)
    with server as url, pytest.raises(ModelOutputError, match="cut off"):
        await model_for(url, max_attempts=2).execute(summary_request(max_output_tokens=10))


def record_bodies(app: FastAPI) -> list[dict[str, Any]]:
    """Every request body the server receives, in order."""
    seen: list[dict[str, Any]] = []

    @app.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        seen.append(await request.json())
        return await call_next(request)

    return seen


async def test_reasoning_model_is_asked_again_without_what_it_refuses(fake: FakeModel) -> None:
    app, server = serve(fake, reasoning_tokens=300)
    bodies = record_bodies(app)
    cache = CapabilityCache()
    with server as url:
        first = await model_for(url, capabilities=cache).execute(summary_request())
        # A second client of the same model starts from what the first one learned.
        second = await model_for(url, capabilities=cache).execute(summary_request())
    assert first.output == second.output == SUMMARY
    # One refusal each, then never again; the structured mode was not degraded by them.
    assert stats(app).refused_parameters == {"max_tokens": 1, "temperature": 1}
    assert stats(app).refused_formats == 0
    assert [body["response_format"]["type"] for body in bodies] == ["json_schema"] * 4
    last = bodies[-1]
    assert "max_tokens" not in last and "temperature" not in last
    assert last["max_completion_tokens"] == 2_048
    assert cache.dialect(url, "mock") == RequestDialect(
        token_limit="max_completion_tokens", temperature=False
    )
    # What one model refused is not held against another model on the same server.
    assert cache.dialect(url, "other") == RequestDialect()


async def test_a_limit_spent_thinking_says_to_raise_it(fake: FakeModel) -> None:
    app, server = serve(fake, reasoning_tokens=1_000)
    with server as url:
        model = model_for(url, max_attempts=2)
        with pytest.raises(ModelOutputError, match="SUMMARIZER_MAX_OUTPUT_TOKENS") as caught:
            await model.execute(summary_request(max_output_tokens=600))
        assert caught.value.last_completion == ""
        # The same model with room to think and then write.
        reply = await model.execute(summary_request(max_output_tokens=2_000))
    assert reply.output == SUMMARY
    assert reply.usage.completion_tokens > 1_000


async def test_a_reply_cut_off_after_thinking_says_how_much_it_thought(fake: FakeModel) -> None:
    app, server = serve(fake, reasoning_tokens=100)
    with server as url, pytest.raises(ModelOutputError, match="cut off") as caught:
        await model_for(url, max_attempts=2).execute(summary_request(max_output_tokens=120))
    assert "after 100 tokens of thinking (raise SUMMARIZER_MAX_OUTPUT_TOKENS)" in str(caught.value)
    assert caught.value.last_completion


async def test_a_reply_cut_off_without_thinking_asks_for_a_shorter_one(fake: FakeModel) -> None:
    app, server = serve(fake)
    with server as url, pytest.raises(ModelOutputError, match="cut off") as caught:
        await model_for(url, max_attempts=2).execute(summary_request(max_output_tokens=20))
    assert "SUMMARIZER_MAX_OUTPUT_TOKENS" not in str(caught.value)


async def test_concurrent_first_calls_to_a_reasoning_model_all_succeed(fake: FakeModel) -> None:
    app, server = serve(fake, reasoning_tokens=0)
    with server as url:
        model = model_for(url)
        replies = await asyncio.gather(*(model.execute(summary_request()) for _ in range(6)))
    assert all(reply.output == SUMMARY for reply in replies)
    assert stats(app).replies_ok == 6


class GatedModel(FakeModel):
    """Answers the first request at once; holds each later one until `waiting` are held together
    (or `patience_s` passes), so the server sees them in flight together only if they overlap."""

    def __init__(self, waiting: int, patience_s: float = 5.0) -> None:
        super().__init__()
        self.waiting = waiting
        self.patience_s = patience_s
        self.held = 0
        self.all_held: asyncio.Event | None = None

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Return SUMMARY, after the gate opens for all but the first request."""
        if self.requests:
            self.all_held = self.all_held or asyncio.Event()
            self.held += 1
            if self.held == self.waiting:
                self.all_held.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_held.wait(), self.patience_s)
        return await super().execute(request)


async def test_only_the_probe_is_serialised_on_a_fresh_client() -> None:
    # The first call probes the response_format; the others wait for it, then go together.
    waiting = 3
    gated = GatedModel(waiting)
    app = create_app(gated)
    with serve_in_thread(app) as url:
        model = model_for(url, max_concurrent_calls=8)
        requests = [
            # Distinct prompts: the fake server answers a repeated one from its reply cache.
            ModelRequest(
                task="summarize",
                messages=[ChatMessage("user", f"Summarise article {i}.")],
                output_type=SummaryDraft,
            )
            for i in range(waiting + 1)
        ]
        replies = await asyncio.gather(*(model.execute(r) for r in requests))
    assert all(reply.output == SUMMARY for reply in replies)
    assert stats(app).formats == {"json_schema": waiting + 1}
    assert stats(app).max_in_flight == waiting


def status_error(status: int, body: dict[str, Any]) -> openai.APIStatusError:
    """The error the SDK raises for this reply, built by the SDK itself from a real response."""
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    client = openai.OpenAI(api_key="unused", base_url="http://127.0.0.1/v1")
    return client._make_status_error_from_response(
        httpx2.Response(status, json={"error": body}, request=request)
    )


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {
                "message": "Unsupported value: 'temperature' does not support 0 with this model.",
                "param": "temperature",
                "code": "unsupported_value",
            },
            "temperature",
        ),
        # A proxy that copies OpenAI's message but drops `param` and changes `code`.
        (
            400,
            {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model.",
                "code": "invalid_request_body",
            },
            "max_tokens",
        ),
        (400, {"message": "bad", "param": "seed", "code": "unsupported_parameter"}, "seed"),
        # A refused response_format is a format matter, handled by degrading the mode.
        (400, {"message": "response_format is not supported", "param": "response_format"}, None),
        (429, {"message": "Unsupported parameter: 'max_tokens'"}, None),
    ],
)
def test_refused_parameter_is_read_from_the_error(
    status: int, body: dict[str, Any], expected: str | None
) -> None:
    assert refused_parameter(status_error(status, body)) == expected


def test_a_dialect_drops_each_parameter_once() -> None:
    dialect = RequestDialect()
    for parameter in ("max_tokens", "temperature", "seed"):
        narrowed = dialect.without(parameter)
        assert narrowed is not None
        assert narrowed.without(parameter) is None
        dialect = narrowed
    request = summary_request(max_output_tokens=512)
    assert dialect.sampling(request) == {"max_completion_tokens": 512}
    assert RequestDialect().sampling(request) == {
        "max_tokens": 512,
        "temperature": request.temperature,
        "seed": request.seed,
    }
    assert RequestDialect().without("top_p") is None


async def test_rate_limit_waits_for_retry_after_then_succeeds(fake: FakeModel) -> None:
    faults = FaultConfig(script=(FaultKind.RATE_LIMIT, None), retry_after_s=0.4)
    app, server = serve(fake, faults=faults)
    with server as url:
        started = time.monotonic()
        reply = await model_for(url).execute(summary_request())
        elapsed = time.monotonic() - started
    assert reply.output == SUMMARY
    assert elapsed >= 0.4  # the backoff alone would be ~0.01 s
    assert stats(app).faults == {"429": 1}
    assert stats(app).requests == 2


async def test_persistent_unavailability_is_503_with_retry_after(fake: FakeModel) -> None:
    faults = FaultConfig(fault_rate=1.0, kinds=(FaultKind.UNAVAILABLE,), retry_after_s=0.05)
    app, server = serve(fake, faults=faults)
    with server as url, pytest.raises(ModelUnavailable) as caught:
        await model_for(url, transport_attempts=3).execute(summary_request())
    assert caught.value.retry_after == pytest.approx(0.05)
    assert caught.value.status_code == 503
    assert stats(app).requests == 3


async def test_retry_after_beyond_the_deadline_fails_at_once(fake: FakeModel) -> None:
    faults = FaultConfig(fault_rate=1.0, kinds=(FaultKind.RATE_LIMIT,), retry_after_s=60)
    app, server = serve(fake, faults=faults)
    with server as url:
        started = time.monotonic()
        with pytest.raises(ModelUnavailable) as caught:
            async with request_deadline(5.0):
                await model_for(url).execute(summary_request())
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert caught.value.retry_after == 60
    assert stats(app).requests == 1


async def test_stalled_server_is_504(fake: FakeModel) -> None:
    faults = FaultConfig(fault_rate=1.0, kinds=(FaultKind.STALL,), stall_s=3.0)
    app, server = serve(fake, faults=faults)
    with server as url:
        started = time.monotonic()
        with pytest.raises(ModelTimeout):
            await model_for(url, timeout_s=0.2, transport_attempts=2).execute(summary_request())
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert stats(app).requests == 2


async def test_request_deadline_bounds_everything(fake: FakeModel) -> None:
    app, server = serve(fake, faults=FaultConfig(latency_s=2.0))
    with server as url:
        started = time.monotonic()
        with pytest.raises(ModelTimeout, match="deadline"):
            async with request_deadline(0.3):
                await model_for(url).execute(summary_request())
        elapsed = time.monotonic() - started
    # Measured before the server's shutdown, which waits for the reply still in flight.
    assert elapsed < 1.5


async def test_one_deadline_spans_every_call_of_a_request(fake: FakeModel) -> None:
    app, server = serve(fake, faults=FaultConfig(latency_s=0.4))
    finished = 0
    with server as url:
        model = model_for(url, structured_mode=StructuredMode.JSON_SCHEMA)
        # Each call fits the deadline; three of them in one request do not.
        with pytest.raises(ModelTimeout, match="deadline"):
            async with request_deadline(1.0):
                for _ in range(3):
                    await model.execute(summary_request())
                    finished += 1
    assert 1 <= finished < 3


async def test_a_closed_client_opens_a_new_one_for_a_later_call(fake: FakeModel) -> None:
    app, server = serve(fake)
    with server as url:
        model = model_for(url)
        await model.execute(summary_request())
        await model.aclose()
        await model.aclose()
        reply = await model.execute(summary_request())
    assert reply.output == SUMMARY
    assert stats(app).requests == 2


async def test_unreachable_server_is_503() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = model_for(f"http://127.0.0.1:{port}/v1", transport_attempts=2)
    with pytest.raises(ModelUnavailable, match="unreachable"):
        await model.execute(summary_request())


async def test_concurrent_calls_are_bounded(fake: FakeModel) -> None:
    app, server = serve(fake, faults=FaultConfig(latency_s=0.15))
    with server as url:
        model = model_for(url, max_concurrent_calls=2, structured_mode=StructuredMode.JSON_SCHEMA)
        replies = await asyncio.gather(*(model.execute(summary_request()) for _ in range(6)))
    assert all(r.output == SUMMARY for r in replies)
    assert stats(app).max_in_flight == 2


async def test_one_instance_serves_several_event_loops(fake: FakeModel) -> None:
    app, server = serve(fake)
    with server as url:
        model = model_for(url)
        await model.execute(summary_request())

        def in_another_loop() -> ModelReply[Any]:
            return asyncio.run(model.execute(summary_request()))

        reply = await asyncio.to_thread(in_another_loop)
    assert reply.output == SUMMARY


def test_build_from_settings() -> None:
    settings = Settings(
        model="smollm2",
        openai_base_url="http://127.0.0.1:8080/v1",
        max_concurrent_model_calls=3,
        context_tokens=4_096,
    )
    model = build_openai_model(settings)
    assert model.name == "smollm2"
    assert model.context_tokens == 4_096
    assert model.profile.offline is False
    assert model.server_url == "http://127.0.0.1:8080/v1"


def test_build_without_key_or_server_fails_loudly() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_openai_model(Settings(model="gpt-4o-mini", openai_api_key=None, openai_base_url=None))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        'Sure! Here is the JSON: {"a": 1} Hope this helps.',
    ],
)
def test_extract_json_finds_the_object(text: str) -> None:
    assert extract_json(text) == {"a": 1}


def test_the_first_loop_gets_the_client_made_at_construction_and_each_loop_its_own() -> None:
    made: list[openai.AsyncOpenAI] = []

    def new_client() -> openai.AsyncOpenAI:
        made.append(openai.AsyncOpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1"))
        return made[-1]

    states = LoopStates(new_client, max_concurrent_calls=2)
    assert len(made) == 1  # before any loop runs: a server's start, not its first request

    async def clients() -> tuple[openai.AsyncOpenAI, openai.AsyncOpenAI]:
        first, again = states.get(), states.get()
        assert first.semaphore is again.semaphore
        return first.client, again.client

    first = asyncio.run(clients())
    second = asyncio.run(clients())
    assert first == (made[0], made[0])
    assert second == (made[1], made[1])
    assert len(made) == 2


def test_closing_before_any_call_closes_the_client_made_at_construction() -> None:
    client = openai.AsyncOpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
    states = LoopStates(lambda: client, max_concurrent_calls=1)
    assert not client.is_closed()
    asyncio.run(states.aclose())
    assert client.is_closed()
