"""Identical /summarize requests answered from the response cache: same bytes, no pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.processes import free_port
from service.api.app import create_app
from service.api.response_cache import MemoryStore, response_key
from service.api.schemas import SummarizeRequest
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.llm.base import ChatMessage, ModelReply, ModelRequest, OutputT
from service.llm.checker import CheckReply
from tests.conftest import seed_articles
from tests.ops_support import logging_restored, running_redis


class CountingModel(ExtractiveModel):
    """The extractive model, counting the calls that reach it."""

    def __init__(self, context_tokens: int = 16_384) -> None:
        super().__init__(context_tokens)
        self.calls = 0

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.calls += 1
        return await super().execute(request)


def _body(**options: Any) -> dict[str, Any]:
    return {"articles": seed_articles(), "options": options}


def _lookups(client: TestClient, outcome: str) -> float:
    pattern = rf'cache_lookups_total\{{cache="response",outcome="{outcome}"\}} (\S+)'
    found = re.search(pattern, client.get("/metrics").text)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def counted() -> Iterator[tuple[TestClient, CountingModel]]:
    model = CountingModel()
    with logging_restored():
        yield TestClient(create_app(settings=Settings(), model=model)), model


def test_a_repeated_request_is_answered_from_the_cache_with_the_same_bytes(
    counted: tuple[TestClient, CountingModel],
) -> None:
    client, model = counted
    first = client.post("/summarize", json=_body())
    assert first.status_code == 200, first.text
    calls = model.calls
    second = client.post("/summarize", json=_body())
    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers["content-type"] == "application/json"
    assert model.calls == calls  # the pipeline did not run again
    assert (_lookups(client, "miss"), _lookups(client, "hit")) == (1.0, 1.0)


def test_a_cached_body_is_byte_identical_to_a_fresh_run_without_the_cache() -> None:
    with logging_restored():
        cached_app = TestClient(create_app(settings=Settings(), model=ExtractiveModel()))
        cached_app.post("/summarize", json=_body(max_quotes=2))
        hit = cached_app.post("/summarize", json=_body(max_quotes=2))
        uncached = Settings(response_cache=False)
        fresh = TestClient(create_app(settings=uncached, model=ExtractiveModel()))
        answer = fresh.post("/summarize", json=_body(max_quotes=2))
    assert _lookups(cached_app, "hit") == 1.0
    assert answer.status_code == 200
    assert hit.content == answer.content
    assert _lookups(fresh, "miss") == 0.0  # the cache that is off is never asked


def test_a_different_option_or_article_is_a_miss(
    counted: tuple[TestClient, CountingModel],
) -> None:
    client, model = counted
    client.post("/summarize", json=_body())
    fewer = client.post("/summarize", json=_body(max_key_points=2))
    assert fewer.status_code == 200
    assert len(fewer.json()["summary"]["key_points"]) <= 2
    changed = _body()
    changed["articles"][0]["text"] += " One more sentence was added later."
    assert client.post("/summarize", json=changed).status_code == 200
    assert (_lookups(client, "miss"), _lookups(client, "hit")) == (3.0, 0.0)
    # The defaults spelled out are the same request as the defaults left out.
    explicit = _body(max_key_points=8, max_quotes=4, repair=True)
    calls = model.calls
    assert (
        client.post("/summarize", json=explicit).content
        == client.post("/summarize", json=_body()).content
    )
    assert model.calls == calls and _lookups(client, "hit") == 2.0


def test_errors_are_not_cached(counted: tuple[TestClient, CountingModel]) -> None:
    client, _ = counted
    boilerplate = {"articles": [{"id": "a", "text": "twitter\nfacebook\nshare\nprint\n"}]}
    for _ in range(2):
        assert client.post("/summarize", json=boilerplate).status_code == 422
    assert _lookups(client, "hit") == 0.0


# Text a request may hold: no control characters (the API refuses them with a 422).
_ARTICLE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=60
).filter(lambda text: bool(text.strip()))


@settings(max_examples=50, deadline=None)
@given(text=_ARTICLE_TEXT, other=_ARTICLE_TEXT, key_points=st.integers(1, 20))
def test_the_key_changes_with_any_article_text_or_option(
    text: str, other: str, key_points: int
) -> None:
    model, config = ExtractiveModel(), Settings()

    def key(article_text: str, points: int) -> str:
        request = SummarizeRequest.model_validate(
            {"articles": [{"id": "a", "text": article_text}], "options": {"max_key_points": points}}
        )
        return response_key(request, model, config)

    assert key(text, key_points) == key(text, key_points)
    assert (key(text, key_points) == key(other, key_points)) == (text == other)
    assert key(text, key_points) != key(text, key_points % 20 + 1)


def test_the_key_covers_the_model_and_the_settings_that_shape_a_summary() -> None:
    request = SummarizeRequest.model_validate(_body())
    base = response_key(request, ExtractiveModel(), Settings())
    assert response_key(request, ExtractiveModel(context_tokens=8_192), Settings()) != base
    assert response_key(request, ExtractiveModel(), Settings(temperature=0.5)) != base
    assert response_key(request, ExtractiveModel(), Settings(repair=False)) != base
    # What only limits or paces a request does not split the cache.
    assert response_key(request, ExtractiveModel(), Settings(max_articles=20)) == base


class NamedChecker:
    """A checker the key reads the name of; asking it anything fails the test."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def check(self, messages: Sequence[ChatMessage]) -> CheckReply:
        raise AssertionError("the key must not call the checker")

    async def aclose(self) -> None:
        return None


def test_the_key_covers_the_independent_checker() -> None:
    request = SummarizeRequest.model_validate(_body())
    base = response_key(request, ExtractiveModel(), Settings())
    checked = response_key(request, ExtractiveModel(), Settings(), NamedChecker("minicheck"))
    other = response_key(request, ExtractiveModel(), Settings(), NamedChecker("another"))
    assert len({base, checked, other}) == 3


async def test_memory_store_keeps_within_its_byte_bound_least_recently_used_out_first() -> None:
    now = [0.0]
    store = MemoryStore(max_bytes=10, ttl_s=60, clock=lambda: now[0])
    await store.put("a", b"aaaa")
    await store.put("b", b"bbbb")
    assert await store.get("a") == b"aaaa"  # now "b" is the least recently used
    await store.put("c", b"cccc")
    assert await store.get("b") is None
    assert (await store.get("a"), await store.get("c")) == (b"aaaa", b"cccc")
    assert store.size == 8
    await store.put("huge", b"x" * 11)  # larger than the whole cache: not kept
    assert await store.get("huge") is None and store.size == 8
    now[0] = 60.0
    assert await store.get("a") is None  # expired
    assert store.size == 4


def test_replicas_share_the_cache_through_redis() -> None:
    with running_redis() as url, logging_restored():
        first_model, second_model = CountingModel(), CountingModel()
        shared = Settings(redis_url=url)
        first = TestClient(create_app(settings=shared, model=first_model))
        second = TestClient(create_app(settings=shared, model=second_model))
        computed = first.post("/summarize", json=_body())
        served = second.post("/summarize", json=_body())
        assert computed.status_code == served.status_code == 200
        assert served.content == computed.content
        assert first_model.calls > 0 and second_model.calls == 0
        assert _lookups(second, "hit") == 1.0


def test_an_unreachable_redis_is_a_miss_not_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    nowhere = Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with logging_restored():
        client = TestClient(create_app(settings=nowhere, model=ExtractiveModel()))
        response = client.post("/summarize", json=_body())
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["key_points"]
    assert "response cache not read: Redis unreachable" in caplog.text
