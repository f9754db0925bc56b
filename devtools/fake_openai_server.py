"""Any Model served over the OpenAI wire format, with seeded fault injection.

    python -m devtools.fake_openai_server --port 8081 --fault-rate 0.3

serves the mock model at http://127.0.0.1:8081/v1 (`POST /v1/chat/completions`,
`GET /v1/models`), so the real `openai` SDK path of the service can be run and tested offline.
It lists itself as `mock-server` (MODEL_NAME), not `mock`: `SUMMARIZER_MODEL=mock` selects the
in-process model and never reaches a server, so the service is pointed at this one with
`SUMMARIZER_MODEL=mock-server OPENAI_BASE_URL=http://127.0.0.1:8081/v1`.
The draft type is chosen from the request: `response_format.json_schema.name`, else the title
of a `schema` sent with `json_object` (llama.cpp's form), else the schema the client put in
the prompt. The mock writes the draft's `conflicts` part too (`devtools.served_mock`), and
obeys the list caps (`maxItems`) of the schema it is sent, as a server that constrains output
to the schema does. `--capability` makes the server refuse formats as weaker servers do, and
`--reasoning-tokens N` makes it a reasoning model as OpenAI serves them: it refuses
`max_tokens` and any temperature but 1, and spends N tokens of the limit thinking first.
`GET /_mock/stats` reports what was injected, and every planted sentence, so a benchmark can
prove none of them reached a client; it also lists every call (when it arrived and ended, its
prompt tokens), so a benchmark can count any client's calls and tokens and time the model's
part of a request (`POST /_mock/reset` starts a new count). A chat request that names no draft
(no schema in `response_format` or the prompt, as a plain "summarise this" prompt from any
client) gets a plain-text extractive summary of its last user message.
`--checker yes|no|fail|garbage` serves an independent checker instead, answering every request
the same way (`--checker-style json|word`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from devtools.faults import (
    HTTP_FAULTS,
    FaultConfig,
    FaultKind,
    FaultPlanner,
    body_key,
    invalidate,
    malform,
    parse_kinds,
    parse_script,
    plant,
    truncate,
)
from service.drafting import drafts
from service.errors import ModelError
from service.llm.base import ChatMessage, Model, ModelRequest
from service.text.token_count import count_tokens, encoding

_SCHEMA_BLOCK_RE = re.compile(r"<json_schema>\s*(\{.*?\})\s*</json_schema>", re.DOTALL)
_TASKS = {
    drafts.SummaryDraft: "summarize",
    drafts.RepairDraft: "repair",
}
_REPLY_CACHE_SIZE = 256
# The id listed at /v1/models: its own name, so that it is never mistaken for the in-process mock.
MODEL_NAME = "mock-server"
_ROLES: dict[str, Literal["system", "user", "assistant"]] = {
    "system": "system",
    "user": "user",
    "assistant": "assistant",
}


class Capability(StrEnum):
    """Which structured-output requests the server accepts, like a given real server."""

    JSON_SCHEMA = "json_schema"  # everything (OpenAI, vLLM)
    JSON_OBJECT = "json_object"  # llama.cpp's Python server: json_schema refused with a 500
    TEXT = "text"  # no response_format at all


class _WireMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class ChatCompletionBody(BaseModel):
    """The part of an OpenAI chat completion request the mock reads; the rest is accepted."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[_WireMessage]
    response_format: dict[str, Any] | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    stream: bool | None = None


@dataclass(frozen=True)
class CallRecord:
    """One chat completion request as the server saw it (wall-clock times, for benchmarks)."""

    started: float
    finished: float
    status: int
    prompt_tokens: int
    plain: bool

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


@dataclass
class ServerStats:
    """What the server saw and did, for tests and the fault-injection benchmark."""

    requests: int = 0
    replies_ok: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    refused_formats: int = 0
    refused_parameters: Counter[str] = field(default_factory=Counter)
    planted: set[str] = field(default_factory=set)
    # Checker mode: every claim the server was asked to check, in arrival order.
    claims: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    plain_replies: int = 0
    calls: list[CallRecord] = field(default_factory=list)

    def reset(self) -> None:
        """Forget everything counted so far (requests in flight stay counted as such)."""
        in_flight = self.in_flight
        self.__dict__.update(ServerStats().__dict__)
        self.in_flight = in_flight

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "requests": self.requests,
            "replies_ok": self.replies_ok,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "faults": dict(self.faults),
            "formats": dict(self.formats),
            "refused_formats": self.refused_formats,
            "refused_parameters": dict(self.refused_parameters),
            "planted": sorted(self.planted),
            "claims": list(self.claims),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "plain_replies": self.plain_replies,
            "calls": [call.as_json() for call in self.calls],
        }


