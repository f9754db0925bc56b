"""Request ids on every response and log line, JSON logs, and the counters /metrics gained."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from devtools.fake_openai_server import create_app as create_model_server
from devtools.fake_openai_server import serve_in_thread
from devtools.faults import FaultConfig, FaultKind
from service import telemetry
from service.api.app import create_app
from service.api.logs import configure_logging
from service.api.middleware import Metrics
from service.api.request_context import REQUEST_ID_HEADER, request_id_for
from service.api.routes import ROUTES
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.errors import ModelUnavailable
from service.llm.base import Model, ModelProfile, ModelReply, ModelRequest, OutputT
from service.llm.cache import CachedModel
from service.llm.openai_client import CapabilityCache, OpenAIChatModel
from tests.conftest import seed_articles
from tests.ops_support import captured_logs, logging_restored

VERIFY = {
    "articles": [{"id": "a1", "text": "The council approved the new budget on Monday."}],
    "sentences": ["The council approved the budget."],
}
JSON_TYPE = {"content-type": "application/json"}
SANE_ID = r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}"


class FailingModel:
    """A model whose every call raises `error`: a provider outage, or a bug."""

    name = "failing"
    profile = ModelProfile()
    context_tokens = 16_384

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Raise the configured error."""
        raise self.error

    async def aclose(self) -> None:
        """Nothing to release."""


def client_with(model: Model | None = None, **settings: Any) -> TestClient:
    app = create_app(settings=Settings(**settings), model=model or ExtractiveModel())
    return TestClient(app, raise_server_exceptions=False)


def sample(client: TestClient, name: str, **labels: str) -> float:
    """One sample of /metrics (0 when the series does not exist yet)."""
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for item in family.samples:
            if item.name == name and all(item.labels.get(k) == v for k, v in labels.items()):
                return float(item.value)
    return 0.0


