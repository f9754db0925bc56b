"""Counter hooks: what happens below the API (cache lookups, retries, checker calls, how long
each stage of the pipeline took) is counted.

The stages call the functions here; the API sets, for each request, the recorder they reach
(its Prometheus metrics). Outside a request (the CLI) nothing records, and nothing is paid.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, Protocol

RetryReason = Literal["transport", "invalid_output"]
# The pipeline's stages of the service's own work: before the first model call (ingest,
# grouping, planning the calls), beside the calls (the verifier's index), after them
# (verifying a draft).
Stage = Literal["ingest", "grouping", "plan", "index", "verify"]


class Recorder(Protocol):
    """Where the counts of one request go."""

    def cache_lookup(self, cache: str, *, hit: bool) -> None:
        """A lookup in the named cache, found or not."""

    def model_retry(self, reason: RetryReason) -> None:
        """A model call sent again: after a transport failure, or to re-ask on bad output."""

    def checker_call(self) -> None:
        """One call to the independent checker model."""

    def stage_time(self, stage: Stage, seconds: float) -> None:
        """How long one stage of the pipeline took (wall time)."""


class _Nothing:
    def cache_lookup(self, cache: str, *, hit: bool) -> None:
        return None

    def model_retry(self, reason: RetryReason) -> None:
        return None

    def checker_call(self) -> None:
        return None

    def stage_time(self, stage: Stage, seconds: float) -> None:
        return None


# A context variable: asyncio tasks and `asyncio.to_thread` copy it, so work a request fans
# out still reaches that request's recorder.
_NOTHING: Recorder = _Nothing()
_current: ContextVar[Recorder] = ContextVar("telemetry_recorder", default=_NOTHING)


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Send the counts of the code run inside the block to `recorder`."""
    token = _current.set(recorder)
    try:
        yield
    finally:
        _current.reset(token)


def cache_lookup(cache: str, *, hit: bool) -> None:
    """Count a lookup in the named cache."""
    _current.get().cache_lookup(cache, hit=hit)


def model_retry(reason: RetryReason) -> None:
    """Count a model call sent again."""
    _current.get().model_retry(reason)


def checker_call() -> None:
    """Count a call to the independent checker model (the checker stage calls this)."""
    _current.get().checker_call()


@contextmanager
def timed(stage: Stage) -> Iterator[None]:
    """Time the block as one `stage` of the request (its wall time, failures included)."""
    recorder = _current.get()
    started = time.perf_counter()
    try:
        yield
    finally:
        recorder.stage_time(stage, time.perf_counter() - started)
