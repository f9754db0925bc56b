"""Jobs in Redis, run by saq workers on any number of machines (`python -m service worker`).

The request body is stored once under its own key, and the queue's job carries only its id,
so that heartbeats and progress updates rewrite a few hundred bytes, not the articles. A
running job is touched every quarter of `job_heartbeat_s`; when its worker dies, the job
goes silent, and the next sweep of any live worker queues it again (saq's heartbeat and
sweep), up to `job_max_attempts` runs. A worker stopped with SIGTERM or SIGINT hands its
jobs back at once. A finished job, its result and its request expire after `job_ttl_s`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import socket
import weakref
from contextlib import suppress
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from saq import Job, Status, Worker
from saq.queue.redis import RedisQueue
from saq.types import Context, PartialTimersDict

from service.config import Settings
from service.jobs.records import (
    JobRecord,
    JobRunner,
    JobsUnavailable,
    Outcome,
    error_body,
    keep_latest,
    new_job_id,
    run_to_outcome,
)

log = logging.getLogger("service.jobs")

QUEUE_NAME = "summarizer"
JOB_FUNCTION = "summarize"
REQUEST_PREFIX = "summarizer:job-request:"
# Past the request deadline, a job still running is stuck: saq cancels it and runs it again.
_TIMEOUT_MARGIN_S = 120
# The API's Redis calls must answer fast or fail: a client is waiting.
_API_REDIS_TIMEOUT_S = 2.0


def worker_name() -> str:
    """This process, as a job's record names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def workers_alive(redis_url: str, host: str) -> int:
    """How many workers on `host` have registered in Redis lately (their worker_info key,
    rewritten every 10 s with an 11 s expiry, is there): a worker's health check."""
    import redis

    client = redis.Redis.from_url(
        redis_url,
        socket_timeout=_API_REDIS_TIMEOUT_S,
        socket_connect_timeout=_API_REDIS_TIMEOUT_S,
    )
    pattern = f"saq:{QUEUE_NAME}:worker_info:{host}:*"
    try:
        return sum(1 for _ in client.scan_iter(match=pattern, count=1000))
    except (RedisError, OSError):
        return 0
    finally:
        client.close()


def sweep_interval_s(heartbeat_s: int) -> int:
    """How often a worker looks for jobs whose worker went silent."""
    return max(1, heartbeat_s // 4)


def record_of(job: Job) -> JobRecord:
    """A saq job as the client sees it."""
    steps = tuple(str(step) for step in job.meta.get("progress", ()))
    base = JobRecord(id=job.key, status="queued", steps=steps, worker=job.worker_id)
    if job.status in (Status.NEW, Status.QUEUED):
        return base
    if job.status in (Status.ACTIVE, Status.ABORTING):
        return JobRecord(id=job.key, status="running", steps=steps, worker=job.worker_id)
    if job.status == Status.COMPLETE:
        outcome = Outcome.from_json(job.result)
        done = outcome.status == "done"
        return JobRecord(
            id=job.key,
            status=outcome.status,
            steps=steps,
            result=outcome.body if done else None,
            error=None if done else outcome.body,
            worker=job.worker_id,
        )
    if job.status == Status.ABORTED:
        error = error_body(
            "job_lost", f"the job's worker stopped during each of its {job.attempts} runs"
        )
    else:
        error = error_body(
            "job_failed", f"the job ended without a result in each of its {job.attempts} runs"
        )
    return JobRecord(id=job.key, status="failed", steps=steps, error=error, worker=job.worker_id)


class RedisJobs:
    """The API's side of the queue: submits jobs and reads them back."""

    backend = "redis"

    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url is not None
        self.redis_url = settings.redis_url
        self.ttl_s = settings.job_ttl_s
        self.heartbeat_s = settings.job_heartbeat_s
        self.max_attempts = settings.job_max_attempts
        self.timeout_s = math.ceil(settings.request_deadline_s) + _TIMEOUT_MARGIN_S
        # A Redis client belongs to the event loop it was made on: one per loop.
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisQueue] = (
            weakref.WeakKeyDictionary()
        )

    def _queue(self) -> RedisQueue:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            client = aioredis.from_url(
                self.redis_url,
                socket_timeout=_API_REDIS_TIMEOUT_S,
                socket_connect_timeout=_API_REDIS_TIMEOUT_S,
            )
            queue = self._queues[loop] = RedisQueue(client, name=QUEUE_NAME)
        return queue

    async def submit(self, request: dict[str, Any]) -> JobRecord:
        """Store the request, then queue its job; 503 `jobs_unavailable` if Redis fails."""
        job_id = new_job_id()
        queue = self._queue()
        job = Job(
            function=JOB_FUNCTION,
            key=job_id,
            timeout=self.timeout_s,
            heartbeat=self.heartbeat_s,
            retries=self.max_attempts,
            ttl=self.ttl_s,
        )
        try:
            await queue.redis.set(REQUEST_PREFIX + job_id, json.dumps(request), ex=self.ttl_s)
            await queue.enqueue(job)
        except (RedisError, OSError) as exc:
            raise JobsUnavailable(_unreachable(exc)) from exc
        return JobRecord(id=job_id, status="queued")

    async def get(self, job_id: str) -> JobRecord | None:
        """The job's record, or None when it is unknown or expired."""
        try:
            job = await self._queue().job(job_id)
        except (RedisError, OSError) as exc:
            raise JobsUnavailable(_unreachable(exc)) from exc
        return record_of(job) if job is not None else None

    async def aclose(self) -> None:
        """Close this loop's connection (jobs themselves live on in Redis)."""
        with suppress(RuntimeError):
            queue = self._queues.pop(asyncio.get_running_loop(), None)
            if queue is not None:
                await queue.disconnect()


