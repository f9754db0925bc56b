"""Who may call, and how often: API keys first, then the rate limit, before the body is read.

Health probes and the API's own documentation stay open. Refusals are typed JSON like every
other error: 401 `unauthorized` (no key, or an unknown one), 403 `forbidden` (a valid key on a
route it is not for), 429 `rate_limited` with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.routing import Mount

from service.api.auth import KeyRing, Verdict, presented_key
from service.api.errors import error_response
from service.api.middleware import ASGIApp, Receive, Scope, Send
from service.api.ratelimit import RateLimiter
from service.api.schemas import ErrorOut
from service.api.viewer import VIEWER_PATHS

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
METRICS_PATH = "/metrics"

_REFUSALS = {
    Verdict.MISSING: (
        401,
        "unauthorized",
        "an API key is required: send `Authorization: Bearer KEY` or `X-API-Key: KEY`",
    ),
    Verdict.INVALID: (401, "unauthorized", "the API key is not valid"),
    Verdict.FORBIDDEN: (403, "forbidden", "this API key may not use this route"),
}


class AccessGuard:
    """ASGI middleware: checks the key, then counts the request against the client's limit."""

    def __init__(
        self,
        app: ASGIApp,
        keys: KeyRing,
        limiter: RateLimiter | None,
        open_paths: Collection[str] = OPEN_PATHS,
    ) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or is_open(path, self.open_paths):
            await self.app(scope, receive, send)
            return
        access = self.keys.check(presented_key(Headers(scope=scope)), metrics=path == METRICS_PATH)
        client = f"key:{access.key_id}" if access.key_id else f"addr:{_address(scope)}"
        # Read back by the request log: who it was, named without the key.
        scope.setdefault("state", {})["client"] = client
        if access.verdict is not Verdict.ALLOWED:
            status, kind, detail = _REFUSALS[access.verdict]
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            await error_response(status, kind, detail, None, headers)(scope, receive, send)
            return
        metered = self.limiter is not None and not _is_job_poll(scope)
        refusal = await self.limiter.hit(client) if metered and self.limiter else None
        if refusal is not None:
            detail = f"rate limit of {refusal.limit} exceeded; retry in {refusal.retry_after_s} s"
            headers = {"Retry-After": str(refusal.retry_after_s)}
            await error_response(429, "rate_limited", detail, None, headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_job_poll(scope: Scope) -> bool:
    # Reading a job back is cheap and a client polls it many times: only POST /jobs, which
    # starts the work, counts against the limit (the key is still checked).
    return scope.get("method") == "GET" and str(scope.get("path", "")).startswith("/jobs/")


def _address(scope: Scope) -> str:
    # The peer as the server saw it; behind a proxy, uvicorn's --forwarded-allow-ips sets it.
    client: Any = scope.get("client")
    return str(client[0]) if client else "unknown"


def open_paths_of(app: FastAPI) -> frozenset[str]:
    """The health probes, the app's own documentation pages and the folders of static files
    they load (an entry ending in "/*" opens everything under that folder), and the evidence
    viewer's files."""
    docs = {app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url}
    # Pages an app class serves itself (fastapi-offline's /docs) are recorded at creation.
    docs |= set(getattr(app.state, "documentation_paths", ()))
    mounts = {f"{route.path}/*" for route in app.routes if isinstance(route, Mount)}
    return OPEN_PATHS | VIEWER_PATHS | {path for path in docs if path} | mounts


def is_open(path: str, open_paths: Collection[str]) -> bool:
    """Whether a path is one of the open ones, or under an open folder ("/static/*")."""
    return path in open_paths or any(
        p.endswith("/*") and path.startswith(p[:-1]) for p in open_paths
    )


def document_access(app: FastAPI, keys: KeyRing, limiter: RateLimiter | None) -> None:
    """State the key schemes and the 401/403/429 answers of guarded routes in the OpenAPI."""
    if not keys.enabled and limiter is None:
        return
    build = app.openapi
    open_paths = open_paths_of(app)
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}

    def openapi() -> dict[str, Any]:
        schema = build()
        if schema.get("x-access-documented"):
            return schema
        schema["x-access-documented"] = True
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).setdefault("ErrorOut", _error_out_schema())
        if keys.enabled:
            components["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            }
        for path, operations in schema.get("paths", {}).items():
            if is_open(path, open_paths):
                continue
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if keys.enabled:
                    operation["security"] = [{"bearer": []}, {"apiKey": []}]
                    responses["401"] = {"description": "No valid API key", **error}
                    responses["403"] = {"description": "Key not valid for this route", **error}
                if limiter is not None and not _is_job_poll(
                    {"method": method.upper(), "path": path}
                ):
                    responses["429"] = {"description": "Over the rate limit", **error}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _error_out_schema() -> dict[str, Any]:
    return ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
