"""Each request's id (`X-Request-ID`, in every response and every log line), size and log line.

A sane incoming id (a proxy's, a client's) is kept, so one id follows a request across
services; anything else is replaced by a fresh one.
"""

from __future__ import annotations

import inspect
import logging
import re
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import Headers, MutableHeaders

from service import telemetry
from service.api.asgi import HttpMiddleware
from service.api.logs import bind_request_id, unbind_request_id
from service.api.middleware import ASGIApp, Message, Metrics, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a little punctuation, at most 128: safe in a header and in a log line.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")

access_log = logging.getLogger("service.access")


def request_id_for(incoming: str | None) -> str:
    """The incoming id when it is sane, else a fresh random one."""
    if incoming is not None and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContext(HttpMiddleware):
    """ASGI middleware (outermost of the app's): id, request log line, size metric, counters."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        request_id = request_id_for(headers.get(REQUEST_ID_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        bind_request_id(request_id)
        started = time.perf_counter()
        seen = {"bytes": 0, "status": 500}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with telemetry.recording(self.metrics):
            try:
                await self.app(scope, counting_receive, send_with_id)
            finally:
                declared = headers.get("content-length", "")
                size = int(declared) if declared.isdigit() else seen["bytes"]
                self._finish(scope, seen["status"], size, time.perf_counter() - started)
        # Left bound when the app raised: the bug handler's log line still names the request.
        unbind_request_id()

    def _finish(self, scope: Scope, status: int, size: int, seconds: float) -> None:
        path = scope.get("path", "")
        self.metrics.observe_request_size(path, size)
        access_log.info(
            "request",
            extra={
                "method": scope.get("method"),
                "path": path,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "request_bytes": size,
                "client": scope.get("state", {}).get("client") or _address(scope),
            },
        )


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"addr:{client[0]}" if client else "addr:unknown"


def keep_request_id_on_errors(app: FastAPI) -> None:
    """Give the 500 answered for a bug the request's id too.

    Starlette sends that response from its outermost middleware, outside every middleware an
    app adds, so the id is added by the handler: the registered one, wrapped.
    """
    handler = app.exception_handlers.get(Exception)
    if handler is None:
        return

    async def with_request_id(request: Request, exc: Exception) -> Response:
        answered = handler(request, exc)
        response = await answered if inspect.isawaitable(answered) else answered
        request_id = getattr(request.state, "request_id", None)
        if request_id is not None:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    app.exception_handlers[Exception] = with_request_id
