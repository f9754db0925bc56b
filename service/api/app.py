"""The HTTP app: routes, typed JSON errors, the body limit and metrics, the model's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.errors import add_error_handlers
from service.api.middleware import BodyLimit, DisconnectWatch, Metrics
from service.api.routes import ROUTES, router
from service.config import Settings, get_settings
from service.llm.base import Model
from service.registry import build_model

DESCRIPTION = (
    "Summarises a set of news articles about one event. Every returned sentence cites "
    "spans of the sources: `articles[article_id].text[start:end] == citation.text`."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Serve, then close the model's connections when the server stops."""
    yield
    model: Model = app.state.model
    await model.aclose()


def create_app(settings: Settings | None = None, model: Model | None = None) -> FastAPI:
    """The API; settings and model default to the environment's, and can be overridden."""
    app_settings = settings or get_settings()
    app = FastAPI(
        title="Grounded summariser", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = app_settings
    # Built here, not at the first request: a configuration that cannot work stops start-up.
    app.state.model = model or build_model(app_settings)
    app.state.metrics = Metrics(ROUTES)
    add_error_handlers(app)
    app.middleware("http")(app.state.metrics.measure)
    app.include_router(router)
    app.add_middleware(DisconnectWatch)
    app.add_middleware(BodyLimit, max_bytes=app_settings.max_body_bytes)
    return app
