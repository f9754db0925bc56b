"""Rate limits per key (per address with keys off), typed 429 with Retry-After; Redis-shared."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from devtools.processes import free_port
from service.api.app import create_app
from service.api.ratelimit import limits_uri
from service.config import Settings, get_settings
from service.drafting.extractive import ExtractiveModel
from service.errors import ConfigError
from tests.ops_support import captured_logs, logging_restored, running_redis

KEY_A = "rate-test-key-alpha-0f3c9b1d"
KEY_B = "rate-test-key-bravo-77ad02e4"
VERIFY = {
    "articles": [{"id": "a1", "text": "The council approved the new budget on Monday."}],
    "sentences": ["The council approved the budget."],
}


def sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def app_for(**settings: Any) -> Any:
    return create_app(settings=Settings(**settings), model=ExtractiveModel())


def _as(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _assert_limited(response: Any, window_s: int) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["type"] == "rate_limited"
    assert "3 per 1 minute" in body["detail"]
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= window_s
    assert response.headers["x-request-id"]


@pytest.fixture
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


def test_no_limit_by_default() -> None:
    assert Settings().rate_limit is None
    client = TestClient(app_for())
    assert all(client.post("/verify", json=VERIFY).status_code == 200 for _ in range(12))


def test_each_key_has_its_own_window() -> None:
    app = app_for(rate_limit="3/minute", api_key_hashes=(sha256(KEY_A), sha256(KEY_B)))
    client = TestClient(app, raise_server_exceptions=False)
    for _ in range(3):
        assert client.post("/verify", json=VERIFY, headers=_as(KEY_A)).status_code == 200
    _assert_limited(client.post("/verify", json=VERIFY, headers=_as(KEY_A)), 60)
    assert client.post("/verify", json=VERIFY, headers=_as(KEY_B)).status_code == 200
    # Probes are never limited: an orchestrator must always see the process.
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_with_keys_off_each_client_address_has_its_own_window() -> None:
    app = app_for(rate_limit="3/minute")
    first = TestClient(app, client=("192.0.2.1", 40000))
    second = TestClient(app, client=("192.0.2.2", 40000))
    for _ in range(3):
        assert first.post("/verify", json=VERIFY).status_code == 200
    _assert_limited(first.post("/verify", json=VERIFY), 60)
    assert second.post("/verify", json=VERIFY).status_code == 200


def test_the_limit_is_checked_before_the_body_is_read() -> None:
    client = TestClient(app_for(rate_limit="1/minute"))
    assert client.post("/verify", json=VERIFY).status_code == 200
    # Over the limit, even a body that is not JSON costs no parsing: 429, not 400.
    limited = client.post("/verify", content=b"{oops")
    assert limited.status_code == 429 and limited.json()["type"] == "rate_limited"


def test_replicas_share_their_windows_through_redis(redis_url: str) -> None:
    settings = {"rate_limit": "3/minute", "redis_url": redis_url}
    replicas = [TestClient(app_for(**settings)), TestClient(app_for(**settings))]
    # Entered as a server would be (start-up runs), so each replica keeps one event loop.
    with logging_restored(), replicas[0] as one, replicas[1] as two:
        assert one.post("/verify", json=VERIFY).status_code == 200
        assert two.post("/verify", json=VERIFY).status_code == 200
        assert one.post("/verify", json=VERIFY).status_code == 200
        # The fourth request, to either replica, is over the one shared limit.
        _assert_limited(two.post("/verify", json=VERIFY), 60)
        _assert_limited(one.post("/verify", json=VERIFY), 60)
    stored = redis.Redis.from_url(redis_url).keys("summarizer-ratelimit*")
    assert stored, "the windows must live in Redis"


def test_an_unreachable_redis_lets_requests_through_and_says_so() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    client = TestClient(app_for(rate_limit="1/minute", redis_url=url))
    with captured_logs() as logs:
        assert [client.post("/verify", json=VERIFY).status_code for _ in range(2)] == [200, 200]
    warnings = [line for line in logs.lines() if line["level"] == "warning"]
    assert warnings and "rate limit not applied" in warnings[0]["event"]
    assert warnings[0]["request_id"]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SUMMARIZER_RATE_LIMIT", "lots", "SUMMARIZER_RATE_LIMIT"),
        ("SUMMARIZER_REDIS_URL", "http://cache:6379", "SUMMARIZER_REDIS_URL"),
    ],
)
def test_a_limit_or_store_that_cannot_work_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match=expected):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_redis_urls_map_to_the_asyncio_storage() -> None:
    assert limits_uri("redis://cache:6379/0") == "async+redis://cache:6379/0"
    assert limits_uri("rediss://:pw@cache:6380") == "async+rediss://:pw@cache:6380"
    assert limits_uri("unix:///run/redis.sock") == "async+redis+unix:///run/redis.sock"


def test_polling_a_job_does_not_use_up_the_limit_but_starting_one_does() -> None:
    app = app_for(rate_limit="3/minute", api_key_hashes=(sha256(KEY_A),))
    client = TestClient(app, raise_server_exceptions=False)
    posted = client.post("/jobs", json={"articles": VERIFY["articles"]}, headers=_as(KEY_A))
    assert posted.status_code == 202, posted.text
    polls = [client.get(posted.headers["location"], headers=_as(KEY_A)) for _ in range(10)]
    assert {poll.status_code for poll in polls} == {200}
    # A poll still needs the key.
    assert client.get(posted.headers["location"]).status_code == 401
    for _ in range(2):
        assert client.post("/verify", json=VERIFY, headers=_as(KEY_A)).status_code == 200
    _assert_limited(
        client.post("/jobs", json={"articles": VERIFY["articles"]}, headers=_as(KEY_A)), 60
    )


def test_the_openapi_says_which_routes_can_answer_429() -> None:
    paths = TestClient(app_for(rate_limit="3/minute")).get("/openapi.json").json()["paths"]
    assert "429" in paths["/jobs"]["post"]["responses"]
    assert "429" in paths["/summarize"]["post"]["responses"]
    assert "429" not in paths["/jobs/{job_id}"]["get"]["responses"]
