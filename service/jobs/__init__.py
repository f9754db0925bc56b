"""Long work as jobs: queued, run, polled, expired; in this process, or in Redis for workers.

`embedded.py` runs jobs in the server process (no Redis configured); `redis_queue.py` keeps
them in Redis, where saq workers (`python -m service worker`) on any machine run them.
`records.py` is what both share: a job's record, its runner and how a run ends.
"""

from __future__ import annotations

from typing import Any

from service.config import Settings
from service.errors import ConfigError
from service.jobs.embedded import EmbeddedJobs
from service.jobs.records import JobQueue, JobRecord, JobRunner, JobsUnavailable, is_job_id

__all__ = ["JobQueue", "JobRecord", "JobRunner", "build_job_queue", "is_job_id"]


class NoJobs:
    """Jobs turned off (several server processes without Redis): every call is a 503."""

    backend = "none"
    detail = (
        "jobs need SUMMARIZER_REDIS_URL when the server runs several processes: "
        "a job taken by one would be unknown to the others"
    )

    async def submit(self, request: dict[str, Any]) -> JobRecord:
        """Refuse: there is nowhere to keep the job."""
        raise JobsUnavailable(self.detail)

    async def get(self, job_id: str) -> JobRecord | None:
        """Refuse: no job can have been taken."""
        raise JobsUnavailable(self.detail)

    async def aclose(self) -> None:
        """Nothing to close."""


def build_job_queue(settings: Settings, runner: JobRunner) -> JobQueue:
    """Redis-backed jobs when SUMMARIZER_REDIS_URL is set; otherwise in this process."""
    if settings.redis_url is None and not settings.embedded_jobs:
        return NoJobs()
    if settings.redis_url is None:
        return EmbeddedJobs(
            runner,
            concurrency=settings.job_concurrency,
            max_pending=settings.job_max_pending,
            ttl_s=settings.job_ttl_s,
        )
    try:
        from service.jobs.redis_queue import RedisJobs
    except ImportError as exc:  # the task queue comes with the extra
        raise ConfigError(
            "SUMMARIZER_REDIS_URL is set but the job queue is not installed "
            f"({exc.name}): pip install 'grounded-summarizer[redis]'"
        ) from exc
    return RedisJobs(settings)
