"""Prepared articles kept by content: /verify and repeated /summarize prepare a set once."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.api.app import create_app
from service.api.mapping import article_input
from service.api.schemas import ArticleIn
from service.config import Settings
from service.domain import ArticleInput, SourceGroups, SummaryOptions
from service.drafting.extractive import ExtractiveModel
from service.errors import ModelUnavailable
from service.llm.base import ModelReply, ModelRequest, OutputT
from service.pipeline.prepared import (
    PREPARED,
    Prepared,
    PreparedCache,
    articles_key,
    prepared_for,
)
from service.pipeline.summarize import summarize
from service.verify import Claim
from tests.conftest import seed_articles


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    PREPARED.clear()
    yield
    PREPARED.clear()


def _client(**overrides: Any) -> TestClient:
    # No response cache: it would answer a repeated /summarize before any preparing.
    settings = Settings(response_cache=False, **overrides)
    return TestClient(create_app(settings=settings, model=ExtractiveModel()))


def _lookups(client: TestClient, outcome: str) -> float:
    pattern = rf'cache_lookups_total\{{cache="prepared",outcome="{outcome}"\}} (\S+)'
    found = re.search(pattern, client.get("/metrics").text)
    return float(found.group(1)) if found else 0.0


CITED = ("article_id", "start", "end", "text")


def _verify_body(summary: dict[str, Any], articles: list[dict[str, Any]]) -> dict[str, Any]:
    sentences = [
        {"text": s["text"], "citations": [{k: c[k] for k in CITED} for c in s["citations"]]}
        for s in [summary["headline"], *summary["key_points"]]
    ]
    return {"articles": articles, "sentences": sentences}


def test_a_repeated_summary_and_a_verify_pay_for_preparing_once() -> None:
    client = _client()
    articles = seed_articles()
    first = client.post("/summarize", json={"articles": articles})
    assert first.status_code == 200, first.text
    assert (_lookups(client, "miss"), _lookups(client, "hit")) == (1, 0)
    # Other options, same articles: prepared once, answered as a fresh run answers.
    options = {"max_key_points": 3}
    again = client.post("/summarize", json={"articles": articles, "options": options})
    checked = client.post("/verify", json=_verify_body(first.json()["summary"], articles))
    assert again.status_code == 200 and checked.status_code == 200
    assert (_lookups(client, "miss"), _lookups(client, "hit")) == (1, 2)
    assert all(result["supported"] for result in checked.json()["results"])
    fresh = _client(prepared_cache_chars=0)
    assert (
        again.content
        == fresh.post("/summarize", json={"articles": articles, "options": options}).content
    )
    assert (
        checked.content
        == fresh.post("/verify", json=_verify_body(first.json()["summary"], articles)).content
    )
    assert _lookups(fresh, "miss") == 0 and _lookups(fresh, "hit") == 0


def test_other_articles_are_prepared_anew() -> None:
    client = _client()
    articles = seed_articles()
    assert client.post("/summarize", json={"articles": articles}).status_code == 200
    edited = [dict(articles[0], text=articles[0]["text"] + " A later paragraph."), *articles[1:]]
    titled = [dict(articles[0], title="Another title"), *articles[1:]]
    for other in (edited, titled, articles[1:]):
        assert client.post("/summarize", json={"articles": other}).status_code == 200
    assert (_lookups(client, "miss"), _lookups(client, "hit")) == (4, 0)


def test_the_input_limits_hold_on_a_cached_set() -> None:
    articles = seed_articles()
    assert _client().post("/summarize", json={"articles": articles}).status_code == 200
    longest = max(len(a["text"]) for a in articles)
    strict = _client(max_article_chars=longest - 1)
    response = strict.post("/summarize", json={"articles": articles})
    assert response.status_code == 413
    assert response.json()["type"] == "payload_too_large"


def _inputs() -> list[ArticleInput]:
    return [article_input(ArticleIn.model_validate(a)) for a in seed_articles()]


def test_concurrent_requests_share_one_prepared_set_and_one_verifier() -> None:
    articles = _inputs()
    settings = Settings()
    cache = PreparedCache()
    start = threading.Barrier(4)

    def verdicts(_: int) -> tuple[Prepared, int, list[bool]]:
        start.wait()
        prepared = prepared_for(articles, settings, cache)
        verifier = prepared.verifier
        claims = [Claim(s.text) for doc in prepared.documents for s in doc.content_sentences[:3]]
        return prepared, id(verifier), [verifier.verify(c).supported for c in claims]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(verdicts, range(4)))
    # Two first requests may both prepare the set; what they find afterwards is one entry.
    assert len(cache) == 1
    kept = cache.get(articles_key(articles))
    assert kept is not None and kept.verifier is kept.verifier
    # However many threads asked a prepared set for its verifier, it built one.
    assert all(verifier_id == id(p.verifier) for p, verifier_id, _ in results)
    assert all(found == results[0][2] for _, _, found in results)
    assert all(results[0][2])


def test_a_set_over_the_bound_is_not_kept_and_the_oldest_goes_first() -> None:
    cache = PreparedCache()
    prepared = {name: Prepared([], _no_groups()) for name in "abcd"}
    cache.put("a", prepared["a"], 4, max_chars=10)
    cache.put("b", prepared["b"], 4, max_chars=10)
    assert cache.get("a") is prepared["a"]  # now b is the least recently used
    cache.put("c", prepared["c"], 4, max_chars=10)
    assert cache.get("b") is None and cache.get("a") is prepared["a"]
    cache.put("d", prepared["d"], 11, max_chars=10)
    assert cache.get("d") is None and cache.chars == 8


def _no_groups() -> SourceGroups:
    return SourceGroups(groups=[])


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 12)), max_size=30))
def test_the_cache_stays_within_its_bound_and_keeps_the_latest(
    puts: list[tuple[str, int]],
) -> None:
    cache = PreparedCache()
    sizes: dict[str, int] = {}
    for key, chars in puts:
        cache.put(key, Prepared([], _no_groups()), chars, max_chars=20)
        sizes[key] = chars
        kept = [k for k in sizes if cache.get(k) is not None]
        assert cache.chars == sum(sizes[k] for k in kept) <= 20
        assert (cache.get(key) is not None) == (chars <= 20)


class IndexWatchingModel(ExtractiveModel):
    """The extractive model served as a remote one would be (asked on the event loop), noting
    whether the verifier's index of the request's articles, and what the sources disagree
    on, got worked out while it was asked."""

    profile = dataclasses.replace(ExtractiveModel.profile, offline=False)

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.saw_index = self.saw_conflicts = False

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        for _ in range(1_000):
            prepared = PREPARED.get(self.key)
            self.saw_index = prepared is not None and prepared.indexed
            self.saw_conflicts = prepared is not None and "conflicts" in prepared.memo
            if self.saw_index and self.saw_conflicts:
                break
            await asyncio.sleep(0.01)
        return await super().execute(request)


async def test_the_verifier_index_and_the_conflicts_are_found_while_the_model_is_asked() -> None:
    articles = _inputs()
    model = IndexWatchingModel(articles_key(articles))
    options = SummaryOptions(max_key_points=6, max_quotes=3, repair=False)
    result = await summarize(articles, options, model=model, settings=Settings())
    # Had either waited for the reply, the model would have waited for it in vain.
    assert model.saw_index and model.saw_conflicts
    assert result.summary.conflicts  # the seeds' outlets disagree
    PREPARED.clear()
    alone = await summarize(articles, options, model=ExtractiveModel(), settings=Settings())
    assert result.summary == alone.summary and result.verification == alone.verification


class DownModel(ExtractiveModel):
    """A remote model whose server cannot be reached: it fails at once."""

    profile = dataclasses.replace(ExtractiveModel.profile, offline=False)

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        raise ModelUnavailable("connection refused", retry_after=1.0)


async def test_a_model_failing_before_the_index_is_built_still_gets_the_extractive_answer() -> None:
    # A fresh set: the index is still being built when the model fails.
    articles = _inputs()
    options = SummaryOptions(
        max_key_points=6, max_quotes=3, repair=False, on_model_failure="extractive"
    )
    result = await summarize(articles, options, model=DownModel(), settings=Settings())
    assert (
        result.run.fallback_reason is not None and "model_unavailable" in result.run.fallback_reason
    )
    assert result.summary.key_points


def test_the_sources_conflicts_are_found_once_per_prepared_set() -> None:
    client = _client()
    articles = seed_articles()
    first = client.post("/summarize", json={"articles": articles})
    assert first.status_code == 200, first.text
    prepared = PREPARED.get(
        articles_key([article_input(ArticleIn.model_validate(a)) for a in articles])
    )
    assert prepared is not None and "conflicts" in prepared.memo
    # Poisoned: a repeat that found them again would not show this marker.
    found = prepared.memo["conflicts"]
    prepared.memo["conflicts"] = found[:0]
    again = client.post("/summarize", json={"articles": articles})
    assert again.json()["summary"]["conflicts"] == []
    assert first.json()["summary"]["conflicts"], "the seeds' sources disagree on one point"
