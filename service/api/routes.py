"""The routes: each validates its body, calls one function, and returns its body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.mapping import summarize_request, verify_request
from service.api.middleware import Metrics
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


def get_app_settings(request: Request) -> Settings:
    """The app's settings (override with `app.dependency_overrides`)."""
    settings: Settings = request.app.state.settings
    return settings


def get_model(request: Request) -> Model:
    """The app's model (override with `app.dependency_overrides`)."""
    model: Model = request.app.state.model
    return model


def get_checker(request: Request) -> Checker | None:
    """The app's independent checker, None where none is configured (override as above)."""
    checker: Checker | None = request.app.state.checker
    return checker


def get_metrics(request: Request) -> Metrics:
    """The app's metrics (override with `app.dependency_overrides`)."""
    metrics: Metrics = request.app.state.metrics
    return metrics


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ModelDep = Annotated[Model, Depends(get_model)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
CheckerDep = Annotated[Checker | None, Depends(get_checker)]

router = APIRouter()


@router.post("/summarize", response_model=SummarizeResponse, responses=ERROR_RESPONSES)
async def summarize_route(
    body: SummarizeRequest,
    settings: SettingsDep,
    model: ModelDep,
    metrics: MetricsDep,
    checker: CheckerDep,
) -> SummarizeResponse:
    """Summarise the articles; only verified sentences are returned."""
    response = await summarize_request(body, model=model, settings=settings, checker=checker)
    metrics.record(response)
    return response


@router.post("/verify", response_model=VerifyResponse, responses=ERROR_RESPONSES)
async def verify_route(
    body: VerifyRequest, settings: SettingsDep, metrics: MetricsDep, checker: CheckerDep
) -> VerifyResponse:
    """Check sentences written elsewhere against the articles."""
    response = await verify_request(body, settings, checker)
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