class _Refusal(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.code = code


def create_app(
    model: Model | None = None,
    *,
    faults: FaultConfig | None = None,
    capability: Capability = Capability.JSON_SCHEMA,
    model_name: str = MODEL_NAME,
    reasoning_tokens: int | None = None,
    checker: CheckerMode | None = None,
) -> FastAPI:
    """The OpenAI-compatible app serving `model` (the mock model by default), or, with
    `checker`, an independent checker that answers every request as that mode says."""
    served = model if model is not None else _default_model()
    config = faults or FaultConfig()
    planner = FaultPlanner(config)
    stats = ServerStats()
    # The served models are deterministic, so an identical prompt need not be recomputed.
    replies: OrderedDict[str, tuple[BaseModel, str]] = OrderedDict()
    app = FastAPI(title="Mock OpenAI-compatible model server", docs_url=None, redoc_url=None)
    app.state.stats = stats

    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": model_name, "object": "model", "created": 0, "owned_by": "mock"}],
        }

    @app.get("/_mock/stats")
    async def get_stats() -> dict[str, Any]:
        return stats.as_json()

    @app.post("/_mock/reset")
    async def reset_stats() -> dict[str, Any]:
        stats.reset()
        return stats.as_json()

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> JSONResponse:
        started = time.time()
        stats.requests += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            response = await _complete(request)
        except _Refusal as refusal:
            response = _error(
                refusal.status,
                refusal.message,
                kind=refusal.kind,
                param=refusal.param,
                code=refusal.code,
            )
        finally:
            stats.in_flight -= 1
        usage = _usage(response)
        stats.prompt_tokens += usage.get("prompt_tokens", 0)
        stats.completion_tokens += usage.get("completion_tokens", 0)
        stats.calls.append(
            CallRecord(
                started=started,
                finished=time.time(),
                status=response.status_code,
                prompt_tokens=usage.get("prompt_tokens", 0),
                plain=response.headers.get(_PLAIN_HEADER) == "1",
            )
        )
        return response

    async def _complete(request: Request) -> JSONResponse:
        try:
            payload = await request.json()
            body = ChatCompletionBody.model_validate(payload)
        except (ValueError, ValidationError) as e:
            raise _Refusal(400, f"invalid request body: {e}", kind="invalid_request_error") from e
        if body.stream:
            raise _Refusal(400, "streaming is not supported", kind="invalid_request_error")
        fmt = (body.response_format or {}).get("type", "text")
        stats.formats[str(fmt)] += 1
        _check_capability(capability, body, stats)
        if reasoning_tokens is not None:
            _check_reasoning_parameters(body, stats)
        # A checker is asked in plain text, with no schema to tell a draft by.
        schema = _requested_schema(body)
        output_type = _output_type(schema, body) if checker is None else None

        decision = planner.decide(body_key(payload))
        rng = random.Random(decision.rng_seed)
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        fault = decision.fault
        if fault is not None:
            stats.faults[fault.value] += 1
        if fault in HTTP_FAULTS:
            return _http_fault(fault, config.retry_after_s)
        if fault is FaultKind.STALL:
            await asyncio.sleep(config.stall_s)
        if checker is not None:
            return _checker_response(checker, body, stats)
        if output_type is None:
            stats.plain_replies += 1
            return _plain_response(body, reasoning_tokens or 0)

        messages = [
            ChatMessage(role=_ROLES[m.role], content=m.text())
            for m in body.messages
            if m.role in _ROLES
        ]
        prompt = "\n".join(m.content for m in messages)
        limits = _max_items(schema)
        reply_limit = body.max_completion_tokens or body.max_tokens
        cache_key = (
            f"{output_type.__name__}:{body_key(prompt)}:{sorted(limits.items())}:{reply_limit}"
        )
        cached = replies.get(cache_key)
        if cached is None:
            try:
                reply = await served.execute(
                    ModelRequest(
                        task=_TASKS.get(output_type, output_type.__name__),
                        messages=messages,
                        output_type=output_type,
                        temperature=1.0 if body.temperature is None else body.temperature,
                        seed=body.seed or 0,
                        # A server that constrains output to the schema obeys its list caps.
                        max_key_points=limits.get("key_points"),
                        max_quotes=limits.get("quotes"),
                        max_items=limits,
                        # What the model may write (hidden thinking comes out of it too).
                        max_output_tokens=max(
                            1, (reply_limit or _UNLIMITED_REPLY) - (reasoning_tokens or 0)
                        ),
                    )
                )
            except ModelError as e:
                raise _Refusal(400, f"the model cannot answer: {e}", kind="model_error") from e
            cached = (reply.output, reply.output.model_dump_json())
            replies[cache_key] = cached
            if len(replies) > _REPLY_CACHE_SIZE:
                replies.popitem(last=False)
        else:
            replies.move_to_end(cache_key)
        output, content = cached

        finish_reason = "stop"
        if fault is FaultKind.TRUNCATED:
            content = truncate(content, rng)
        elif fault is FaultKind.LENGTH:
            content, finish_reason = truncate(content, rng), "length"
        elif fault is FaultKind.MALFORMED:
            content = malform(content, rng)
        elif fault is FaultKind.INVALID:
            content = invalidate(output, rng)
        elif fault is FaultKind.PLANTED:
            planted_output, planted = plant(output, rng)
            stats.planted.update(planted)
            content = planted_output.model_dump_json()

        # Honour the token limit the client asked for, as a real server does; a reasoning
        # model's hidden thinking counts in it and comes first.
        thinking = reasoning_tokens or 0
        content, completion_tokens, cut = _within_limit(content, body, thinking)
        if cut:
            finish_reason = "length"
        if fault is None and finish_reason == "stop":
            stats.replies_ok += 1
        completion = _completion(
            body.model, content, finish_reason, count_tokens(prompt), completion_tokens
        )
        if reasoning_tokens is not None:
            completion["usage"]["completion_tokens_details"] = {
                "reasoning_tokens": min(thinking, completion_tokens)
            }
        return JSONResponse(completion)

    return app


