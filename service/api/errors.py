"""Every error the API answers with, as typed JSON: mapped here, in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from service.api.schemas import ErrorOut
from service.errors import ModelUnavailable, ServiceError

log = logging.getLogger("service.api")


def error_response(
    status: int, kind: str, detail: str, field: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON error body every failure is answered with."""
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


async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    """A body that is not JSON (400), or not a valid request (422, naming the field)."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return error_response(
            400, "invalid_json", f"body is not valid JSON: {first.get('msg')}", None
        )
    # With union types (a sentence as text or object) the deepest error names the field.
    deepest = max(errors, key=lambda e: len(e.get("loc", ()))) if errors else first
    location = tuple(deepest.get("loc", ()))
    detail = "; ".join(
        f"{field_path(tuple(e.get('loc', ()))) or 'body'}: {e.get('msg')}" for e in errors[:5]
    )
    return error_response(422, "invalid_request", detail, field_path(location))


async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
    """A typed error: the status and body its class declares."""
    headers = None
    if isinstance(exc, ModelUnavailable) and exc.retry_after is not None:
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    if exc.status_code >= 500:
        log.warning("%s: %s", exc.type, exc.detail)
    return JSONResponse(status_code=exc.status_code, content=exc.body(), headers=headers)


async def bug(_: Request, exc: Exception) -> JSONResponse:
    """Anything else is a bug: logged with its traceback, answered without one."""
    log.exception("unhandled error", exc_info=exc)
    return error_response(
        500, "internal_error", "an internal error occurred; it has been logged", None
    )


def add_error_handlers(app: FastAPI) -> None:
    """Answer every failure of `app` with typed JSON."""
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(ServiceError)(service_error)
    app.exception_handler(Exception)(bug)
