"""The Model interface over any OpenAI-compatible chat server, through the `openai` SDK.

Two retry loops, one inside the other, each bounded by tenacity:

- the *re-ask* loop: a reply that is cut off (`finish_reason == "length"`), is not JSON, or does
  not validate against the requested pydantic type is sent back with the error in the message,
  at most `max_attempts` times, then `ModelOutputError` is raised carrying the last completion;
- the *transport* loop around every HTTP call: 429, 5xx, timeouts and dropped connections are
  retried with exponential backoff and jitter, never sooner than the server's `Retry-After`,
  then mapped to `ModelUnavailable` (503) or `ModelTimeout` (504). `ModelUnavailable` always
  carries a retry hint for the client: the server's `Retry-After`, else the longest backoff.

Each HTTP attempt has its own timeout; the whole request's deadline is the caller's, set once
for all of a request's calls (`service.llm.deadline`), and no retry waits past it.

Structured output degrades by what the server accepts (`json_schema`, else `json_object` with
the schema, else plain text); the first mode a server accepts is remembered per base URL.
Sampling parameters adapt the same way: a model that refuses one by name (OpenAI's reasoning
models refuse `max_tokens` and any `temperature` but their default) is asked again without it,
and what it refused is remembered per server and model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, cast

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from service.config import Settings
from service.errors import (
    ConfigError,
    ModelError,
    ModelOutputError,
    ModelTimeout,
    ModelUnavailable,
)
from service.llm.base import ChatMessage, ModelProfile, ModelReply, ModelRequest, OutputT, Usage
from service.llm.deadline import seconds_left
from service.llm.slots import SharedSlots
from service.telemetry import model_retry

logger = logging.getLogger(__name__)

# Local servers (llama.cpp, vLLM, Ollama) ignore the key, but the SDK insists on one.
_PLACEHOLDER_API_KEY = "sk-no-key-required"
# Bounds the re-ask message: a 40-error validation dump teaches the model nothing more than 8.
_MAX_ERRORS_IN_REASK = 8
_OPENAI_BASE_URL = "https://api.openai.com/v1"
_SCHEMA_OPEN = "<json_schema>"
_SCHEMA_CLOSE = "</json_schema>"
# The wording of OpenAI's refusal, for servers that copy the message but not `param`.
_REFUSED_PARAMETER_RE = re.compile(r"Unsupported (?:parameter|value): '(\w+)'")


class StructuredMode(StrEnum):
    """How the reply is constrained to JSON, from strongest to weakest."""

    JSON_SCHEMA = "json_schema"  # the server enforces the schema (OpenAI, vLLM)
    JSON_OBJECT = "json_object"  # JSON only; schema in the prompt and in llama.cpp's `schema` key
    TEXT = "text"  # no constraint: the JSON is parsed out of free text


_DEGRADATION_ORDER = (StructuredMode.JSON_SCHEMA, StructuredMode.JSON_OBJECT, StructuredMode.TEXT)


@dataclass(frozen=True)
class RequestDialect:
    """How one model wants its sampling parameters, learned from what it refused."""

    # OpenAI's reasoning models take only `max_completion_tokens`; most other servers know
    # only `max_tokens`, so that is where every model starts.
    token_limit: str = "max_tokens"
    temperature: bool = True
    seed: bool = True

    def without(self, refused: str) -> RequestDialect | None:
        """The dialect that avoids the parameter a server refused, or None if none does."""
        if refused == "max_tokens" and self.token_limit == "max_tokens":
            return replace(self, token_limit="max_completion_tokens")
        if refused == "temperature" and self.temperature:
            return replace(self, temperature=False)
        if refused == "seed" and self.seed:
            return replace(self, seed=False)
        return None

    def sampling(self, request: ModelRequest[Any]) -> dict[str, Any]:
        """The token limit, temperature and seed of `request`, as this model accepts them."""
        kwargs: dict[str, Any] = {self.token_limit: request.max_output_tokens}
        if self.temperature:
            kwargs["temperature"] = request.temperature
        if self.seed:
            kwargs["seed"] = request.seed
        return kwargs


class CapabilityCache:
    """What each server accepted: its structured-output mode (per base URL) and the
    sampling parameters of each of its models."""

    def __init__(self) -> None:
        self._modes: dict[str, StructuredMode] = {}
        self._dialects: dict[tuple[str, str], RequestDialect] = {}

    def get(self, base_url: str) -> StructuredMode | None:
        """The remembered mode for this server, if one was detected."""
        return self._modes.get(base_url)

    def remember(self, base_url: str, mode: StructuredMode) -> None:
        """Record the mode this server accepted."""
        self._modes[base_url] = mode

    def dialect(self, base_url: str, model: str) -> RequestDialect:
        """The sampling parameters this model accepts, as far as they are known."""
        return self._dialects.get((base_url, model), RequestDialect())

    def remember_dialect(self, base_url: str, model: str, dialect: RequestDialect) -> None:
        """Record what this model accepts, keeping every refusal learned before (concurrent
        calls may each learn a different one)."""
        known = self._dialects.get((base_url, model), dialect)
        self._dialects[(base_url, model)] = RequestDialect(
            token_limit=(
                "max_completion_tokens"
                if "max_completion_tokens" in (known.token_limit, dialect.token_limit)
                else "max_tokens"
            ),
            temperature=known.temperature and dialect.temperature,
            seed=known.seed and dialect.seed,
        )

    def forget(self, base_url: str | None = None) -> None:
        """Drop what was learned about one server, or about all of them."""
        if base_url is None:
            self._modes.clear()
            self._dialects.clear()
        else:
            self._modes.pop(base_url, None)
            for key in [key for key in self._dialects if key[0] == base_url]:
                del self._dialects[key]


# Process-wide on purpose: every client of one server shares what the first one learned.
CAPABILITIES = CapabilityCache()


@dataclass
class LoopState:
    """What cannot cross event loops: the HTTP connection pool, the semaphore, the probe lock."""

    client: AsyncOpenAI
    semaphore: asyncio.Semaphore
    probe_lock: asyncio.Lock


class LoopStates:
    """One `LoopState` per event loop: an httpx pool or a semaphore used from a second loop
    breaks, and tests, the CLI and Starlette's TestClient each run their own loop.

    The first loop's client is made at construction, at a server's start: a client binds to no
    loop until its first call, and making one costs about 20 ms (a TLS context; the HTTP
    stack's imports the first time), which a fresh server's first request otherwise paid before
    its call went out (`benchmarks.bench_overhead`, "first request" row)."""

    def __init__(self, new_client: Callable[[], AsyncOpenAI], max_concurrent_calls: int) -> None:
        self._new_client = new_client
        self._max_concurrent_calls = max_concurrent_calls
        self._spare: AsyncOpenAI | None = new_client()
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopState] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> LoopState:
        """The running loop's state, made on its first use."""
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            client, self._spare = self._spare or self._new_client(), None
            state = LoopState(
                client=client,
                semaphore=asyncio.Semaphore(self._max_concurrent_calls),
                probe_lock=asyncio.Lock(),
            )
            self._states[loop] = state
        return state

    async def aclose(self) -> None:
        """Close the running loop's client, and the first one if no loop took it."""
        state = self._states.pop(asyncio.get_running_loop(), None)
        spare, self._spare = self._spare, None
        for client in (state.client if state else None, spare):
            if client is not None:
                await client.close()


@dataclass(frozen=True)
class _Completion:
    text: str
    finish_reason: str
    model: str
    # Hidden thinking a reasoning model reports spending within the token limit.
    reasoning_tokens: int = 0


@dataclass
class _Exchange:
    """One `execute`: the request, the latest re-ask, and the usage of every call it makes."""

    request: ModelRequest[Any]
    prompt: list[ChatMessage]
    reask: list[ChatMessage] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    def messages(self) -> list[ChatMessage]:
        """What the next call sends: the prompt, then the re-ask of the last bad reply."""
        return self.prompt + self.reask


class _InvalidOutput(Exception):
    """A reply that must be re-asked; `reask` is the message that tells the model why."""

    def __init__(
        self, reason: str, *, completion: str, reask: list[ChatMessage], cut_off: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.completion = completion
        self.reask = reask
        self.cut_off = cut_off


class _FormatRejected(Exception):
    """The server refused the response_format of the mode being probed."""


class _ParameterRefused(Exception):
    """The model refused a sampling parameter that `dialect` no longer sends."""

    def __init__(self, parameter: str, dialect: RequestDialect) -> None:
        super().__init__(parameter)
        self.parameter = parameter
        self.dialect = dialect


class OpenAIChatModel:
    """A chat model behind an OpenAI-compatible HTTP API, returning validated pydantic output."""

    profile = ModelProfile()

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        context_tokens: int = 16_384,
        timeout_s: float = 60.0,
        max_attempts: int = 3,
        transport_attempts: int = 4,
        max_concurrent_calls: int = 4,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 8.0,
        structured_mode: StructuredMode | None = None,
        capabilities: CapabilityCache = CAPABILITIES,
        shared_slots: SharedSlots | None = None,
    ) -> None:
        self.name = model
        self.context_tokens = context_tokens
        self._base_url = base_url
        self._api_key = api_key or _PLACEHOLDER_API_KEY
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._transport_attempts = transport_attempts
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._forced_mode = structured_mode
        self._capabilities = capabilities
        # Where several processes share the bound: a slot of theirs too, around each call.
        self._shared_slots = shared_slots
        self._states = LoopStates(self._new_client, max_concurrent_calls)
        # The SDK's own default when no base URL is configured (settings pass the env's one).
        self.server_url = (base_url or _OPENAI_BASE_URL).rstrip("/")

    @property
    def structured_mode(self) -> StructuredMode | None:
        """The mode in use for this server, or None while it is still undetected."""
        return self._forced_mode or self._capabilities.get(self.server_url)

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Ask for `request.output_type`, re-asking on bad output, within the request deadline."""
        exchange = _Exchange(request, list(request.messages))
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            retry=retry_if_exception_type(_InvalidOutput),
            before_sleep=lambda _: model_retry("invalid_output"),
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    completion = await self._complete(exchange)
                    try:
                        output = _parse_output(completion, request.output_type)
                    except _InvalidOutput as invalid:
                        # Only the latest failure is shown: the prompt must not grow per attempt.
                        exchange.reask = invalid.reask
                        raise
                    return ModelReply(
                        output=output,
                        raw=completion.text,
                        model=completion.model,
                        usage=exchange.usage,
                    )
        except _InvalidOutput as e:
            raise ModelOutputError(
                f"{self.name} gave no valid {request.output_type.__name__} "
                f"in {attempts} attempt(s): {e.reason}",
                last_completion=e.completion,
                attempts=attempts,
                prompt_tokens=exchange.usage.prompt_tokens,
                completion_tokens=exchange.usage.completion_tokens,
                cut_off=e.cut_off,
            ) from e
        raise AssertionError("tenacity neither returned nor raised")  # pragma: no cover

    async def aclose(self) -> None:
        """Close the HTTP client of the running event loop."""
        await self._states.aclose()

    async def _complete(self, exchange: _Exchange) -> _Completion:
        mode = self.structured_mode
        if mode is None:
            # Detect once: concurrent first calls wait here instead of all probing the server,
            # and only for the probe: once a mode is known they are sent side by side.
            async with self._state().probe_lock:
                mode = self.structured_mode
                if mode is None:
                    return await self._probe(exchange)
        return await self._call(mode, exchange, probing=False)

    async def _probe(self, exchange: _Exchange) -> _Completion:
        for mode in _DEGRADATION_ORDER[:-1]:
            try:
                completion = await self._call(mode, exchange, probing=True)
            except _FormatRejected as e:
                logger.info(
                    "%s refused response_format %s (%s); degrading", self.server_url, mode, e
                )
                continue
            self._capabilities.remember(self.server_url, mode)
            return completion
        # The last resort asks for nothing the server could refuse: a failure here is real.
        last = _DEGRADATION_ORDER[-1]
        completion = await self._call(last, exchange, probing=False)
        self._capabilities.remember(self.server_url, last)
        return completion

    async def _call(
        self, mode: StructuredMode, exchange: _Exchange, *, probing: bool
    ) -> _Completion:
        # A refused parameter is dropped for good and there are three of them: at most four rounds.
        while True:
            dialect = self._capabilities.dialect(self.server_url, self.name)
            try:
                return await self._send(mode, exchange, dialect, probing)
            except _ParameterRefused as refused:
                logger.info(
                    "%s at %s refused %r; asking again without it",
                    self.name,
                    self.server_url,
                    refused.parameter,
                )
                self._capabilities.remember_dialect(self.server_url, self.name, refused.dialect)

    async def _send(
        self, mode: StructuredMode, exchange: _Exchange, dialect: RequestDialect, probing: bool
    ) -> _Completion:
        state = self._state()
        request = exchange.request
        kwargs = _format_kwargs(mode, request) | dialect.sampling(request)
        wire_messages = _wire_messages(mode, exchange.messages(), request)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._transport_attempts) | _StopPastDeadline(),
            wait=_wait_retry_after_or(
                wait_random_exponential(multiplier=self._backoff_initial_s, max=self._backoff_max_s)
            ),
            retry=retry_if_exception(
                lambda e: _is_transient(e) and not (probing and _rejects_format(e, mode))
            ),
            before_sleep=lambda _: model_retry("transport"),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    async with state.semaphore, self._slot():
                        response = await chat_completion(
                            state.client,
                            {"model": self.name, "messages": wire_messages, **kwargs},
                            self._timeout_s,
                        )
                    return _read_completion(response, exchange.usage, self.name)
        except openai.APITimeoutError as e:
            raise ModelTimeout(
                f"{self.name} did not answer within {self._timeout_s:g}s "
                f"(after {self._transport_attempts} attempt(s) or the deadline)"
            ) from e
        except openai.APIConnectionError as e:
            raise ModelUnavailable(
                f"{self.name} at {self.server_url} is unreachable: {e}",
                retry_after=self._backoff_max_s,
            ) from e
        except openai.APIStatusError as e:
            parameter = refused_parameter(e)
            adapted = dialect.without(parameter) if parameter else None
            if parameter and adapted is not None:
                raise _ParameterRefused(parameter, adapted) from e
            if probing and _rejects_format(e, mode):
                raise _FormatRejected(f"{e.status_code} {_error_message(e)}") from e
            if _is_transient(e):
                asked = retry_after_seconds(e)
                raise ModelUnavailable(
                    f"{self.name} answered {e.status_code} after retries: {_error_message(e)}",
                    retry_after=self._backoff_max_s if asked is None else asked,
                ) from e
            raise ModelError(
                f"{self.name} refused the request: {e.status_code} {_error_message(e)}"
            ) from e
        raise AssertionError("tenacity neither returned nor raised")  # pragma: no cover

    def _slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """A slot of the bound the server's processes share, where they share one."""
        if self._shared_slots is None:
            return contextlib.nullcontext()
        return self._shared_slots.slot()

    def _state(self) -> LoopState:
        return self._states.get()

    def _new_client(self) -> AsyncOpenAI:
        # max_retries=0: tenacity is the one retry policy, so attempts and waits add up once.
        # Our own http_client: the SDK's default one schedules its close on whatever loop is
        # running when it is collected, which fails once the loop it belongs to has closed.
        return AsyncOpenAI(
            api_key=self._api_key,
            base_url=self._base_url,
            timeout=self._timeout_s,
            max_retries=0,
            http_client=openai.DefaultAsyncHttpxClient(timeout=self._timeout_s),
        )


async def chat_completion(
    client: AsyncOpenAI, body: dict[str, Any], timeout_s: float
) -> ChatCompletion:
    """One chat completion through the SDK's own `post`, its documented way to send a body
    as built: the SDK's typed `create` walks every request against its parameter types first
    (the reply schema included): 1.8 of its 6.3 ms of client CPU per call on the seeds'
    body (`python -m benchmarks.bench_sdk_call`), which our bodies need not, being plain JSON
    built here. The errors, timeout and typed reply stay the SDK's."""
    return await client.post(
        "/chat/completions", cast_to=ChatCompletion, body=body, options={"timeout": timeout_s}
    )


def build_openai_model(settings: Settings) -> OpenAIChatModel:
    """The OpenAI-compatible model that `settings` name (`SUMMARIZER_MODEL`, `OPENAI_BASE_URL`)."""
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if api_key is None and settings.openai_base_url is None:
        raise ConfigError(
            f"SUMMARIZER_MODEL={settings.model!r} needs OPENAI_API_KEY (for OpenAI) "
            "or OPENAI_BASE_URL (for a local OpenAI-compatible server)"
        )
    return OpenAIChatModel(
        settings.model,
        base_url=settings.openai_base_url,
        api_key=api_key,
        context_tokens=settings.context_tokens,
        timeout_s=settings.model_timeout_s,
        max_attempts=settings.model_max_attempts,
        transport_attempts=settings.model_max_attempts + 1,
        max_concurrent_calls=settings.max_concurrent_model_calls,
        shared_slots=SharedSlots(settings.model_call_slots) if settings.model_call_slots else None,
    )


def _parse_output(completion: _Completion, output_type: type[OutputT]) -> OutputT:
    """Validate a completion as `output_type`, or raise `_InvalidOutput` with the re-ask."""
    text = completion.text
    if completion.finish_reason == "length":
        reason = "the reply was cut off at the token limit"
        # Reasoning models count their hidden thinking in the limit: "shorter" cannot help.
        if completion.reasoning_tokens:
            reason += (
                f" after {completion.reasoning_tokens} tokens of thinking "
                "(raise SUMMARIZER_MAX_OUTPUT_TOKENS)"
            )
        elif not text.strip():
            reason += (
                " before any of it was written (a reasoning model may spend the whole limit "
                "thinking: raise SUMMARIZER_MAX_OUTPUT_TOKENS)"
            )
        raise _InvalidOutput(
            reason,
            completion=text,
            cut_off=True,
            # The cut-off text is left out: it costs context and there is nothing to fix in it.
            reask=[
                ChatMessage(
                    "user",
                    "Your previous reply was cut off at the token limit and is incomplete. "
                    "Reply again with a complete but shorter JSON object: fewer items, "
                    "shorter sentences and quotes.",
                )
            ],
        )
    try:
        return output_type.model_validate(extract_json(text))
    except ValueError as e:
        reason = _describe(e)
        raise _InvalidOutput(
            reason,
            completion=text,
            reask=[
                ChatMessage("assistant", text),
                ChatMessage(
                    "user",
                    f"Your reply is invalid: {reason}\n"
                    f"Reply again with only the corrected JSON object for "
                    f"{output_type.__name__}, no other text.",
                ),
            ],
        ) from e


def extract_json(text: str) -> Any:
    """The JSON value in `text`: the whole text, else the first object in it (fences, prose)."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as whole_error:
        start = stripped.find("{")
        if start < 0:
            raise whole_error from None
        try:
            value, _ = json.JSONDecoder().raw_decode(stripped, start)
        except json.JSONDecodeError:
            # The error of the whole text says more than a second one from the middle of it.
            raise whole_error from None
        return value


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's `Retry-After` (or `retry-after-ms`) in seconds, when the error carries one."""
    if not isinstance(error, openai.APIStatusError):
        return None
    headers = error.response.headers
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def schema_instruction(
    output_type: type[BaseModel], max_items: dict[str, int] | None = None
) -> str:
    """The prompt text that carries the schema when the server cannot enforce it."""
    return _schema_instruction(output_type, tuple(sorted((max_items or {}).items())))


@lru_cache(maxsize=256)
def _schema_instruction(
    output_type: type[BaseModel], max_items: tuple[tuple[str, int], ...]
) -> str:
    schema = json.dumps(
        bounded(json.loads(_schema_json(output_type)), dict(max_items)),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return (
        "Reply with one JSON object and nothing else: no prose, no code fences. "
        f"It must validate against this JSON Schema ({output_type.__name__}):\n"
        f"{_SCHEMA_OPEN}\n{schema}\n{_SCHEMA_CLOSE}"
    )


def refused_parameter(error: openai.APIStatusError) -> str | None:
    """The request parameter a 400 names as unsupported (OpenAI's `param`, else its wording)."""
    if error.status_code != 400:
        return None
    message = _error_message(error)
    match = _REFUSED_PARAMETER_RE.search(message)
    if match is not None:
        return match.group(1)
    if error.code in ("unsupported_parameter", "unsupported_value") and error.param:
        return str(error.param)
    return None


def _is_transient(error: BaseException) -> bool:
    """Worth another try: rate limits, server errors, timeouts, dropped connections."""
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return isinstance(error, openai.APIConnectionError)  # includes APITimeoutError


def _rejects_format(error: BaseException, mode: StructuredMode) -> bool:
    """Whether the server refused the response_format we sent (not the request as a whole)."""
    if mode is StructuredMode.TEXT or not isinstance(error, openai.APIStatusError):
        return False
    if error.status_code in (400, 422):
        return True
    # llama.cpp's Python server answers a response_format it does not know with a 500 that
    # carries the request's validation error: that is a refusal, not a transient failure.
    return error.status_code == 500 and "response_format" in _error_message(error)


def _wait_retry_after_or(
    backoff: Callable[[RetryCallState], float],
) -> Callable[[RetryCallState], float]:
    """Exponential backoff with jitter, but never sooner than the server asked."""

    def wait(retry_state: RetryCallState) -> float:
        delay = backoff(retry_state)
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if error is not None:
            asked = retry_after_seconds(error)
            if asked is not None:
                delay = max(delay, asked)
        return delay

    return wait


class _StopPastDeadline(stop_base):
    """Stop when the next wait would end after the request's deadline: fail now with the
    real cause rather than be cut off while waiting."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        left = seconds_left()
        return left is not None and retry_state.upcoming_sleep >= left


def bounded(schema: dict[str, Any], max_items: dict[str, int]) -> dict[str, Any]:
    """`schema` (a copy) with a maxItems on every list property of each name in `max_items`,
    wherever it sits: top level, nested objects or `$defs`."""
    if not max_items:
        return schema

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: walk(value) for key, value in node.items()}
        properties = out.get("properties")
        if isinstance(properties, dict):
            for name, most in max_items.items():
                spec = properties.get(name)
                if isinstance(spec, dict) and spec.get("type") == "array":
                    properties[name] = {**spec, "maxItems": most}
        return out

    bounded_schema: dict[str, Any] = walk(schema)
    return bounded_schema


def _format_kwargs(mode: StructuredMode, request: ModelRequest[Any]) -> dict[str, Any]:
    output_type: type[BaseModel] = request.output_type
    max_items = request.max_items
    if mode is StructuredMode.JSON_SCHEMA:
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": output_type.__name__,
                    "schema": bounded(json.loads(_strict_schema_json(output_type)), max_items),
                    "strict": True,
                },
            }
        }
    if mode is StructuredMode.JSON_OBJECT:
        # llama.cpp's server constrains the grammar to this `schema`; others ignore the key.
        return {
            "response_format": {
                "type": "json_object",
                "schema": bounded(json.loads(_schema_json(output_type)), max_items),
            }
        }
    return {}


# Schemas are generated once per output type (pydantic's generation costs milliseconds) and
# kept as JSON text, so every request gets a fresh dict of its own to send.
@lru_cache(maxsize=64)
def _strict_schema_json(output_type: type[BaseModel]) -> str:
    """The SDK's own strict transform (every property required, no extras), reached through
    its public `pydantic_function_tool` rather than the private module behind it."""
    return json.dumps(openai.pydantic_function_tool(output_type)["function"].get("parameters", {}))


@lru_cache(maxsize=64)
def _schema_json(output_type: type[BaseModel]) -> str:
    return json.dumps(output_type.model_json_schema())


def _wire_messages(
    mode: StructuredMode, messages: list[ChatMessage], request: ModelRequest[Any]
) -> list[ChatCompletionMessageParam]:
    wire = [{"role": m.role, "content": m.content} for m in messages]
    if mode is not StructuredMode.JSON_SCHEMA:
        instruction = schema_instruction(request.output_type, request.max_items)
        # Merged into the first system message: some chat templates allow only one, first.
        if wire and wire[0]["role"] == "system":
            wire[0] = {"role": "system", "content": f"{wire[0]['content']}\n\n{instruction}"}
        else:
            wire.insert(0, {"role": "system", "content": instruction})
    return cast(list[ChatCompletionMessageParam], wire)


def _read_completion(response: ChatCompletion, usage: Usage, default_model: str) -> _Completion:
    usage.calls += 1
    if response.usage is not None:
        usage.prompt_tokens += response.usage.prompt_tokens
        usage.completion_tokens += response.usage.completion_tokens
    if not response.choices:
        return _Completion(text="", finish_reason="stop", model=response.model or default_model)
    choice = response.choices[0]
    details = response.usage.completion_tokens_details if response.usage else None
    return _Completion(
        text=choice.message.content or "",
        finish_reason=str(choice.finish_reason),
        model=response.model or default_model,
        reasoning_tokens=(details.reasoning_tokens or 0) if details else 0,
    )


def _describe(error: ValueError) -> str:
    if isinstance(error, ValidationError):
        problems = [
            f"{'.'.join(str(p) for p in item['loc']) or '(root)'}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        shown = "; ".join(problems[:_MAX_ERRORS_IN_REASK])
        more = len(problems) - _MAX_ERRORS_IN_REASK
        return f"it does not match the schema: {shown}" + (
            f" (and {more} more)" if more > 0 else ""
        )
    if isinstance(error, json.JSONDecodeError):
        return f"it is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
    return str(error)


def _error_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail")
        if message:
            return str(message)[:500]
    return str(error.message)[:500]
