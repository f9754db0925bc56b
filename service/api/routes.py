"""The routes: each validates its body, calls one function, and returns its body."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.mapping import verify_request
from service.api.middleware import Metrics
from service.api.response_cache import BodyStore, answer_summarize
from service.api.schemas import (
    ErrorOut,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.config import Settings
from service.llm.base import Model
from service.registry import check_ready

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 413, 422, 500, 502, 503, 504)
}


def get_app_settings(request: Request) -> Settings:
    """The app's settings (override with `app.dependency_overrides`)."""
    settings: Settings = request.app.state.settings
    return settings


def get_model(request: Request) -> Model:
    """The app's model (override with `app.dependency_overrides`)."""
    model: Model = request.app.state.model
    return model


def get_metrics(request: Request) -> Metrics:
    """The app's metrics (override with `app.dependency_overrides`)."""
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_response_cache(request: Request) -> BodyStore | None:
    """The app's response cache, None when it is off (override with `app.dependency_overrides`)."""
    store: BodyStore | None = request.app.state.response_cache
    return store


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ModelDep = Annotated[Model, Depends(get_model)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
CacheDep = Annotated[BodyStore | None, Depends(get_response_cache)]

router = APIRouter()


@router.post("/summarize", response_model=SummarizeResponse, responses=ERROR_RESPONSES)
async def summarize_route(
    body: SummarizeRequest,
    settings: SettingsDep,
    model: ModelDep,
    metrics: MetricsDep,
    cache: CacheDep,
) -> Response:
    """Summarise the articles; only verified sentences are returned."""
    answer = await answer_summarize(body, model=model, settings=settings, store=cache)
    if answer.fresh is not None:  # a cache hit verified nothing and called no model
        metrics.record(answer.fresh)
    return Response(answer.body, media_type="application/json")


@router.post("/verify", response_model=VerifyResponse, responses=ERROR_RESPONSES)
async def verify_route(body: VerifyRequest, settings: SettingsDep) -> VerifyResponse:
    """Check sentences written elsewhere against the articles."""
    return await asyncio.to_thread(verify_request, body, settings)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
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


@router.get("/metrics")
async def metrics_route(metrics: MetricsDep) -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


ROUTES = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
