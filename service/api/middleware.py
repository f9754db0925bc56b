"""What wraps every request: the body-size limit, and the Prometheus metrics."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from service.api.asgi import HttpMiddleware
from service.api.errors import error_response
from service.api.schemas import CheckerReportOut, SummarizeResponse
from service.telemetry import RetryReason, Stage

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit(HttpMiddleware):
    """Rejects request bodies over the limit with 413, before they are read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        response = error_response(
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


class DisconnectWatch(HttpMiddleware):
    """Notes when the client goes away (`scope["state"]["client_gone"]`), so that work nobody
    waits for can be cancelled. The routes read the body once and then wait on the model; this
    watcher is what still listens for the disconnect message meanwhile."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()
        scope.setdefault("state", {})["client_gone"] = gone
        watcher: asyncio.Task[Message] | None = None

        async def watch() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
            return message

        async def watched_receive() -> Message:
            nonlocal watcher
            if watcher is not None:
                # Once the body is in, the one message left is the disconnect: every reader
                # shares the watcher's.
                return await asyncio.shield(watcher)
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
            elif not message.get("more_body", False):
                watcher = asyncio.ensure_future(watch())
            return message

        try:
            await self.app(scope, watched_receive, send)
        finally:
            if watcher is not None:
                watcher.cancel()


class Metrics:
    """The service's Prometheus metrics, in a registry of the app's own."""

    def __init__(self, routes: Collection[str]) -> None:
        # Other paths share one label, so that probing for URLs cannot grow the registry. A
        # path with parameters ("/jobs/{job_id}") is its template's label.
        self.routes = routes
        self._templates = [
            (re.compile(re.sub(r"\\{[^}/]+\\}", "[^/]+", re.escape(route)) + "$"), route)
            for route in routes
            if "{" in route
        ]
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
        # Fed through service.telemetry by the stages below the API.
        self.cache_lookups = Counter(
            "cache_lookups_total", "Cache lookups", ["cache", "outcome"], registry=self.registry
        )
        self.retries = Counter(
            "model_retries_total", "Model calls sent again", ["reason"], registry=self.registry
        )
        self.checker_calls = Counter(
            "checker_calls_total", "Independent checker model calls", registry=self.registry
        )
        self.checker = CheckerMetrics(self.registry)
        self.stages = Histogram(
            "pipeline_stage_seconds",
            "Time in each stage of the service's own work (ingest, grouping, plan: before the "
            "first model call; index: beside the calls; verify: after a draft)",
            ["stage"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.request_bytes = Histogram(
            "http_request_bytes",
            "Request body size",
            ["route"],
            buckets=(1e2, 1e3, 1e4, 1e5, 1e6, 5e6, 2e7),
            registry=self.registry,
        )

    def cache_lookup(self, cache: str, *, hit: bool) -> None:
        """A lookup in the named cache (service.telemetry.Recorder)."""
        self.cache_lookups.labels(cache, "hit" if hit else "miss").inc()

    def model_retry(self, reason: RetryReason) -> None:
        """A model call sent again (service.telemetry.Recorder)."""
        self.retries.labels(reason).inc()

    def checker_call(self) -> None:
        """A call to the checker model (service.telemetry.Recorder)."""
        self.checker_calls.inc()

    def stage_time(self, stage: Stage, seconds: float) -> None:
        """One stage of a request's pipeline (service.telemetry.Recorder)."""
        self.stages.labels(stage).observe(seconds)

    def observe_request_size(self, path: str, size: int) -> None:
        """One request's body size, by route."""
        self.request_bytes.labels(self.route(path)).observe(size)

    def route(self, path: str) -> str:
        """The route label of `path`: unknown paths share one."""
        if path in self.routes:
            return path
        return next((route for shape, route in self._templates if shape.match(path)), "other")

    def record(self, response: SummarizeResponse) -> None:
        """Count one summary's sentences, model calls and tokens."""
        report = response.verification
        self.sentences.labels("returned").inc(report.passed + report.judged + report.repaired)
        self.sentences.labels("dropped").inc(len(report.dropped))
        self.model_calls.inc(response.run.calls)
        self.tokens.labels("prompt").inc(response.run.prompt_tokens)
        self.tokens.labels("completion").inc(response.run.completion_tokens)
        if response.run.fallback:
            self.fallbacks.inc()
        self.checker.record(response.verification.checker)


class MeasureRequests(HttpMiddleware):
    """Counts each request by route and status, and times it.

    A plain ASGI middleware: it watches the response start go by. Starlette's
    `BaseHTTPMiddleware` (`app.middleware("http")`) would run the app in a task of its own and
    stream the body through a queue, a tenth of a warm request's own CPU.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def watched_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        finally:
            route = self.metrics.route(scope["path"])
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)


# --- the independent checker ---------------------------------------------------------------


class CheckerMetrics:
    """The independent checker's verdicts and latency, from /summarize and /verify (its calls
    are `checker_calls_total`, counted through service.telemetry as they are made)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.verdicts = Counter(
            "checker_verdicts_total",
            "Sentences the independent checker was asked about, by why and by its answer",
            ["rules", "answer"],
            registry=registry,
        )
        self.overturned = Counter(
            "checker_overturned_total",
            "Rules' decisions the independent checker changed",
            registry=registry,
        )
        self.latency = Histogram(
            "checker_call_seconds", "Latency of one independent-checker call", registry=registry
        )

    def record(self, report: CheckerReportOut | None) -> None:
        """Count one response's checks (nothing where no checker is configured)."""
        if report is None:
            return
        for verdict in report.verdicts:
            self.verdicts.labels(verdict.rules, verdict.answer).inc()
            self.latency.observe(verdict.latency_ms / 1000)
        self.overturned.inc(report.overturned)