def _unreachable(exc: BaseException) -> str:
    return f"the job store (Redis) cannot be reached: {type(exc).__name__}"


async def _beat(job: Job, steps: list[str], interval_s: float) -> None:
    """Touch the running job (its heartbeat) and publish its progress, until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await job.update(meta={"progress": list(steps)})
        except (RedisError, OSError) as exc:
            log.warning("job %s: heartbeat not written (%s)", job.key, type(exc).__name__)


async def run_job(job: Job, redis: aioredis.Redis, runner: JobRunner, heartbeat_s: int) -> Any:
    """One run of a job, as a worker makes it: its outcome, stored as the job's result."""
    raw = await redis.get(REQUEST_PREFIX + job.key)
    if raw is None:
        return Outcome(
            "failed", error_body("job_expired", "the job's request expired before it ran")
        ).as_json()
    steps: list[str] = []
    await job.update(meta={"progress": steps})  # a job run again starts its progress afresh
    beat = asyncio.create_task(_beat(job, steps, heartbeat_s / 4))
    try:
        outcome = await run_to_outcome(
            runner, json.loads(raw), lambda message: keep_latest(steps, message)
        )
    finally:
        beat.cancel()
        with suppress(asyncio.CancelledError):
            await beat
    job.meta = {"progress": list(steps)}  # written with the result
    return outcome.as_json()


async def run_worker(settings: Settings, runner: JobRunner, concurrency: int) -> None:
    """Run jobs from Redis until SIGTERM or SIGINT; jobs in flight are handed back."""
    if settings.redis_url is None:
        raise ValueError("a worker needs SUMMARIZER_REDIS_URL")
    # No socket timeout: the worker blocks on Redis until a job arrives.
    client = aioredis.from_url(settings.redis_url)
    queue = RedisQueue(client, name=QUEUE_NAME)
    heartbeat_s = settings.job_heartbeat_s
    # saq's defaults but the sweep, which finds the jobs of dead workers.
    timers: PartialTimersDict = {
        "schedule": 1,
        "worker_info": 10,
        "sweep": sweep_interval_s(heartbeat_s),
        "abort": 1,
    }

    async def summarize(ctx: Context) -> Any:
        return await run_job(ctx["job"], client, runner, heartbeat_s)

    worker: Worker[Context] = Worker(
        queue,
        functions=[(JOB_FUNCTION, summarize)],
        id=worker_name(),
        concurrency=concurrency,
        timers=timers,
    )
    await queue.connect()
    log.info(
        "worker ready",
        extra={"worker": worker.id, "concurrency": concurrency, "queue": QUEUE_NAME},
    )
    try:
        await worker.start()
    finally:
        await queue.disconnect()
