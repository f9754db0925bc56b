"""Every error the API answers with, as typed JSON: mapped here, in one place."""

from __future__ import annotations

import email.message
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from service.api.asgi import HttpMiddleware
from service.api.schemas import ErrorOut
from service.errors import ModelUnavailable, ServiceError

log = logging.getLogger("service.api")

# Starlette's own errors (no such route, wrong method) by status; others read `http_<status>`.
HTTP_ERROR_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def printable(text: str) -> str:
    """`text` with any lone surrogate escaped: an error may quote input a response can't encode."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_response(
    status: int, kind: str, detail: str, field: str | None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The JSON error body every failure is answered with."""
    body = ErrorOut(
        type=kind, detail=printable(detail), field=printable(field) if field else None
    ).model_dump(exclude_none=True)
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


def _relevant(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """With a union (a sentence as text or object) each branch reports; where one branch's
    error says more than "wrong type", the other branch's "wrong type" is noise."""
    paths = [field_path(tuple(e.get("loc", ()))) for e in errors]
    wrong_type = [e["type"].endswith("_type") for e in errors]
    telling = {p for p, wrong in zip(paths, wrong_type, strict=True) if not wrong}
    kept = [
        e
        for p, e, wrong in zip(paths, errors, wrong_type, strict=True)
        if not (wrong and p in telling)
    ]
    return kept or errors


async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    """A body that is not JSON (400), or not a valid request (422, naming the field)."""
    errors = [dict(e) for e in exc.errors()]
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return error_response(
            400, "invalid_json", f"body is not valid JSON: {first.get('msg')}", None
        )
    errors = _relevant(errors)
    # With union types (a sentence as text or object) the deepest error names the field.
    deepest = max(errors, key=lambda e: len(e.get("loc", ()))) if errors else first
    location = tuple(deepest.get("loc", ()))
    detail = "; ".join(
        f"{field_path(tuple(e.get('loc', ()))) or 'body'}: {e.get('msg')}" for e in errors[:5]
    )
    return error_response(422, "invalid_request", detail, field_path(location))


def declared_charset(request: Request) -> str | None:
    """The `charset` parameter of the request's Content-Type, when it names one."""
    message = email.message.Message()
    message["content-type"] = request.headers.get("content-type", "")
    return message.get_content_charset()


def unreadable_body(request: Request, cause: BaseException) -> JSONResponse:
    """A JSON body that could not even be decoded: not UTF-8, or nested past the parser."""
    if isinstance(cause, UnicodeDecodeError):
        detail = (
            f"body is not valid UTF-8 (byte 0x{cause.object[cause.start]:02x} at offset "
            f"{cause.start}); JSON bodies must be UTF-8 (RFC 8259)"
        )
        charset = declared_charset(request)
        if charset not in (None, "utf-8", "utf8"):
            detail += f", whatever the declared charset ({charset})"
        return error_response(400, "invalid_encoding", detail, None)
    if isinstance(cause, RecursionError):
        return error_response(400, "invalid_json", "body is nested too deeply to parse", None)
    log.warning("unparsable body: %r", cause)
    return error_response(400, "invalid_json", f"body could not be parsed ({cause})", None)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own errors (no route, wrong method, an unreadable body) as typed JSON."""
    # FastAPI raises a bare 400 "from" whatever stopped it decoding the body.
    if exc.status_code == 400 and exc.__cause__ is not None:
        return unreadable_body(request, exc.__cause__)
    headers = dict(exc.headers or {})
    allowed = next((v for k, v in headers.items() if k.lower() == "allow"), "")
    path = request.url.path[:200]
    if exc.status_code == 404 and exc.detail == "Not Found":
        detail = f"no such path: {path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {path}; allowed: {allowed}"
    else:
        detail = str(exc.detail)
    kind = HTTP_ERROR_TYPES.get(exc.status_code, f"http_{exc.status_code}")
    return error_response(exc.status_code, kind, detail, None, headers=headers)


async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
    """A typed error: the status and body its class declares."""
    headers = None
    if isinstance(exc, ModelUnavailable) and exc.retry_after is not None:
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    if exc.status_code >= 500:
        log.warning("%s: %s", exc.type, exc.detail)
    body = {k: printable(v) if isinstance(v, str) else v for k, v in exc.body().items()}
    return JSONResponse(status_code=exc.status_code, content=body, headers=headers)


async def bug(_: Request, exc: Exception) -> JSONResponse:
    """Anything else is a bug: logged with its traceback, answered without one."""
    log.exception("unhandled error", exc_info=exc)
    return error_response(
        500, "internal_error", "an internal error occurred; it has been logged", None
    )


class BugsAsErrors(HttpMiddleware):
    """Answers a bug in a route with the typed 500 and keeps the connection open.

    Starlette's outermost handler answers too, but then re-raises, and uvicorn closes the
    connection on an exception: the client's next request on it would fail.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            if started:  # half a response is out: only closing the connection can end it
                raise
            response = await bug(Request(scope), exc)
            await response(scope, receive, send)


def add_error_handlers(app: FastAPI) -> None:
    """Answer every failure of `app` with typed JSON."""
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(HTTPException)(http_error)
    app.exception_handler(ServiceError)(service_error)
    app.exception_handler(Exception)(bug)
