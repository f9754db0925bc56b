"""The routes: each validates its body, calls one function, and returns its body."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.mapping import verify_request
from service.api.middleware import Metrics
from service.api.response_cache import BodyStore, answer_summarize
from service.api.schemas import (
    ErrorOut,
    ReadyOut,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.config import Settings
from service.llm.base import Model
from service.llm.checker import Checker
from service.pipeline.worker import until_disconnected
from service.registry import check_ready

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 413, 415, 422, 500, 502, 503, 504)
}
METRICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The Prometheus text exposition format",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


# The dependencies are coroutines: FastAPI runs a plain function in a worker thread, a thread
# hop each per request for a field read (and on a fresh server the first hop loaded anyio's
# thread machinery: its first /summarize reached the handler at 11.5 ms, now at 1.7 ms).
async def get_app_settings(request: Request) -> Settings:
    """The app's settings (override with `app.dependency_overrides`)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_model(request: Request) -> Model:
    """The app's model (override with `app.dependency_overrides`)."""
    model: Model = request.app.state.model
    return model


async def get_checker(request: Request) -> Checker | None:
    """The app's independent checker, None where none is configured (override as above)."""
    checker: Checker | None = request.app.state.checker
    return checker


async def get_metrics(request: Request) -> Metrics:
    """The app's metrics (override with `app.dependency_overrides`)."""
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_response_cache(request: Request) -> BodyStore | None:
    """The app's response cache, None when it is off (override with `app.dependency_overrides`)."""
    store: BodyStore | None = request.app.state.response_cache
    return store


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ModelDep = Annotated[Model, Depends(get_model)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
CheckerDep = Annotated[Checker | None, Depends(get_checker)]
CacheDep = Annotated[BodyStore | None, Depends(get_response_cache)]

router = APIRouter()


def _client_gone(request: Request) -> Callable[[], Awaitable[bool]]:
    """Whether the request's client has disconnected (noted by `DisconnectWatch`)."""
    gone: asyncio.Event | None = request.scope.get("state", {}).get("client_gone")

    async def disconnected() -> bool:
        return gone is not None and gone.is_set()

    return disconnected


@router.post("/summarize", response_model=SummarizeResponse, responses=ERROR_RESPONSES)
async def summarize_route(
    request: Request,
    body: SummarizeRequest,
    settings: SettingsDep,
    model: ModelDep,
    metrics: MetricsDep,
    checker: CheckerDep,
    cache: CacheDep,
) -> Response:
    """Summarise the articles; only verified sentences are returned."""
    work = answer_summarize(body, model=model, settings=settings, store=cache, checker=checker)
    answer = await until_disconnected(work, _client_gone(request))
    if answer.fresh is not None:  # a cache hit verified nothing and called no model
        metrics.record(answer.fresh)
    return Response(answer.body, media_type="application/json")


@router.post("/verify", response_model=VerifyResponse, responses=ERROR_RESPONSES)
async def verify_route(
    request: Request,
    body: VerifyRequest,
    settings: SettingsDep,
    metrics: MetricsDep,
    checker: CheckerDep,
) -> VerifyResponse:
    """Check sentences written elsewhere against the articles."""
    work = verify_request(body, settings, checker)
    response = await until_disconnected(work, _client_gone(request))
    metrics.checker.record(response.checker)
    return response


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def readyz(settings: SettingsDep, model: ModelDep) -> JSONResponse:
    """The configured model can be reached."""
    ready, reason = await check_ready(model, settings)
    body = ReadyOut(status="ready" if ready else "unavailable", model=model.name, detail=reason)
    return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())


@router.get("/metrics", response_class=PlainTextResponse, responses=METRICS_RESPONSE)
async def metrics_route(metrics: MetricsDep) -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


ROUTES = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