def _default_model() -> Model:
    # Imported here: the server module must not pull the extractive model in when serving another.
    from devtools.served_mock import ComparingModel

    return ComparingModel()


def _check_capability(capability: Capability, body: ChatCompletionBody, stats: ServerStats) -> None:
    fmt = (body.response_format or {}).get("type", "text")
    if capability is Capability.JSON_OBJECT and fmt == "json_schema":
        stats.refused_formats += 1
        # What llama-cpp-python 0.3's server does (checked against it): its request model
        # rejects the type and its error handler turns the validation error into a 500.
        raise _Refusal(
            500,
            "1 validation error:\n  {'type': 'literal_error', "
            "'loc': ('body', 'response_format', 'type'), "
            "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}",
            kind="internal_server_error",
        )
    if capability is Capability.TEXT and fmt != "text":
        stats.refused_formats += 1
        raise _Refusal(
            400,
            f"response_format of type {fmt!r} is not supported by this model",
            kind="invalid_request_error",
            param="response_format",
        )


def _check_reasoning_parameters(body: ChatCompletionBody, stats: ServerStats) -> None:
    """Refuse what OpenAI's reasoning models refuse, in their words (o1 to gpt-5)."""
    if body.max_tokens is not None:
        stats.refused_parameters["max_tokens"] += 1
        raise _Refusal(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            kind="invalid_request_error",
            param="max_tokens",
            code="unsupported_parameter",
        )
    if body.temperature is not None and body.temperature != 1:
        stats.refused_parameters["temperature"] += 1
        raise _Refusal(
            400,
            f"Unsupported value: 'temperature' does not support {body.temperature!r} with this "
            "model. Only the default (1) value is supported.",
            kind="invalid_request_error",
            param="temperature",
            code="unsupported_value",
        )


def _within_limit(content: str, body: ChatCompletionBody, thinking: int) -> tuple[str, int, bool]:
    """The reply cut to the client's token limit: (content, completion tokens, cut or not)."""
    limit = body.max_completion_tokens or body.max_tokens
    completion_tokens = thinking + count_tokens(content)
    if limit is None or completion_tokens <= limit:
        return content, completion_tokens, False
    room = max(limit - thinking, 0)
    content = encoding().decode(encoding().encode(content, disallowed_special=())[:room])
    return content, limit, True


# The reply limit of a request that sets none.
_UNLIMITED_REPLY = 1_000_000

# Set on plain-text replies, so the call record can tell them from drafts without re-parsing.
_PLAIN_HEADER = "x-mock-plain"
# How many sentences a plain summary keeps: a short summary, as a "concise summary" prompt asks.
PLAIN_SUMMARY_SENTENCES = 3
_WORD_RE = re.compile(r"[^\W\d_]{4,}")


