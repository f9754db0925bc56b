"""Jobs in Redis, run by `python -m service worker` processes: one is killed mid-job, none is lost.

Everything is real: Debian's redis-server on a free port, the worker command as an operator
starts it, the OpenAI-wire mock model server with a fixed latency (so a job is still running
when its worker is killed), and the API reading jobs back from Redis.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from devtools.fake_openai_server import create_app as create_model_server
from devtools.fake_openai_server import serve_in_thread
from devtools.faults import FaultConfig
from devtools.processes import stop
from service.api.app import create_app
from service.config import Settings
from service.jobs.records import JobRecord
from service.jobs.redis_queue import RedisJobs
from tests.conftest import REPO, seed_articles
from tests.ops_support import logging_restored, running_redis, served_service
from tests.test_jobs import BOILERPLATE, SMALL, submit, wait_for

MODEL_LATENCY_S = 1.0
# The kill test's model answers slowly, so that the job seen inside its model call is still in
# it when the kill lands, however loaded the machine: a job that finished first would not be run
# again, and the test would fail for a race of its own, not the queue's.
KILL_MODEL_LATENCY_S = 5.0
HEARTBEAT_S = 3
BODY = {"articles": seed_articles()[:3], "options": {"max_key_points": 4}}


@dataclass(frozen=True)
class Cluster:
    redis_url: str
    model_url: str

    def settings(self) -> Settings:
        """The API's settings: jobs in this Redis, the served model, no response cache."""
        return Settings(
            redis_url=self.redis_url,
            model="served-mock",
            openai_base_url=self.model_url,
            openai_api_key="unused",
            response_cache=False,
            job_heartbeat_s=HEARTBEAT_S,
        )

    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
        env.update(
            SUMMARIZER_REDIS_URL=self.redis_url,
            SUMMARIZER_MODEL="served-mock",
            OPENAI_BASE_URL=self.model_url,
            OPENAI_API_KEY="unused",
            SUMMARIZER_RESPONSE_CACHE="false",
            SUMMARIZER_JOB_HEARTBEAT_S=str(HEARTBEAT_S),
        )
        return env


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    model_server = create_model_server(faults=FaultConfig(latency_s=MODEL_LATENCY_S))
    with running_redis() as redis_url, serve_in_thread(model_server) as model_url:
        yield Cluster(redis_url, model_url)


@pytest.fixture
def api(cluster: Cluster) -> Iterator[TestClient]:
    with logging_restored(), TestClient(create_app(settings=cluster.settings())) as client:
        yield client


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def workers(cluster: Cluster, count: int, tmp_path: Path) -> Iterator[list[Worker]]:
    """`count` worker processes, each running one job at a time; stopped at the end."""
    started: list[Worker] = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    try:
        for number in range(count):
            log = tmp_path / f"worker-{number}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    [sys.executable, "-m", "service", "worker", "--concurrency", "1"],
                    cwd=REPO,
                    env=cluster.worker_env(),
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            started.append(Worker(process, log))
        deadline = time.monotonic() + 60
        for worker in started:
            while "worker ready" not in worker.output():
                assert worker.process.poll() is None, worker.output()
                assert time.monotonic() < deadline, worker.output()
                time.sleep(0.1)
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                stop(worker.process)


def records(cluster: Cluster, ids: list[str]) -> list[JobRecord | None]:
    """The jobs as the queue keeps them, with the worker that runs or ran each."""

    async def read() -> list[JobRecord | None]:
        jobs = RedisJobs(cluster.settings())
        try:
            return [await jobs.get(job_id) for job_id in ids]
        finally:
            await jobs.aclose()

    return asyncio.run(read())


def test_a_job_whose_worker_is_killed_runs_again_on_the_other_and_none_is_lost(
    cluster: Cluster, tmp_path: Path
) -> None:
    slow_model = create_model_server(faults=FaultConfig(latency_s=KILL_MODEL_LATENCY_S))
    with serve_in_thread(slow_model) as model_url, logging_restored():
        slow = Cluster(cluster.redis_url, model_url)
        with TestClient(create_app(settings=slow.settings())) as api:
            expected = api.post("/summarize", json=BODY)
            assert expected.status_code == 200, expected.text
            with workers(slow, 2, tmp_path) as pool:
                ids = [submit(api, BODY) for _ in range(3)]
                victim = _inside_model_call(slow, ids, pool)
                assert victim.worker is not None
                killed = next(w for w in pool if victim.worker.endswith(f":{w.process.pid}"))
                killed.process.kill()
                killed.process.wait()
                after_kill = records(slow, [victim.id])[0]
                assert after_kill is not None and after_kill.status == "running", after_kill

                finished = [wait_for(api, i, "done", "failed", timeout_s=180) for i in ids]
                assert [job["status"] for job in finished] == ["done"] * 3, finished
                assert all(job["result"] == expected.json() for job in finished)
                survivor = next(w for w in pool if w is not killed)
                rerun = records(slow, [victim.id])[0]
                assert rerun is not None and rerun.worker is not None
                assert rerun.worker.endswith(f":{survivor.process.pid}")
                assert survivor.process.poll() is None


