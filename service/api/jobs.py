"""POST /jobs and GET /jobs/{id}: /summarize as a job, for work longer than a connection lasts.

The job runs the same function as /summarize (`answer_summarize`, response cache included),
so a job's `result` is the body /summarize answers, and its `error` the error body it would
have answered. Where jobs run is `service.jobs`: in this process, or on Redis workers.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from service.api.errors import field_path
from service.api.response_cache import BodyStore, answer_summarize, build_store
from service.api.schemas import ErrorOut, SummarizeRequest, SummarizeResponse
from service.config import Settings
from service.errors import ClientError, ServiceError
from service.jobs import JobQueue, JobRecord, JobRunner, build_job_queue, is_job_id
from service.jobs.records import Progress
from service.llm.base import Model
from service.llm.checker import Checker
from service.registry import build_checker, build_model

JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 413, 422, 503)
}


class JobCreated(BaseModel):
    """The answer to POST /jobs: poll GET /jobs/{id}."""

    id: str
    status: Literal["queued"] = "queued"


class JobProgress(BaseModel):
    """What the job last reported (`message`) and its latest reports in order (`steps`)."""

    message: str
    steps: list[str]


class JobOut(BaseModel):
    """A job: `result` once done (the /summarize body), `error` once failed (an error body)."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: JobProgress | None = None
    result: SummarizeResponse | None = None
    error: ErrorOut | None = None


class JobNotFound(ServiceError):
    """No job has this id: it never existed, or it has expired."""

    status_code = 404
    type = "job_not_found"


def job_body(record: JobRecord) -> dict[str, Any]:
    """The GET /jobs/{id} body: optional members are left out, not null."""
    body: dict[str, Any] = {"id": record.id, "status": record.status}
    if record.steps:
        body["progress"] = {"message": record.steps[-1], "steps": list(record.steps)}
    if record.result is not None:
        body["result"] = record.result
    if record.error is not None:
        body["error"] = record.error
    return body


def summarize_runner(
    model: Model, settings: Settings, store: BodyStore | None, checker: Checker | None = None
) -> JobRunner:
    """What a job runs: the /summarize body of its request, cached as /summarize caches."""

    async def run(request: dict[str, Any], progress: Progress) -> dict[str, Any]:
        try:
            body = SummarizeRequest.model_validate(request)
        except ValidationError as exc:  # checked at submission: only another version's job
            first = exc.errors()[0]
            raise ClientError(first["msg"], field=field_path(tuple(first["loc"]))) from exc
        answer = await answer_summarize(
            body, model=model, settings=settings, store=store, progress=progress, checker=checker
        )
        parsed: dict[str, Any] = json.loads(answer.body)
        return parsed

    return run


async def get_jobs(request: Request) -> JobQueue:
    """The app's job queue (override with `app.dependency_overrides`)."""
    jobs: JobQueue = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobQueue, Depends(get_jobs)]

router = APIRouter()


@router.post("/jobs", status_code=202, response_model=JobCreated, responses=JOB_ERRORS)
async def create_job(body: SummarizeRequest, jobs: JobsDep) -> JSONResponse:
    """Queue a summary of the articles (the /summarize body); poll GET /jobs/{id}."""
    record = await jobs.submit(body.model_dump(mode="json"))
    created = JobCreated(id=record.id)
    return JSONResponse(
        status_code=202, content=created.model_dump(), headers={"Location": f"/jobs/{record.id}"}
    )


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorOut}})
async def read_job(job_id: str, jobs: JobsDep) -> JSONResponse:
    """The job's status, progress, and its result or error once it has one."""
    record = await jobs.get(job_id) if is_job_id(job_id) else None
    if record is None:
        raise JobNotFound(f"no job {job_id!r}: it never existed or has expired", field="id")
    return JSONResponse(content=job_body(record))


JOB_ROUTES = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))


def install_jobs(
    app: FastAPI,
    settings: Settings,
    model: Model,
    store: BodyStore | None,
    checker: Checker | None = None,
) -> None:
    """Add the /jobs routes to `app`, with the queue its settings choose."""
    app.state.jobs = build_job_queue(settings, summarize_runner(model, settings, store, checker))
    app.include_router(router)


async def serve_worker(settings: Settings, concurrency: int) -> None:
    """`python -m service worker`: run queued jobs from Redis until stopped."""
    from service.jobs.redis_queue import run_worker

    model = build_model(settings)
    checker = build_checker(settings)
    store = build_store(settings)
    try:
        await run_worker(settings, summarize_runner(model, settings, store, checker), concurrency)
    finally:
        if store is not None:
            await store.aclose()
        await model.aclose()
        if checker is not None:
            await checker.aclose()