def plain_summary(text: str, sentences: int = PLAIN_SUMMARY_SENTENCES) -> str:
    """An extractive summary: the sentences whose words recur most in `text`, in text order."""
    # Imported here: only plain replies segment text, and pysbd is slow to import.
    from service.ingest.segment import split_sentences

    spans = [span for span in split_sentences(text) if _WORD_RE.search(text[span[0] : span[1]])]
    frequency = Counter(word.lower() for word in _WORD_RE.findall(text))

    def score(span: tuple[int, int]) -> float:
        words = [w.lower() for w in _WORD_RE.findall(text[span[0] : span[1]])]
        return sum(frequency[w] for w in words) / len(words)

    chosen = sorted(sorted(spans, key=score, reverse=True)[:sentences])
    return " ".join(text[start:end] for start, end in chosen)


def _plain_response(body: ChatCompletionBody, thinking: int) -> JSONResponse:
    """A plain-text summary of the last user message, for clients that send no schema."""
    messages = [m.text() for m in body.messages]
    users = [m.text() for m in body.messages if m.role == "user"]
    summary = plain_summary(users[-1] if users else "\n".join(messages))
    content, completion_tokens, cut = _within_limit(summary, body, thinking)
    completion = _completion(
        body.model,
        content,
        "length" if cut else "stop",
        count_tokens("\n".join(messages)),
        completion_tokens,
    )
    return JSONResponse(completion, headers={_PLAIN_HEADER: "1"})


def _usage(response: JSONResponse) -> dict[str, int]:
    """The token usage a reply reports (none for an error)."""
    if response.status_code != 200:
        return {}
    usage: dict[str, int] = json.loads(bytes(response.body)).get("usage") or {}
    return usage


def _requested_schema(body: ChatCompletionBody) -> dict[str, Any]:
    """The JSON Schema the client sent, wherever it put it (response_format, or the prompt)."""
    response_format = body.response_format or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        name = (response_format.get("json_schema") or {}).get("name")
        return {**(schema if isinstance(schema, dict) else {}), "title": name}
    if isinstance(response_format.get("schema"), dict):
        return dict(response_format["schema"])
    for message in body.messages:
        match = _SCHEMA_BLOCK_RE.search(message.text())
        if match is not None:
            try:
                found = json.loads(match.group(1))
            except json.JSONDecodeError:
                continue
            return found if isinstance(found, dict) else {}
    return {}


