"""The HTTP app: routes, typed JSON errors, keys, limits, logs, metrics, the model's lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from service.api.access import AccessGuard, document_access, open_paths_of
from service.api.auth import KeyRing
from service.api.content import JsonBodiesOnly
from service.api.errors import BugsAsErrors, add_error_handlers
from service.api.jobs import JOB_ROUTES, install_jobs
from service.api.logs import configure_logging
from service.api.middleware import BodyLimit, DisconnectWatch, MeasureRequests, Metrics
from service.api.ratelimit import RateLimiter
from service.api.request_context import RequestContext, keep_request_id_on_errors
from service.api.response_cache import BodyStore, build_store
from service.api.routes import ROUTES, router
from service.api.viewer import router as viewer_router
from service.config import Settings, get_settings
from service.llm.base import Model
from service.llm.checker import Checker
from service.pipeline.processes import start_pool
from service.pipeline.warm_up import warm_up
from service.registry import build_checker, build_model

DESCRIPTION = (
    "Summarises a set of news articles about one event. Every returned sentence cites "
    "spans of the sources: `articles[article_id].text[start:end] == citation.text`."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Set up the logs, serve, then close the model's (and the checker's) connections when the
    server stops."""
    settings: Settings = app.state.settings
    configure_logging(settings.log_format, settings.log_level)
    limiter: RateLimiter | None = app.state.limiter
    logging.getLogger("service.api").info(
        "serving",
        extra={
            "model": app.state.model.name,
            "api_keys": len(app.state.keys.client_digests),
            "rate_limit": settings.rate_limit,
            "rate_limit_store": limiter.backend if limiter else None,
        },
    )
    # Before the first request, not in it: a fresh server's first request paid about 300 ms
    # more for what this loads (`benchmarks.bench_overhead`, "first request" row).
    await asyncio.to_thread(warm_up, settings)
    # Large sets are ingested in processes of their own: started now, and ready before the
    # first request (they live as long as this process).
    await asyncio.to_thread(start_pool, settings)
    yield
    await app.state.jobs.aclose()
    store: BodyStore | None = app.state.response_cache
    if store is not None:
        await store.aclose()
    model: Model = app.state.model
    await model.aclose()
    checker: Checker | None = app.state.checker
    if checker is not None:
        await checker.aclose()


def create_app(
    settings: Settings | None = None, model: Model | None = None, checker: Checker | None = None
) -> FastAPI:
    """The API; settings, model and checker default to the environment's, and can be
    overridden."""
    app_settings = settings or get_settings()
    # /docs and /redoc load their scripts and styles from the package, not a CDN, and Swagger
    # UI's online spec validator is off: the pages work offline.
    app = FastAPIOffline(
        title="Grounded summariser",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},
    )
    # What the app serves before any of ours is documentation: open even when keys are on.
    app.state.documentation_paths = frozenset(
        path for route in app.routes if isinstance(path := getattr(route, "path", None), str)
    )
    app.state.settings = app_settings
    # Built here, not at the first request: a configuration that cannot work stops start-up.
    app.state.model = model or build_model(app_settings)
    app.state.checker = checker or build_checker(app_settings)
    app.state.metrics = Metrics(ROUTES | JOB_ROUTES)
    app.state.keys = KeyRing.from_settings(app_settings)
    app.state.limiter = RateLimiter.from_settings(app_settings)
    add_error_handlers(app)
    keep_request_id_on_errors(app)
    # Innermost: a bug is answered here, so the metrics count it and the connection stays open.
    app.add_middleware(BugsAsErrors)
    app.state.response_cache = build_store(app_settings)
    app.include_router(router)
    app.include_router(viewer_router)
    install_jobs(app, app_settings, app.state.model, app.state.response_cache, app.state.checker)
    document_access(app, app.state.keys, app.state.limiter)
    # The last added runs first: request id and log line, metrics, keys and rate limit (before
    # the body is read), the body limit, then the JSON-only check.
    app.add_middleware(JsonBodiesOnly)
    # Notes a client that leaves, for the routes to stop its work (`until_disconnected`).
    app.add_middleware(DisconnectWatch)
    app.add_middleware(BodyLimit, max_bytes=app_settings.max_body_bytes)
    app.add_middleware(
        AccessGuard,
        keys=app.state.keys,
        limiter=app.state.limiter,
        open_paths=open_paths_of(app),
    )
    app.add_middleware(MeasureRequests, metrics=app.state.metrics)
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    return app
