"""Jobs run in the server process: the default when no Redis is configured.

Bounded: at most `job_max_pending` jobs wait or run at once (then 503 `jobs_busy`), and
`job_concurrency` of them run together. A finished job is kept for `job_ttl_s`, and at most
MAX_FINISHED finished jobs are kept (the oldest go first). A job lives in this process only:
a restart loses it, and another replica does not know it. Redis is for jobs that must outlive
the process or be read from any replica.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from service.jobs.records import (
    JobRecord,
    JobRunner,
    JobsBusy,
    keep_latest,
    new_job_id,
    run_to_outcome,
)

MAX_FINISHED = 1_000


@dataclass
class _Job:
    record: JobRecord
    request: dict[str, Any]
    steps: list[str] = field(default_factory=list)
    finished_at: float | None = None

    def snapshot(self) -> JobRecord:
        return replace(self.record, steps=tuple(self.steps))


class EmbeddedJobs:
    """An in-process job queue with the same interface as the Redis one."""

    backend = "embedded"

    def __init__(
        self,
        runner: JobRunner,
        *,
        concurrency: int,
        max_pending: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runner = runner
        self.max_pending = max_pending
        self.ttl_s = ttl_s
        self.clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._jobs: dict[str, _Job] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker = f"{socket.gethostname()}:{os.getpid()}"

    @property
    def pending(self) -> int:
        """Jobs queued or running now."""
        return len(self._jobs) - len(self._finished)

    async def submit(self, request: dict[str, Any]) -> JobRecord:
        """Queue a job and start it as soon as a slot frees; 503 when the queue is full."""
        self._expire()
        if self.pending >= self.max_pending:
            raise JobsBusy(
                f"{self.pending} jobs are queued or running, the most this server holds; "
                "retry later",
            )
        job = _Job(JobRecord(id=new_job_id(), status="queued"), request)
        self._jobs[job.record.id] = job
        task = asyncio.get_running_loop().create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job.snapshot()

    async def get(self, job_id: str) -> JobRecord | None:
        """The job's record, or None when it is unknown or expired."""
        self._expire()
        job = self._jobs.get(job_id)
        return job.snapshot() if job is not None else None

    async def _run(self, job: _Job) -> None:
        async with self._slots:
            job.record = replace(job.record, status="running", worker=self._worker)
            outcome = await run_to_outcome(
                self.runner, job.request, lambda message: keep_latest(job.steps, message)
            )
        done = outcome.status == "done"
        job.record = replace(
            job.record,
            status=outcome.status,
            result=outcome.body if done else None,
            error=None if done else outcome.body,
        )
        job.request = {}  # the articles are not needed any more
        job.finished_at = self.clock()
        self._finished[job.record.id] = None
        self._expire()

    def _expire(self) -> None:
        now = self.clock()
        while self._finished:
            oldest = next(iter(self._finished))
            finished_at = self._jobs[oldest].finished_at
            assert finished_at is not None
            if now - finished_at < self.ttl_s and len(self._finished) <= MAX_FINISHED:
                break
            del self._finished[oldest]
            del self._jobs[oldest]

    async def aclose(self) -> None:
        """Cancel the jobs still queued or running (they die with the process)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