def _max_items(schema: dict[str, Any]) -> dict[str, int]:
    """The caps the schema puts on its top-level lists, which a constraining server obeys."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    return {
        name: most
        for name, spec in properties.items()
        if isinstance(spec, dict) and isinstance(most := spec.get("maxItems"), int)
    }


def _output_type(schema: dict[str, Any], body: ChatCompletionBody) -> type[BaseModel] | None:
    """The draft class the client asked for, found as a real model would: in the request;
    None when nothing in the request asks for structured output (a plain prompt)."""
    name = schema.get("title")
    if name is None and (body.response_format or {}).get("type", "text") == "text":
        return None
    draft = getattr(drafts, name, None) if isinstance(name, str) else None
    if not (isinstance(draft, type) and issubclass(draft, drafts.Draft)):
        raise _Refusal(
            400,
            f"cannot tell which draft to write (schema name {name!r}); "
            "send response_format json_schema with a draft class name",
            kind="invalid_request_error",
            param="response_format",
        )
    return draft


def _http_fault(fault: FaultKind, retry_after_s: float) -> JSONResponse:
    if fault is FaultKind.RATE_LIMIT:
        response = _error(429, "Rate limit reached (injected)", kind="rate_limit_exceeded")
        response.headers["retry-after"] = f"{retry_after_s:g}"
        return response
    if fault is FaultKind.UNAVAILABLE:
        response = _error(503, "The server is overloaded (injected)", kind="server_error")
        response.headers["retry-after"] = f"{retry_after_s:g}"
        return response
    return _error(500, "The server had an error (injected)", kind="server_error")


def _error(
    status: int, message: str, *, kind: str, param: str | None = None, code: str | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": code}},
        status_code=status,
    )


def _completion(
    model: str, content: str, finish_reason: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-mock-{body_key(content)[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "mock",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


# --- checker mode ------------------------------------------------------------------------
# The server as an independent checker that answers every request the same way: one that
# approves everything (it must not overturn a hard veto), one that rejects everything, one
# whose server fails, one whose replies hold no verdict; in JSON, as an instruct model is asked
# to answer, or in a word, as a MiniCheck model answers.


class CheckerAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    FAIL = "fail"  # a 500 on every request
    GARBAGE = "garbage"  # a reply that is neither a verdict nor yes or no


class CheckerStyle(StrEnum):
    JSON = "json"
    WORD = "word"


@dataclass(frozen=True)
class CheckerMode:
    answer: CheckerAnswer
    style: CheckerStyle = CheckerStyle.JSON


_CLAIM_RE = re.compile(r"^Claim: (.*)$", re.MULTILINE)


def _checker_response(
    mode: CheckerMode, body: ChatCompletionBody, stats: ServerStats
) -> JSONResponse:
    prompt = "\n".join(m.text() for m in body.messages)
    claim = _CLAIM_RE.findall(prompt)
    stats.claims.append(claim[-1] if claim else "")
    if mode.answer is CheckerAnswer.FAIL:
        return _error(500, "The checker had an error (checker mode)", kind="server_error")
    if mode.answer is CheckerAnswer.GARBAGE:
        content = "I am not sure what you would like me to check."
    elif mode.style is CheckerStyle.WORD:
        content = "Yes" if mode.answer is CheckerAnswer.YES else "No"
    else:
        supported = mode.answer is CheckerAnswer.YES
        reason = "all facts stated" if supported else "the document does not state it"
        content = json.dumps({"supported": supported, "reason": reason})
    stats.replies_ok += 1
    return JSONResponse(
        _completion(body.model, content, "stop", count_tokens(prompt), count_tokens(content))
    )


@contextmanager
def serve_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` from a background thread (a free port by default); yields its `/v1` URL."""
    # A short graceful shutdown: a stalled fault reply must not hold the caller at exit.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="mock-model-server", daemon=True)
    thread.start()
    started_by = time.monotonic() + 10.0
    while not server.started:
        if not thread.is_alive() or time.monotonic() > started_by:
            raise RuntimeError(f"the model server did not start on {host}:{port}")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound_port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10.0)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the mock server."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.fake_openai_server",
        description="Serve the mock model over the OpenAI wire format, with fault injection.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--model-name", default=MODEL_NAME, help="id listed at /v1/models")
    parser.add_argument(
        "--capability",
        type=Capability,
        choices=list(Capability),
        default=Capability.JSON_SCHEMA,
        help="structured output accepted: json_schema (all), json_object (like llama.cpp), text",
    )
    parser.add_argument(
        "--reasoning-tokens",
        type=int,
        default=None,
        metavar="N",
        help="act as a reasoning model: refuse max_tokens and temperatures other than 1, "
        "and spend N tokens of the limit thinking before the reply",
    )
    parser.add_argument(
        "--checker",
        type=CheckerAnswer,
        choices=list(CheckerAnswer),
        default=None,
        help="serve an independent checker that answers every request so: yes, no, "
        "fail (500s) or garbage (no verdict)",
    )
    parser.add_argument(
        "--checker-style",
        type=CheckerStyle,
        choices=list(CheckerStyle),
        default=CheckerStyle.JSON,
        help='how the checker answers: json ({"supported": ...}) or word (Yes/No, as MiniCheck)',
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faulty replies")
    parser.add_argument(
        "--faults",
        type=parse_kinds,
        default=parse_kinds("all"),
        help="fault kinds to draw from, comma-separated: "
        + ",".join(k.value for k in FaultKind)
        + " (default: all but stall)",
    )
    parser.add_argument(
        "--script",
        type=parse_script,
        default=(),
        help="faults for the first requests in arrival order, e.g. 429,ok,length",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every reply")
    parser.add_argument("--latency-jitter-ms", type=float, default=0.0, help="random extra")
    parser.add_argument("--retry-after", type=float, default=1.0, help="seconds, on 429/503")
    parser.add_argument("--stall-s", type=float, default=30.0, help="delay of a stall fault")
    parser.add_argument("--log-level", default="warning")
    return parser


def config_from_args(args: argparse.Namespace) -> FaultConfig:
    """The fault configuration the parsed options describe."""
    return FaultConfig(
        fault_rate=args.fault_rate,
        kinds=args.faults,
        script=args.script,
        seed=args.seed,
        latency_s=args.latency_ms / 1000,
        latency_jitter_s=args.latency_jitter_ms / 1000,
        retry_after_s=args.retry_after,
        stall_s=args.stall_s,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted (`python -m devtools.fake_openai_server --help`)."""
    args = build_parser().parse_args(argv)
    app = create_app(
        faults=config_from_args(args),
        capability=args.capability,
        model_name=args.model_name,
        reasoning_tokens=args.reasoning_tokens,
        checker=None if args.checker is None else CheckerMode(args.checker, args.checker_style),
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
