"""Progress lines on stderr: the pipeline's own messages and every model call, timed."""

from __future__ import annotations

import asyncio
import sys
import time

from service.errors import ModelError
from service.llm.base import Model, ModelReply, ModelRequest, OutputT
from service.text.token_count import count_tokens


class Reporter:
    """Prints `[  12.3s] message` lines, timed from when it was made."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


class ReportingModel:
    """A model that says when each call starts and how it ended: seconds, tokens, or the error.

    A call to a model on a CPU can take minutes; without these lines a slow call looks hung.
    """

    def __init__(self, inner: Model, report: Reporter) -> None:
        self.inner = inner
        self.report = report
        self.name = inner.name
        self.profile = inner.profile
        self.context_tokens = inner.context_tokens
        self.calls = 0

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Delegate one call, reporting it before and after."""
        self.calls += 1
        label = f"model call {self.calls} ({request.task})"
        prompt = sum(count_tokens(m.content) for m in request.messages)
        self.report(f"{label}: asking {self.name}, a prompt of about {prompt} tokens")
        started = time.monotonic()
        try:
            reply = await self.inner.execute(request)
        except ModelError as exc:
            self.report(f"{label}: failed after {time.monotonic() - started:.1f}s ({exc.type})")
            raise
        except asyncio.CancelledError:
            # The request's deadline (or an interrupt) stopped the call.
            self.report(f"{label}: stopped after {time.monotonic() - started:.1f}s")
            raise
        usage = reply.usage
        attempts = f", {usage.calls} attempts" if usage.calls > 1 else ""
        self.report(
            f"{label}: answered in {time.monotonic() - started:.1f}s "
            f"({usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens"
            f"{attempts})"
        )
        return reply

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()
