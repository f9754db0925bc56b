"""API keys: configured as SHA-256 digests, 401/403 as typed JSON, probes open, never logged."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.api.app import create_app
from service.api.auth import KeyRing, Verdict, digest, presented_key
from service.config import Settings, get_settings
from service.drafting.extractive import ExtractiveModel
from service.errors import ConfigError
from tests.ops_support import CapturedLogs, captured_logs

KEY = "test-key-Zq8w1d7F0rXb3nVh5mKc2LpJ"
OTHER_KEY = "test-key-another-one-9c1e44a0b2"
METRICS_KEY = "metrics-key-for-the-scraper-7d5a"
VERIFY = {
    "articles": [{"id": "a1", "text": "The council approved the new budget on Monday."}],
    "sentences": ["The council approved the budget."],
}


def sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_for(**settings: Any) -> TestClient:
    app = create_app(settings=Settings(**settings), model=ExtractiveModel())
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def keyed() -> TestClient:
    return client_for(api_key_hashes=(sha256(KEY), sha256(OTHER_KEY)))


@pytest.fixture
def logs() -> Iterator[CapturedLogs]:
    with captured_logs() as captured:
        yield captured


def _typed(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == kind and body["detail"]
    return body


def test_keys_are_off_by_default() -> None:
    assert Settings().api_key_hashes == ()
    assert client_for().post("/verify", json=VERIFY).status_code == 200


def test_a_request_without_a_key_is_a_typed_401(keyed: TestClient) -> None:
    response = keyed.post("/verify", json=VERIFY)
    body = _typed(response, 401, "unauthorized")
    assert "Authorization: Bearer" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-the-key"},
        {"X-API-Key": "not-the-key"},
        {"Authorization": f"Bearer {KEY}x"},
        # The digest itself is not a key: knowing the configuration does not let one in.
        {"Authorization": f"Bearer {sha256(KEY)}"},
        {"Authorization": f"Basic {KEY}"},
    ],
)
def test_a_wrong_key_is_a_typed_401(keyed: TestClient, headers: dict[str, str]) -> None:
    _typed(keyed.post("/verify", json=VERIFY, headers=headers), 401, "unauthorized")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY}"},
        {"Authorization": f"bearer {OTHER_KEY}"},
        {"X-API-Key": KEY},
    ],
)
def test_a_configured_key_is_let_in(keyed: TestClient, headers: dict[str, str]) -> None:
    response = keyed.post("/verify", json=VERIFY, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["supported"] is True


def test_the_key_is_checked_before_the_body_is_read(keyed: TestClient) -> None:
    # An anonymous client cannot make the service parse (or validate) anything.
    _typed(keyed.post("/verify", content=b"{not json"), 401, "unauthorized")
    _typed(keyed.post("/verify", content=b"x" * 300_000), 401, "unauthorized")


def test_health_probes_and_docs_stay_open(keyed: TestClient) -> None:
    assert keyed.get("/healthz").json() == {"status": "ok"}
    assert keyed.get("/readyz").status_code == 200
    assert keyed.get("/openapi.json").status_code == 200
    assert keyed.get("/docs").status_code == 200
    # The scripts and styles the docs pages load are served without a key too.
    assets = re.findall(r'(?:src|href)="(/[^"/][^"]*)"', keyed.get("/docs").text)
    assert assets
    for asset in assets:
        assert keyed.get(asset).status_code == 200, asset
    _typed(keyed.get("/static-offline-docs-not-a-folder"), 401, "unauthorized")


def test_other_routes_need_a_key(keyed: TestClient) -> None:
    _typed(keyed.post("/summarize", json={"articles": []}), 401, "unauthorized")
    _typed(keyed.get("/metrics"), 401, "unauthorized")
    assert keyed.get("/metrics", headers={"X-API-Key": KEY}).status_code == 200


def test_metrics_keys_keep_client_keys_off_metrics() -> None:
    client = client_for(api_key_hashes=(sha256(KEY),), metrics_key_hashes=(sha256(METRICS_KEY),))
    assert client.get("/metrics", headers={"X-API-Key": METRICS_KEY}).status_code == 200
    _typed(client.get("/metrics", headers={"X-API-Key": KEY}), 403, "forbidden")
    _typed(client.get("/metrics"), 401, "unauthorized")
    # ...and the scraper's key is not a client key.
    _typed(
        client.post("/verify", json=VERIFY, headers={"X-API-Key": METRICS_KEY}), 403, "forbidden"
    )
    assert client.post("/verify", json=VERIFY, headers={"X-API-Key": KEY}).status_code == 200


def test_openapi_states_the_key_schemes_only_when_keys_are_on(keyed: TestClient) -> None:
    schema = keyed.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    verify = schema["paths"]["/verify"]["post"]
    assert verify["security"] == [{"bearer": []}, {"apiKey": []}]
    assert {"401", "403"} <= set(verify["responses"])
    assert "security" not in schema["paths"]["/healthz"]["get"]
    plain = client_for().get("/openapi.json").json()
    assert "securitySchemes" not in plain.get("components", {})
    assert "401" not in plain["paths"]["/verify"]["post"]["responses"]


def test_digests_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_API_KEY_HASHES", f"{sha256(KEY)}, {sha256(OTHER_KEY).upper()}")
    assert Settings().api_key_hashes == (sha256(KEY), sha256(OTHER_KEY))


def test_a_key_pasted_in_place_of_its_digest_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARIZER_API_KEY_HASHES", KEY)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as raised:
            get_settings()
    finally:
        get_settings.cache_clear()
    message = str(raised.value)
    assert "SUMMARIZER_API_KEY_HASHES" in message and "SHA-256" in message
    assert KEY not in message and KEY[:8] not in message


def test_digests_are_read_from_a_file_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# the web front end\n{sha256(KEY)}\n\n{sha256(OTHER_KEY)}  # batch jobs\n")
    client = client_for(api_key_hashes_file=path)
    for key in (KEY, OTHER_KEY):
        assert client.post("/verify", json=VERIFY, headers={"X-API-Key": key}).status_code == 200
    _typed(client.post("/verify", json=VERIFY), 401, "unauthorized")


@pytest.mark.parametrize(
    ("content", "expected"),
    [("# nobody yet\n", "holds no key digest"), (f"{KEY}\n", "not a SHA-256 hex digest")],
)
def test_a_digest_file_that_cannot_work_stops_start_up(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "keys"
    path.write_text(content)
    with pytest.raises(ConfigError) as raised:
        create_app(settings=Settings(api_key_hashes_file=path), model=ExtractiveModel())
    assert expected in str(raised.value) and str(path) in str(raised.value)
    assert KEY not in str(raised.value)
    with pytest.raises(ConfigError, match="cannot read"):
        create_app(settings=Settings(api_key_hashes_file=tmp_path / "missing"))


def test_keys_never_reach_the_logs(keyed: TestClient, logs: CapturedLogs) -> None:
    keyed.post("/verify", json=VERIFY, headers={"Authorization": f"Bearer {KEY}"})
    keyed.post("/verify", json=VERIFY, headers={"X-API-Key": OTHER_KEY + "-wrong"})
    requests = [line for line in logs.lines() if line["event"] == "request"]
    assert [r["status"] for r in requests] == [200, 401]
    # The log names the key by a prefix of its digest: enough to tell clients apart.
    assert requests[0]["client"] == f"key:{sha256(KEY)[:12]}"
    text = logs.text
    assert KEY not in text and OTHER_KEY not in text


@given(key=st.text(min_size=1, max_size=60), configured=st.lists(st.text(max_size=40), max_size=4))
def test_a_key_is_let_in_exactly_when_its_digest_is_configured(
    key: str, configured: list[str]
) -> None:
    ring = KeyRing([digest(k) for k in configured] + [digest("always-there")])
    access = ring.check(key)
    assert (access.verdict is Verdict.ALLOWED) == (key in configured or key == "always-there")
    if access.verdict is Verdict.ALLOWED:
        assert access.key_id == digest(key)[:12]


def test_the_presented_key_comes_from_either_header() -> None:
    assert presented_key({"authorization": f"Bearer  {KEY} "}) == KEY
    assert presented_key({"x-api-key": KEY}) == KEY
    assert presented_key({"authorization": "Bearer "}) is None
    assert presented_key({}) is None
