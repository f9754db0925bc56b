"""The HTTP contract: routes, typed JSON errors for every kind of bad input, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.routes import get_model
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from tests.conftest import cited_objects, seed_articles


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = Settings(max_articles=10, max_body_bytes=200_000, max_article_chars=50_000)
    return TestClient(
        create_app(settings=settings, model=ExtractiveModel()), raise_server_exceptions=False
    )


def _article(**overrides: Any) -> dict[str, Any]:
    article: dict[str, Any] = {"id": "a1", "text": "Japan and Italy met in Tokyo on Friday."}
    article.update(overrides)
    return article


def _error(response: Any, status: int, kind: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == kind
    assert body["detail"]
    if field is not None:
        assert body.get("field") == field
    return body


def test_health_ready_metrics_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/summarize", "/verify"}
    assert client.get("/docs").status_code == 200
    client.post("/summarize", json={"articles": []})
    metrics = client.get("/metrics").text
    assert 'http_requests_total{route="/summarize",status="422"}' in metrics


def test_summarize_seeds_is_grounded(client: TestClient) -> None:
    articles = seed_articles()
    response = client.post("/summarize", json={"articles": articles})
    assert response.status_code == 200, response.text
    body = response.json()
    texts = {a["id"]: a["text"] for a in articles}
    assert body["summary"]["key_points"]
    for article in body["articles"]:
        assert article["text"] == texts[article["id"]]
    checked = 0
    for obj in cited_objects(body["summary"]):
        assert obj["citations"], obj
        for c in obj["citations"]:
            assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"articles": []}, "articles"),
        ({}, "articles"),
        ({"articles": [_article(text="   \n\t ")]}, "articles[0]"),
        ({"articles": [_article(text=None)]}, "articles[0]"),
        ({"articles": [_article(html="<p>x</p>")]}, "articles[0]"),
        ({"articles": [_article(), _article()]}, "articles"),
        ({"articles": [{"text": "No id here."}]}, "articles[0].id"),
        ({"articles": [_article(id="")]}, "articles[0].id"),
        ({"articles": [_article(id=7)]}, "articles[0].id"),
        ({"articles": [_article(text=["not", "a", "string"])]}, "articles[0].text"),
        ({"articles": [_article(colour="red")]}, "articles[0].colour"),
        ({"articles": [_article()], "extra": 1}, "extra"),
        ({"articles": [_article()], "options": {"max_key_points": 0}}, "options.max_key_points"),
        ({"articles": "not a list"}, "articles"),
    ],
)
def test_bad_summarize_input_is_a_422_naming_the_field(
    client: TestClient, payload: dict[str, Any], field: str
) -> None:
    _error(client.post("/summarize", json=payload), 422, "invalid_request", field)


def test_too_many_articles(client: TestClient) -> None:
    articles = [_article(id=f"a{i}") for i in range(11)]
    _error(
        client.post("/summarize", json={"articles": articles}), 413, "payload_too_large", "articles"
    )


def test_article_too_long(client: TestClient) -> None:
    body = {"articles": [_article(text="Word. " * 10_000)]}
    _error(client.post("/summarize", json=body), 413, "payload_too_large", "articles[0].text")


def test_invalid_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/summarize", content=b'{"articles": [', headers={"content-type": "application/json"}
    )
    _error(response, 400, "invalid_json")


def test_oversized_body_is_a_413(client: TestClient) -> None:
    big = json.dumps({"articles": [_article(text="x" * 300_000)]})
    response = client.post("/summarize", content=big, headers={"content-type": "application/json"})
    _error(response, 413, "payload_too_large")


def test_oversized_chunked_body_is_a_413(client: TestClient) -> None:
    def chunks() -> Any:
        yield b'{"articles": [{"id": "a", "text": "'
        for _ in range(30):
            yield b"y" * 10_000
        yield b'"}]}'

    response = client.post(
        "/summarize", content=chunks(), headers={"content-type": "application/json"}
    )
    _error(response, 413, "payload_too_large")


def test_only_boilerplate_is_a_422(client: TestClient) -> None:
    body = {"articles": [_article(text="twitter\nfacebook\ninstagram\nshare\nprint\n")]}
    _error(client.post("/summarize", json=body), 422, "invalid_request", "articles")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"articles": [_article()], "sentences": []}, "sentences"),
        ({"articles": [_article()]}, "sentences"),
        ({"articles": [_article()], "sentences": [{"text": ""}]}, "sentences[0].text"),
        (
            {
                "articles": [_article()],
                "sentences": [{"text": "x", "citations": [{"article_id": "a1"}]}],
            },
            "sentences[0].citations[0]",
        ),
        (
            {
                "articles": [_article()],
                "sentences": [{"text": "x", "citations": [{"article_id": "zz", "text": "Japan"}]}],
            },
            "sentences[0].citations[0].article_id",
        ),
    ],
)
def test_bad_verify_input(client: TestClient, payload: dict[str, Any], field: str) -> None:
    _error(client.post("/verify", json=payload), 422, "invalid_request", field)


def test_verify_returns_one_result_per_sentence_in_order(client: TestClient) -> None:
    articles = seed_articles()
    sentences = [
        "Japan and Italy upgraded their ties to a special strategic partnership.",
        {
            "text": "The bilateral trade volume stands at $11.6 billion.",
            "citations": [{"article_id": articles[1]["id"], "text": "$11.6 billion"}],
        },
        "The bilateral trade volume stands at $95 billion.",
    ]
    response = client.post("/verify", json={"articles": articles, "sentences": sentences})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["supported"] for r in results] == [True, True, False]
    texts = {a["id"]: a["text"] for a in articles}
    for result in results:
        assert 0.0 <= result["score"] <= 1.0
        for c in result["citations"]:
            assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]
        if result["supported"]:
            assert result["citations"]
        else:
            assert result["reasons"]


HTML = """<html><head><title>Summit in Tokyo</title></head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/share">Share</a></nav>
<article><h1>Japan and Italy upgrade ties</h1>
<p>Japanese Prime Minister Sanae Takaichi and Italian Prime Minister Giorgia Meloni agreed on
Friday to elevate relations to a special strategic partnership, officials said.</p>
<p>The two leaders also agreed to strengthen supply chains for critical minerals and to set up a
consultative body on space cooperation, according to the joint statement.</p>
<p>Italy and Japan will also continue their joint development of a next-generation fighter jet
with the United Kingdom, which they aim to deploy by 2035.</p></article>
<footer>© 2026 Example News. All rights reserved.</footer></body></html>"""


def test_html_article_offsets_point_into_the_returned_extracted_text(client: TestClient) -> None:
    response = client.post("/summarize", json={"articles": [{"id": "h1", "html": HTML}]})
    assert response.status_code == 200, response.text
    body = response.json()
    article = body["articles"][0]
    assert article["input_format"] == "html"
    assert "<p>" not in article["text"] and "special strategic partnership" in article["text"]
    cited = cited_objects(body["summary"])
    assert cited
    for obj in cited:
        for c in obj["citations"]:
            assert article["text"][c["start"] : c["end"]] == c["text"]
            assert "All rights reserved" not in c["text"]


def test_readyz_reports_whether_a_real_model_server_answers() -> None:
    from devtools.fake_openai_server import create_app as create_model_server
    from devtools.fake_openai_server import serve_in_thread

    with serve_in_thread(create_model_server()) as url:
        up = Settings(model="served-mock", openai_base_url=url, openai_api_key="unused")
        ready = TestClient(create_app(settings=up)).get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"
    # A port nothing listens on: not ready, answered quickly, with the reason.
    down = up.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1"})
    response = TestClient(create_app(settings=down)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "unreachable" in response.json()["detail"]


def test_a_window_too_small_for_the_reply_is_the_operators_fault_not_the_clients() -> None:
    app = create_app(settings=Settings(), model=ExtractiveModel())
    # Once the reply's 2,048 tokens are reserved, this model's window leaves no room for a prompt.
    app.dependency_overrides[get_model] = lambda: ExtractiveModel(context_tokens=2_100)
    client = TestClient(app, raise_server_exceptions=False)
    body = _error(
        client.post("/summarize", json={"articles": [_article()]}), 500, "configuration_error"
    )
    assert "field" not in body and "SUMMARIZER_CONTEXT_TOKENS" in body["detail"]


class ClosableModel(ExtractiveModel):
    """The extractive model, recording each call of `aclose`."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


def test_the_model_is_closed_once_when_the_app_stops() -> None:
    model = ClosableModel()
    with TestClient(create_app(settings=Settings(), model=model)) as client:
        assert client.post("/summarize", json={"articles": seed_articles()}).status_code == 200
        assert model.closed == 0
    assert model.closed == 1
