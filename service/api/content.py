"""What a request body may be: JSON, as sent (no content-coding), or it is refused with a 415."""

from __future__ import annotations

import email.message

from starlette.types import Receive, Scope, Send

from service.api.asgi import HttpMiddleware
from service.api.errors import error_response


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or any `application/*+json`, whatever its parameters."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class JsonBodiesOnly(HttpMiddleware):
    """Refuses compressed bodies (415, `Accept-Encoding: identity`) and bodies not declared as
    JSON (415), before they are read: FastAPI would not parse them, and the error it then
    gives does not say why."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        encoding = headers.get(b"content-encoding", "").strip().lower()
        content_type = headers.get(b"content-type")
        has_body = headers.get(b"content-length", "0") != "0" or b"transfer-encoding" in headers
        if encoding not in ("", "identity"):
            response = error_response(
                415,
                "unsupported_content_encoding",
                f"Content-Encoding {encoding!r} is not supported: send the body uncompressed",
                None,
                headers={"Accept-Encoding": "identity"},
            )
        elif has_body and not is_json_media_type(content_type or ""):
            declared = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
            response = error_response(
                415,
                "unsupported_media_type",
                f"a body with {declared} is not read: send it as application/json",
                None,
            )
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