@pytest.fixture(scope="module")
def client() -> TestClient:
    return client_with(max_body_bytes=20_000)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/healthz", None, 200),
        ("POST", "/verify", VERIFY, 200),
        ("POST", "/summarize", {"articles": []}, 422),
        ("GET", "/no-such-route", None, 404),
        ("GET", "/summarize", None, 405),
        ("POST", "/verify", {"articles": [{"id": "a", "text": "x" * 30_000}]}, 413),
    ],
)
def test_every_response_carries_a_request_id(
    client: TestClient, method: str, path: str, body: Any, status: int
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert len(response.headers[REQUEST_ID_HEADER]) == 32


def test_each_request_gets_its_own_id(client: TestClient) -> None:
    ids = {client.get("/healthz").headers[REQUEST_ID_HEADER] for _ in range(5)}
    assert len(ids) == 5


def test_model_errors_and_bugs_carry_the_request_id_too() -> None:
    outage = client_with(FailingModel(ModelUnavailable("server gone", retry_after=2)))
    response = outage.post("/summarize", json={"articles": seed_articles()})
    assert response.status_code == 503 and response.headers[REQUEST_ID_HEADER]
    bug = client_with(FailingModel(RuntimeError("a programming error")))
    response = bug.post("/summarize", json={"articles": seed_articles()})
    assert response.status_code == 500 and response.json()["type"] == "internal_error"
    assert response.headers[REQUEST_ID_HEADER]


def test_requests_answered_before_the_routes_are_counted_with_their_status() -> None:
    # The count sits outside the body limit, the JSON check and the bug handler: a 413, a 415
    # and a bug's 500 are each counted under the route, with the status the client got.
    bug = client_with(FailingModel(RuntimeError("a programming error")), max_body_bytes=10_000)
    assert bug.post("/summarize", json={"articles": seed_articles()}).status_code == 413
    too_big = bug.post("/summarize", content=b"x" * 20_000, headers=JSON_TYPE)
    assert too_big.status_code == 413
    plain = bug.post("/summarize", content=b"{}", headers={"content-type": "text/plain"})
    assert plain.status_code == 415
    small = [{"id": "a1", "text": "The council approved the new budget on Monday."}]
    assert bug.post("/summarize", json={"articles": small}).status_code == 500
    assert sample(bug, "http_requests_total", route="/summarize", status="413") == 2
    assert sample(bug, "http_requests_total", route="/summarize", status="415") == 1
    assert sample(bug, "http_requests_total", route="/summarize", status="500") == 1
    assert sample(bug, "http_request_seconds_count", route="/summarize") == 4


def test_a_sane_incoming_id_is_kept(client: TestClient) -> None:
    for incoming in ("trace-42", "3f2a9c1e-77b0-4d0e-9a51-1c3f0e2b7d11", "gw:edge/7+1=8"):
        response = client.get("/healthz", headers={REQUEST_ID_HEADER: incoming})
        assert response.headers[REQUEST_ID_HEADER] == incoming


@pytest.mark.parametrize(
    "incoming", [b"x" * 129, b"has space", b"-leading", b"<script>", "é-id".encode(), b""]
)
def test_an_odd_incoming_id_is_replaced(client: TestClient, incoming: bytes) -> None:
    response = client.get("/healthz", headers={REQUEST_ID_HEADER.encode(): incoming})
    replaced = response.headers[REQUEST_ID_HEADER]
    assert replaced.encode() != incoming and len(replaced) == 32


@given(st.text(max_size=200))
def test_a_request_id_is_always_safe_and_keeps_what_was_already_safe(incoming: str) -> None:
    chosen = request_id_for(incoming)
    assert re.fullmatch(SANE_ID, chosen)
    assert (chosen == incoming) == bool(re.fullmatch(SANE_ID, incoming))


def test_every_log_line_is_json_and_names_its_request() -> None:
    outage = client_with(FailingModel(ModelUnavailable("server gone", retry_after=2)))
    with captured_logs() as logs:
        first = outage.post("/summarize", json={"articles": seed_articles()})
        second = outage.post("/verify", json=VERIFY)
    lines = logs.lines()
    by_request: dict[str, list[dict[str, Any]]] = {
        first.headers[REQUEST_ID_HEADER]: [],
        second.headers[REQUEST_ID_HEADER]: [],
    }
    for line in lines:
        assert {"event", "level", "logger", "timestamp"} <= line.keys()
        if line["logger"].startswith("httpx"):
            continue  # the test's own HTTP client, not the service
        by_request[line["request_id"]].append(line)
    warning, request = by_request[first.headers[REQUEST_ID_HEADER]]
    # The model error's own line and the request line share the id the client was given.
    assert warning["level"] == "warning" and "model_unavailable" in warning["event"]
    assert request["event"] == "request" and request["status"] == 503
    assert request["path"] == "/summarize" and request["method"] == "POST"
    [verified] = by_request[second.headers[REQUEST_ID_HEADER]]
    assert verified["status"] == 200 and verified["request_bytes"] > 0
    assert verified["duration_ms"] >= 0 and verified["client"] == "addr:testclient"


def test_serving_switches_the_process_to_json_logs(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(settings=Settings(rate_limit="5/minute"), model=ExtractiveModel())
    with logging_restored(), TestClient(app) as served:
        response = served.get("/healthz")
        logging.getLogger("uvicorn.error").info("from the server")
        assert logging.getLogger("uvicorn.access").disabled
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    serving = next(line for line in lines if line["event"] == "serving")
    assert serving["model"] == "mock" and serving["rate_limit_store"] == "memory"
    assert any(line["event"] == "from the server" for line in lines)
    request = next(line for line in lines if line["event"] == "request")
    assert request["request_id"] == response.headers[REQUEST_ID_HEADER]


def test_text_logs_for_people() -> None:
    with captured_logs() as logs:
        configure_logging("text", "INFO", stream=logs.buffer)
        client_with().get("/healthz")
    assert "request" in logs.text and "request_id=" in logs.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(logs.text.splitlines()[0])


def test_request_sizes_are_measured_declared_or_streamed() -> None:
    client = client_with()
    body = json.dumps(VERIFY).encode()
    client.post("/verify", content=body, headers={"content-type": "application/json"})

    def chunks() -> Iterator[bytes]:
        yield body[:10]
        yield body[10:]

    client.post("/verify", content=chunks(), headers={"content-type": "application/json"})
    assert sample(client, "http_request_bytes_count", route="/verify") == 2
    assert sample(client, "http_request_bytes_sum", route="/verify") == 2 * len(body)


def test_model_reply_cache_hits_and_misses_are_counted(tmp_path: Path) -> None:
    # The response cache is off: it would answer the repeated request before any model call.
    client = client_with(CachedModel(ExtractiveModel(), tmp_path / "cache"), response_cache=False)
    body = {"articles": seed_articles()}
    assert client.post("/summarize", json=body).status_code == 200
    misses = sample(client, "cache_lookups_total", cache="model_reply", outcome="miss")
    assert misses >= 1
    assert sample(client, "cache_lookups_total", cache="model_reply", outcome="hit") == 0
    assert client.post("/summarize", json=body).status_code == 200
    assert sample(client, "cache_lookups_total", cache="model_reply", outcome="hit") == misses


def test_model_retries_are_counted_by_reason() -> None:
    # The first reply is a 429, the second is not JSON: one transport retry, one re-ask.
    faults = FaultConfig(script=(FaultKind.RATE_LIMIT, FaultKind.MALFORMED), retry_after_s=0.01)
    with serve_in_thread(create_model_server(faults=faults)) as url:
        model = OpenAIChatModel(
            "mock",
            base_url=url,
            capabilities=CapabilityCache(),
            backoff_initial_s=0.01,
            backoff_max_s=0.05,
            timeout_s=5.0,
        )
        client = client_with(model)
        response = client.post("/summarize", json={"articles": seed_articles()})
        assert response.status_code == 200, response.text
        assert sample(client, "model_retries_total", reason="transport") == 1
        assert sample(client, "model_retries_total", reason="invalid_output") == 1


def test_the_checker_hook_counts_into_the_request_metrics() -> None:
    metrics = Metrics(ROUTES)
    telemetry.checker_call()  # outside a request: counted nowhere, and harmless
    with telemetry.recording(metrics):
        telemetry.checker_call()
        telemetry.checker_call()
    telemetry.checker_call()
    assert metrics.registry.get_sample_value("checker_calls_total") == 2


def test_job_routes_have_their_own_labels_and_unknown_paths_share_one() -> None:
    client = client_with()
    posted = client.post("/jobs", json={"articles": VERIFY["articles"]})
    assert posted.status_code == 202, posted.text
    client.get(posted.headers["location"])
    client.get("/jobs/" + "0" * 32)
    client.get("/no/such/page")
    assert sample(client, "http_requests_total", route="/jobs", status="202") == 1
    assert sample(client, "http_requests_total", route="/jobs/{job_id}", status="200") == 1
    assert sample(client, "http_requests_total", route="/jobs/{job_id}", status="404") == 1
    assert sample(client, "http_requests_total", route="other", status="404") == 1


def test_each_stage_of_a_summary_is_timed_and_a_prepared_set_skips_ingest() -> None:
    client = client_with(response_cache=False)
    # Ids of its own: the prepared-set cache is the process's, and other tests send the seeds.
    fresh = uuid.uuid4().hex[:8]
    body = {"articles": [{**a, "id": f"{fresh}-{a['id']}"} for a in seed_articles()]}
    assert client.post("/summarize", json=body).status_code == 200
    stages = ("ingest", "grouping", "plan", "index", "verify")
    counts = {s: sample(client, "pipeline_stage_seconds_count", stage=s) for s in stages}
    assert counts == dict.fromkeys(stages, 1.0)
    assert sample(client, "pipeline_stage_seconds_sum", stage="ingest") > 0
    # The same set again: the prepared set is reused, so nothing is ingested or grouped anew.
    assert client.post("/summarize", json=body).status_code == 200
    assert sample(client, "pipeline_stage_seconds_count", stage="ingest") == 1
    assert sample(client, "pipeline_stage_seconds_count", stage="grouping") == 1
    assert sample(client, "pipeline_stage_seconds_count", stage="verify") == 2


def test_verify_times_its_index_and_its_checks_as_stages_too() -> None:
    client = client_with()
    fresh = uuid.uuid4().hex[:8]
    body = {
        "articles": [{"id": fresh, "text": "The council approved the new budget on Monday."}],
        "sentences": ["The council approved the budget."],
    }
    assert client.post("/verify", json=body).status_code == 200
    for stage in ("ingest", "grouping", "index", "verify"):
        assert sample(client, "pipeline_stage_seconds_count", stage=stage) == 1, stage
    assert sample(client, "pipeline_stage_seconds_count", stage="plan") == 0
