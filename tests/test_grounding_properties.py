"""The grounding invariant as properties: whatever the articles, every citation slices exactly."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.api.app import create_app
from service.api.mapping import summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.errors import ClientError
from tests.conftest import cited_objects

WORDS = st.sampled_from(
    "Japan Italy Tokyo Rome minister leaders agreed signed trade talks summit 160th 2035 $11.6 "
    "billion Friday “special” partnership said she he not never critical minerals space jet "
    "Meloni Takaichi é 東京 — - , ; ( )".split()
)
SENTENCE = st.lists(WORDS, min_size=3, max_size=18).map(lambda w: " ".join(w).capitalize() + ".")
SEPARATOR = st.sampled_from([" ", "  ", "\n", "\n\n", "\r\n", "\t", " \u00a0"])


@st.composite
def article_text(draw: st.DrawFn) -> str:
    sentences = draw(st.lists(SENTENCE, min_size=1, max_size=8))
    text = ""
    for sentence in sentences:
        text += sentence + draw(SEPARATOR)
    return draw(st.sampled_from(["", " ", "\n"])) + text


@st.composite
def articles(draw: st.DrawFn) -> list[dict[str, Any]]:
    texts = draw(st.lists(article_text(), min_size=1, max_size=4))
    # Syndicated copies: sometimes an article repeats another one's text.
    if len(texts) > 1 and draw(st.booleans()):
        texts[-1] = texts[0] + draw(SENTENCE)
    return [{"id": f"a{i}", "text": t} for i, t in enumerate(texts)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles())
def test_every_summary_citation_slices_the_submitted_text(items: list[dict[str, Any]]) -> None:
    request = SummarizeRequest(articles=[ArticleIn.model_validate(a) for a in items])
    try:
        response = asyncio.run(
            summarize_request(request, model=ExtractiveModel(), settings=Settings())
        )
    except ClientError:  # e.g. nothing summarisable: a typed 4xx, never anything else
        return
    texts = {a["id"]: a["text"] for a in items}
    body = response.model_dump()
    for article in body["articles"]:
        assert article["text"] == texts[article["id"]]
    for obj in cited_objects(body["summary"]):
        assert obj["citations"]
        for c in obj["citations"]:
            assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


CLIENT = TestClient(create_app(settings=Settings(), model=ExtractiveModel()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    article_text(),
    st.lists(
        st.tuples(st.integers(-5, 400), st.integers(-5, 400), st.one_of(st.none(), SENTENCE)),
        min_size=1,
        max_size=3,
    ),
    SENTENCE,
)
def test_verify_with_arbitrary_client_offsets_never_breaks_the_invariant(
    text: str, spans: list[tuple[int, int, str | None]], sentence: str
) -> None:
    citations = []
    for start, end, quote in spans:
        citation: dict[str, Any] = {"article_id": "a0"}
        if start >= 0 and end >= start:
            citation.update(start=start, end=end)
        if quote is not None or "start" not in citation:
            citation["text"] = quote or sentence
        citations.append(citation)
    response = CLIENT.post(
        "/verify",
        json={
            "articles": [{"id": "a0", "text": text}],
            "sentences": [{"text": sentence, "citations": citations}, sentence],
        },
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        for result in response.json()["results"]:
            assert 0.0 <= result["score"] <= 1.0
            assert not result["supported"] or result["citations"]
            for c in result["citations"]:
                assert text[c["start"] : c["end"]] == c["text"]
