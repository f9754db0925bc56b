"""Log lines as JSON (or text), each carrying the id of the request it was written for.

The service logs through the standard library; structlog's `ProcessorFormatter` renders every
record, the server's own included, and adds the request id bound for the running request.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import structlog

HANDLER_NAME = "grounded-summarizer"
# Never rendered, whatever a caller passes: credentials have no business in a log.
SECRET_FIELDS = frozenset({"authorization", "api_key", "x_api_key", "x-api-key", "key", "password"})


def drop_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: blank any field named like a credential."""
    for name in SECRET_FIELDS & event.keys():
        event[name] = "[redacted]"
    return event


def drop_color_message(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: uvicorn's copy of each message with terminal colours is noise."""
    event.pop("color_message", None)
    return event


def _formatter(fmt: Literal["json", "text"]) -> structlog.stdlib.ProcessorFormatter:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_color_message,
            drop_secrets,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure_logging(
    fmt: Literal["json", "text"] = "json", level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Render every log record of the process to `stream` (stderr): one JSON object a line."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_formatter(fmt))
    handler.setLevel(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The server's loggers go through the same handler; its access log gives way to ours,
    # which carries the request id, the client and the body size.
    for name in ("uvicorn", "uvicorn.error"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.setLevel(logging.NOTSET)  # SUMMARIZER_LOG_LEVEL decides, at the root
        server_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def bind_request_id(request_id: str) -> None:
    """Every record logged from here on in this context carries `request_id`."""
    structlog.contextvars.bind_contextvars(request_id=request_id)


def unbind_request_id() -> None:
    """Records logged from here on no longer carry a request id."""
    structlog.contextvars.unbind_contextvars("request_id")
