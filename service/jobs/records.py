"""What a job is, whichever queue runs it: its record, its runner, and how a run ends."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from service.errors import ServiceError

log = logging.getLogger("service.jobs")

JobStatus = Literal["queued", "running", "done", "failed"]
# A job keeps its latest progress messages, not an unbounded log.
MAX_STEPS = 50
_JOB_ID = re.compile(r"[0-9a-f]{32}")

# Called with a short human message as the work advances (the drafter's `Progress`).
Progress = Callable[[str], None]
# Runs one job: the request body in, the response body out; a typed failure raises.
JobRunner = Callable[[dict[str, Any], Progress], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class JobRecord:
    """A job as a client polls it; `worker` names the process that runs or ran it."""

    id: str
    status: JobStatus
    steps: tuple[str, ...] = ()
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    worker: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How a run ended: the response body, or the error body the route would have answered."""

    status: Literal["done", "failed"]
    body: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The outcome as stored with the job."""
        return {"status": self.status, "body": self.body}

    @classmethod
    def from_json(cls, data: Any) -> Outcome:
        """An outcome read back from the store; anything else is a lost result."""
        if isinstance(data, dict) and data.get("status") in ("done", "failed"):
            body = data.get("body")
            if isinstance(body, dict):
                return cls(data["status"], body)
        return cls("failed", error_body("job_lost", "the job's result could not be read back"))


class JobQueue(Protocol):
    """Where jobs wait, run and are kept until they expire."""

    backend: str

    async def submit(self, request: dict[str, Any]) -> JobRecord:
        """Queue one job for `request` (a validated request body)."""
        ...

    async def get(self, job_id: str) -> JobRecord | None:
        """The job's record, or None for an unknown or expired id."""
        ...

    async def aclose(self) -> None:
        """Stop: cancel what runs in this process, close connections."""
        ...


class JobsBusy(ServiceError):
    """This server holds as many jobs as it may; the client should retry later."""

    status_code = 503
    type = "jobs_busy"


class JobsUnavailable(ServiceError):
    """The job store cannot be reached."""

    status_code = 503
    type = "jobs_unavailable"


def new_job_id() -> str:
    """A fresh job id: 128 random bits in hex, not guessable from another job's."""
    return uuid.uuid4().hex


def is_job_id(text: str) -> bool:
    """Whether `text` could be a job id (anything else is unknown without a lookup)."""
    return _JOB_ID.fullmatch(text) is not None


def error_body(kind: str, detail: str) -> dict[str, Any]:
    """An error object shaped as every API error is."""
    return {"type": kind, "detail": detail}


async def run_to_outcome(runner: JobRunner, request: dict[str, Any], progress: Progress) -> Outcome:
    """Run one job; a typed error is its result, and anything else a logged bug."""
    try:
        return Outcome("done", await runner(request, progress))
    except ServiceError as exc:
        return Outcome("failed", exc.body())
    except Exception:
        log.exception("job failed with an unexpected error")
        return Outcome(
            "failed", error_body("internal_error", "an internal error occurred; it has been logged")
        )


def keep_latest(steps: list[str], message: str) -> None:
    """Append a progress message, keeping the latest MAX_STEPS."""
    steps.append(message)
    del steps[:-MAX_STEPS]
