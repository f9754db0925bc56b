"""A set that cannot fit the model's window is refused before the work it would have cost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.mapping import article_input
from service.api.schemas import ArticleIn
from service.config import Settings
from service.domain import SummaryOptions
from service.drafting.extractive import ExtractiveModel
from service.errors import ClientError
from service.pipeline.prepared import PREPARED, articles_key
from service.pipeline.summarize import summarize
from tests.conftest import seed_articles


def _small() -> Settings:
    return Settings(context_tokens=4_096, max_output_tokens=1_024, response_cache=False)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    PREPARED.clear()
    yield
    PREPARED.clear()


def _prepared_lookups(client: TestClient) -> float:
    pattern = r'cache_lookups_total\{cache="prepared",outcome="\w+"\} (\S+)'
    return sum(float(v) for v in re.findall(pattern, client.get("/metrics").text))


def _titled(count: int) -> list[dict[str, Any]]:
    """Short articles with long titles: the list of them alone overflows a small window."""
    title = " ".join(f"word{i}" for i in range(60))
    return [
        {"id": f"a{i}", "title": f"{title} {i}", "text": f"Article {i} reports one fact."}
        for i in range(count)
    ]


def test_an_article_list_too_long_for_the_window_is_a_422_before_any_ingest() -> None:
    settings = _small()
    client = TestClient(create_app(settings=settings, model=ExtractiveModel(4_096)))
    response = client.post("/summarize", json={"articles": _titled(30)})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "invalid_request" and body["field"] == "articles"
    assert "send fewer articles" in body["detail"]
    # Not prepared: no lookup of prepared articles was made (preparing always makes one).
    assert _prepared_lookups(client) == 0
    fits = client.post("/summarize", json={"articles": _titled(3)})
    assert fits.status_code == 200, fits.text
    assert _prepared_lookups(client) == 1


async def test_a_sentence_too_long_for_any_call_is_refused_before_the_verifier_index() -> None:
    # Room for the prompt, the article and a short sentence, not for a 150-word one.
    settings = Settings(context_tokens=1_024, max_output_tokens=512)
    long_sentence = " ".join(f"term{i}" for i in range(150)) + "."
    raw = {"id": "a1", "text": f"The council met on Monday. {long_sentence}"}
    articles = [article_input(ArticleIn.model_validate(raw))]
    options = SummaryOptions(max_key_points=3, max_quotes=1, repair=False)
    with pytest.raises(ClientError, match="alone exceeds"):
        await summarize(articles, options, model=ExtractiveModel(1_024), settings=settings)
    prepared = PREPARED.get(articles_key(articles))
    assert prepared is not None and not prepared.indexed


def test_the_seeds_still_fit_a_small_window() -> None:
    client = TestClient(create_app(settings=_small(), model=ExtractiveModel(4_096)))
    response = client.post("/summarize", json={"articles": seed_articles()})
    assert response.status_code == 200, response.text
