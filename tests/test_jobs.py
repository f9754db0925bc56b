"""POST /jobs and GET /jobs/{id} with the embedded queue: the /summarize contract, as a job."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devtools.processes import free_port
from service.api.app import create_app
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.errors import ModelUnavailable
from service.jobs.embedded import EmbeddedJobs
from service.jobs.records import Progress
from service.llm.base import ModelReply, ModelRequest, OutputT
from tests.conftest import seed_articles
from tests.ops_support import logging_restored

SMALL = {"articles": [{"id": "a1", "text": "The council approved the new budget on Monday."}]}
BOILERPLATE = {"articles": [{"id": "a", "text": "twitter\nfacebook\ninstagram\nshare\nprint\n"}]}


class GatedModel(ExtractiveModel):
    """The extractive model, holding each call until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.waiting.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        return await super().execute(request)


class DownModel(ExtractiveModel):
    """A model whose server refuses every call."""

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        raise ModelUnavailable("the model server refused the connection", retry_after=2.0)


@pytest.fixture
def client() -> Iterator[TestClient]:
    # No response cache: every job runs the pipeline itself.
    app = create_app(settings=Settings(response_cache=False), model=ExtractiveModel())
    with logging_restored(), TestClient(app) as running:
        yield running


def wait_for(client: TestClient, job_id: str, *statuses: str, timeout_s: float = 120) -> Any:
    """Poll GET /jobs/{id} until the job's status is one of `statuses`."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in statuses or time.monotonic() > deadline:
            assert body["status"] in statuses, body
            return body
        time.sleep(0.02)


def submit(client: TestClient, body: dict[str, Any]) -> str:
    response = client.post("/jobs", json=body)
    assert response.status_code == 202, response.text
    created = response.json()
    assert created == {"id": created["id"], "status": "queued"}
    assert response.headers["location"] == f"/jobs/{created['id']}"
    job_id: str = created["id"]
    return job_id


def test_a_job_answers_202_then_done_with_exactly_the_summarize_body(client: TestClient) -> None:
    body = {"articles": seed_articles(), "options": {"max_key_points": 5}}
    job_id = submit(client, body)
    done = wait_for(client, job_id, "done", "failed")
    assert done["status"] == "done", done
    assert set(done) == {"id", "status", "progress", "result"}
    assert done["result"] == client.post("/summarize", json=body).json()


def test_a_failed_job_carries_the_typed_error_summarize_answers(client: TestClient) -> None:
    failed = wait_for(client, submit(client, BOILERPLATE), "done", "failed")
    assert failed["status"] == "failed"
    assert "result" not in failed
    direct = client.post("/summarize", json=BOILERPLATE)
    assert direct.status_code == 422
    assert failed["error"] == direct.json()
    assert failed["error"]["type"] == "invalid_request" and failed["error"]["field"] == "articles"


def test_a_model_failure_is_a_failed_job_with_the_model_error() -> None:
    app = create_app(settings=Settings(), model=DownModel())
    with logging_restored(), TestClient(app) as client:
        failed = wait_for(client, submit(client, SMALL), "done", "failed")
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "type": "model_unavailable",
        "detail": "the model server refused the connection",
    }


def test_an_invalid_body_is_refused_at_once_as_summarize_refuses_it(client: TestClient) -> None:
    bad = {"articles": [{"id": "a1", "text": "Text.", "colour": "red"}]}
    response = client.post("/jobs", json=bad)
    assert response.status_code == 422
    assert response.json() == client.post("/summarize", json=bad).json()


@pytest.mark.parametrize("job_id", ["0" * 32, "not-a-job", "0" * 31 + "g", "A" * 32])
def test_an_unknown_job_is_a_typed_404(client: TestClient, job_id: str) -> None:
    response = client.get(f"/jobs/{job_id}")
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "job_not_found" and job_id in body["detail"]


def test_a_running_job_shows_its_progress_and_the_queue_is_bounded() -> None:
    model = GatedModel()
    settings = Settings(response_cache=False, job_concurrency=1, job_max_pending=2)
    with logging_restored(), TestClient(create_app(settings=settings, model=model)) as client:
        first, second = submit(client, SMALL), submit(client, SMALL)
        assert model.waiting.wait(10)
        running = wait_for(client, first, "running")
        assert running["progress"] == {
            "message": "asking the model (one call)",
            "steps": ["asking the model (one call)"],
        }
        assert "result" not in running and "error" not in running
        # One runs, one waits for the only slot: the third is refused until one finishes.
        assert wait_for(client, second, "queued") == {"id": second, "status": "queued"}
        busy = client.post("/jobs", json=SMALL)
        assert busy.status_code == 503
        assert busy.json()["type"] == "jobs_busy"
        model.gate.set()
        assert wait_for(client, first, "done")["result"]["articles"][0]["id"] == "a1"
        assert wait_for(client, second, "done")["status"] == "done"
        assert client.post("/jobs", json=SMALL).status_code == 202


async def test_a_finished_job_expires_after_its_time_to_live() -> None:
    now = [0.0]

    async def runner(request: dict[str, Any], progress: Progress) -> dict[str, Any]:
        progress("working")
        return {"echo": request}

    jobs = EmbeddedJobs(runner, concurrency=1, max_pending=5, ttl_s=60, clock=lambda: now[0])
    record = await jobs.submit({"n": 1})
    for _ in range(100):
        found = await jobs.get(record.id)
        if found is not None and found.status == "done":
            break
        await asyncio.sleep(0.01)
    assert found is not None and found.result == {"echo": {"n": 1}}
    assert found.steps == ("working",)
    now[0] = 59.0
    assert await jobs.get(record.id) is not None
    now[0] = 60.0
    assert await jobs.get(record.id) is None
    await jobs.aclose()


def test_jobs_are_guarded_by_api_keys_like_summarize() -> None:
    key = "jobs-test-key-4c1d9e7a2b"
    digest = hashlib.sha256(key.encode()).hexdigest()
    app = create_app(settings=Settings(api_key_hashes=(digest,)), model=ExtractiveModel())
    with logging_restored(), TestClient(app) as client:
        assert client.post("/jobs", json=SMALL).status_code == 401
        assert client.get("/jobs/" + "0" * 32).status_code == 401
        allowed = {"Authorization": f"Bearer {key}"}
        created = client.post("/jobs", json=SMALL, headers=allowed)
        assert created.status_code == 202
        job = client.get(f"/jobs/{created.json()['id']}", headers=allowed)
        assert job.status_code == 200
        openapi = client.get("/openapi.json").json()
        assert openapi["paths"]["/jobs"]["post"]["security"]


def test_without_a_place_for_jobs_they_are_a_typed_503() -> None:
    unreachable = Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    for settings in (Settings(embedded_jobs=False), unreachable):
        client = TestClient(create_app(settings=settings, model=ExtractiveModel()))
        for response in (client.post("/jobs", json=SMALL), client.get("/jobs/" + "0" * 32)):
            assert response.status_code == 503, response.text
            assert response.json()["type"] == "jobs_unavailable"
