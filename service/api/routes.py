"""The routes: each validates its body, calls one function, and returns its body."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.mapping import summarize_request, verify_request
from service.api.middleware import Metrics
from service.api.schemas import (
    ErrorOut,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.config import Settings
from service.llm.base import Model
from service.pipeline.worker import in_worker, until_disconnected
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


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ModelDep = Annotated[Model, Depends(get_model)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]

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
) -> SummarizeResponse:
    """Summarise the articles; only verified sentences are returned."""
    work = summarize_request(body, model=model, settings=settings)
    response = await until_disconnected(work, _client_gone(request))
    metrics.record(response)
    return response


@router.post("/verify", response_model=VerifyResponse, responses=ERROR_RESPONSES)
async def verify_route(
    request: Request, body: VerifyRequest, settings: SettingsDep
) -> VerifyResponse:
    """Check sentences written elsewhere against the articles."""
    work = in_worker(verify_request, body, settings)
    return await until_disconnected(work, _client_gone(request))


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
