"""HTTP layer: validate, call one domain function, map typed errors to JSON in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from service.api.schemas import (
    ErrorOut,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.config import Settings, get_settings
from service.errors import ModelUnavailable, ServiceError
from service.llm.base import Model
from service.pipeline.summarize import summarize, verify_sentences
from service.registry import build_model, check_ready

log = logging.getLogger("service.api.app")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 413, 422, 500, 502, 503, 504)
}


class BodyLimit:
    """Rejects request bodies over the limit with 413, before they are read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        # Read the body first (bounded), then replay it: the limit holds for chunked uploads too.
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replayed_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed_receive, send)

    async def _reject(self, send: Send) -> None:
        response = _error(
            413,
            "payload_too_large",
            f"request body exceeds the limit of {self.max_bytes} bytes",
            None,
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _error(
    status: int, kind: str, detail: str, field: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorOut(type=kind, detail=detail, field=field).model_dump(exclude_none=True)
    return JSONResponse(status_code=status, content=body, headers=headers)


def field_path(loc: tuple[int | str, ...]) -> str | None:
    """`("body", "articles", 0, "text")` -> `articles[0].text` (union type tags dropped)."""
    path = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "str" or part[:1].isupper() or "[" in part:
            continue
        else:
            path += f".{part}" if path else part
    return path or None


def get_app_settings(request: Request) -> Settings:
    """The app's settings (override with `app.dependency_overrides`)."""
    settings: Settings = request.app.state.settings
    return settings


def get_model(request: Request) -> Model:
    """The app's model (override with `app.dependency_overrides`)."""
    model: Model = request.app.state.model
    return model


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ModelDep = Annotated[Model, Depends(get_model)]


class Metrics:
    """The service's Prometheus metrics, in a registry of the app's own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_seconds", "Request latency", ["route"], registry=self.registry
        )
        self.sentences = Counter(
            "summary_sentences_total",
            "Summary sentences verified",
            ["outcome"],
            registry=self.registry,
        )
        self.model_calls = Counter("model_calls_total", "Model calls", registry=self.registry)
        self.tokens = Counter(
            "model_tokens_total", "Model tokens", ["kind"], registry=self.registry
        )
        self.fallbacks = Counter(
            "summary_fallbacks_total", "Extractive fallbacks", registry=self.registry
        )

    def record(self, response: SummarizeResponse) -> None:
        report = response.verification
        self.sentences.labels("returned").inc(report.passed + report.repaired)
        self.sentences.labels("dropped").inc(len(report.dropped))
        self.model_calls.inc(response.run.calls)
        self.tokens.labels("prompt").inc(response.run.prompt_tokens)
        self.tokens.labels("completion").inc(response.run.completion_tokens)
        if response.run.fallback:
            self.fallbacks.inc()


def create_app(settings: Settings | None = None, model: Model | None = None) -> FastAPI:
    """The API; settings and model default to the environment's, and can be overridden."""
    app_settings = settings or get_settings()
    app_model = model or build_model(app_settings)
    metrics = Metrics()
    app = FastAPI(
        title="Grounded summariser",
        version="0.1.0",
        description=(
            "Summarises a set of news articles about one event. Every returned sentence cites "
            "spans of the sources: `articles[article_id].text[start:end] == citation.text`."
        ),
    )
    app.state.settings = app_settings
    app.state.model = app_model

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
        if first.get("type") == "json_invalid":
            return _error(400, "invalid_json", f"body is not valid JSON: {first.get('msg')}", None)
        # With union types (a sentence as text or object) the deepest error names the field.
        deepest = max(errors, key=lambda e: len(e.get("loc", ()))) if errors else first
        location = tuple(deepest.get("loc", ()))
        detail = "; ".join(
            f"{field_path(tuple(e.get('loc', ()))) or 'body'}: {e.get('msg')}" for e in errors[:5]
        )
        return _error(422, "invalid_request", detail, field_path(location))

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        headers = None
        if isinstance(exc, ModelUnavailable) and exc.retry_after is not None:
            headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
        if exc.status_code >= 500:
            log.warning("model error: %s: %s", exc.type, exc.detail)
        body = exc.body()
        return JSONResponse(status_code=exc.status_code, content=body, headers=headers)

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error(500, "internal_error", "an internal error occurred; it has been logged", None)

    @app.middleware("http")
    async def _measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.url.path if request.url.path in _ROUTES else "other"
        metrics.requests.labels(route, str(response.status_code)).inc()
        metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response

    @app.post("/summarize", response_model=SummarizeResponse, responses=ERROR_RESPONSES)
    async def summarize_route(
        body: SummarizeRequest, settings: SettingsDep, model: ModelDep
    ) -> SummarizeResponse:
        """Summarise the articles; only verified sentences are returned."""
        response = await summarize(body, model=model, settings=settings)
        metrics.record(response)
        return response

    @app.post("/verify", response_model=VerifyResponse, responses=ERROR_RESPONSES)
    async def verify_route(body: VerifyRequest, settings: SettingsDep) -> VerifyResponse:
        """Check sentences written elsewhere against the articles."""
        return await asyncio.to_thread(verify_sentences, body, settings)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(settings: SettingsDep, model: ModelDep) -> JSONResponse:
        """The configured model can be reached."""
        ready, reason = await check_ready(model, settings)
        return JSONResponse(
            status_code=200 if ready else 503,
            content={
                "status": "ready" if ready else "unavailable",
                "model": model.name,
                "detail": reason,
            },
        )

    @app.get("/metrics")
    async def metrics_route() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodyLimit, max_bytes=app_settings.max_body_bytes)
    return app


_ROUTES = {"/summarize", "/verify", "/healthz", "/readyz", "/metrics"}