def _inside_model_call(cluster: Cluster, ids: list[str], pool: list[Worker]) -> JobRecord:
    """The first of the jobs seen running with the model call as its latest step."""
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, [w.output() for w in pool]
        for record in filter(None, records(cluster, ids)):
            latest = record.steps[-1] if record.steps else ""
            if record.status == "running" and latest.startswith("asking the model"):
                return record
        time.sleep(0.05)


def test_progress_failures_and_expiry_through_redis(
    cluster: Cluster, api: TestClient, tmp_path: Path
) -> None:
    with workers(cluster, 1, tmp_path):
        job_id = submit(api, BODY)
        running = wait_for(api, job_id, "running", "done")
        while "progress" not in running and running["status"] == "running":
            running = api.get(f"/jobs/{job_id}").json()
        assert running["progress"]["message"] == "asking the model (one call)"
        done = wait_for(api, job_id, "done", "failed", timeout_s=60)
        assert done["status"] == "done"
        assert done["progress"]["steps"][0] == "asking the model (one call)"
        # Another replica reads the same job: it lives in Redis, not in the API process.
        other = TestClient(create_app(settings=cluster.settings()))
        assert other.get(f"/jobs/{job_id}").json() == done

        failed = wait_for(api, submit(api, BOILERPLATE), "done", "failed", timeout_s=60)
    assert failed["status"] == "failed"
    assert failed["error"]["type"] == "invalid_request"
    assert failed["error"]["field"] == "articles"
    # Everything kept for a finished job expires, after the configured time at the latest.
    client = redis.Redis.from_url(cluster.redis_url)
    keys = list(client.scan_iter(match=f"*{job_id}*"))
    assert keys
    for key in keys:
        assert 0 < client.ttl(key) <= cluster.settings().job_ttl_s, key
    client.close()


def test_a_worker_needs_redis() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    result = subprocess.run(
        [sys.executable, "-m", "service", "worker"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SUMMARIZER_REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr


@contextmanager
def served(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """`python -m service serve --workers N` on a free port; yields its base URL once healthy."""
    with served_service(env, "--workers", str(workers), log=log, timeout_s=90) as (_, url):
        # Both processes must be up before the test means anything: each logs "serving".
        deadline = time.monotonic() + 90
        while log.read_text().count('"serving"') < workers:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url


def test_serve_with_several_processes_keeps_jobs_in_redis_or_refuses_them(
    cluster: Cluster, tmp_path: Path
) -> None:
    env = cluster.worker_env()
    with workers(cluster, 1, tmp_path), served(env, 2, tmp_path / "serve.log") as url:
        created = httpx.post(f"{url}/jobs", json=SMALL, timeout=10)
        assert created.status_code == 202, created.text
        job = f"{url}/jobs/{created.json()['id']}"
        # Whichever process answers, the job is there: it lives in Redis.
        seen = [httpx.get(job, timeout=10) for _ in range(12)]
        assert all(response.status_code == 200 for response in seen)
        deadline = time.monotonic() + 60
        while httpx.get(job, timeout=10).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    alone = {k: v for k, v in env.items() if k != "SUMMARIZER_REDIS_URL"}
    with served(alone, 2, tmp_path / "alone.log") as url:
        refused = httpx.post(f"{url}/jobs", json=SMALL, timeout=10)
        assert refused.status_code == 503
        assert refused.json()["type"] == "jobs_unavailable"
        assert httpx.post(f"{url}/summarize", json=SMALL, timeout=60).status_code == 200


def test_a_worker_stopped_with_sigterm_hands_its_job_back_at_once(
    cluster: Cluster, api: TestClient, tmp_path: Path
) -> None:
    with workers(cluster, 1, tmp_path / "first") as (first,):
        job_id = submit(api, BODY)
        running = wait_for(api, job_id, "running", "done")
        assert running["status"] == "running"
        first.process.terminate()
        assert first.process.wait(timeout=30) == 0, first.output()
        # Back in the queue without waiting for a heartbeat to go stale.
        assert api.get(f"/jobs/{job_id}").json()["status"] == "queued"
    with workers(cluster, 1, tmp_path / "second"):
        assert wait_for(api, job_id, "done", "failed", timeout_s=60)["status"] == "done"


def test_the_worker_health_check_sees_a_live_worker_and_then_its_absence(
    cluster: Cluster, tmp_path: Path
) -> None:
    def check() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service", "worker", "--check"]
        return subprocess.run(
            command, cwd=REPO, env=cluster.worker_env(), capture_output=True, text=True, timeout=60
        )

    with workers(cluster, 1, tmp_path):
        deadline = time.monotonic() + 30
        while (alive := check()).returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert alive.returncode == 0, alive.stderr
        assert "worker(s) alive on" in alive.stdout  # earlier tests' workers may linger 11 s
    # A stopped worker's registration expires within 11 s; the check then fails, and says why.
    deadline = time.monotonic() + 30
    while (gone := check()).returncode == 0 and time.monotonic() < deadline:
        time.sleep(1)
    assert gone.returncode == 1
    assert "no live worker" in gone.stderr and "Traceback" not in gone.stderr
