"""One deadline per request, shared by every model call made inside it.

The pipeline opens it once around all of a request's calls (map, reduce, repair, checks); a
client reads what is left of it to stop retrying when the next wait would outlast it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from service.errors import ModelTimeout

# Monotonic time at which the current request must be done; tasks the request spawns inherit it.
_DEADLINE: ContextVar[float | None] = ContextVar("request_deadline", default=None)


@asynccontextmanager
async def request_deadline(seconds: float) -> AsyncIterator[None]:
    """Bound everything inside to `seconds` in all; running past it raises ModelTimeout (504)."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise ModelTimeout(f"the model did not finish within the {seconds:g}s deadline") from exc
    finally:
        _DEADLINE.reset(token)


def seconds_left() -> float | None:
    """What remains of the current request's deadline, or None outside any request."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()
