"""Hostile input over HTTP: every answer is a 200 or a typed error, and the connection survives.

Bodies are sent as raw bytes where it matters: JSON may escape a lone surrogate (`\\ud800`),
which httpx's own encoder refuses, and a body may be no valid UTF-8 at all.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from devtools.fake_openai_server import create_app as create_model_server
from devtools.fake_openai_server import serve_in_thread
from devtools.faults import FaultConfig, FaultKind
from service.api.app import create_app
from service.api.schemas import ArticleIn
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.llm.base import ModelReply, ModelRequest, OutputT
from service.llm.openai_client import OpenAIChatModel
from tests.conftest import cited_objects

JSON = {"content-type": "application/json"}
SENTENCES = (
    "Leaders met in Tokyo on Friday to talk about trade. Officials said the talks went well."
)
# What no response may carry: control characters other than tab and line breaks, surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
SETTINGS = Settings(max_articles=10, max_body_bytes=200_000, max_article_chars=50_000)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(
        create_app(settings=SETTINGS, model=ExtractiveModel()), raise_server_exceptions=False
    )


def _article(**overrides: Any) -> dict[str, Any]:
    article: dict[str, Any] = {"id": "a1", "text": SENTENCES}
    article.update(overrides)
    return {k: v for k, v in article.items() if v is not None}


def raw(payload: Any) -> bytes:
    """JSON as a client may send it: lone surrogates escaped, as the JSON grammar allows."""
    return json.dumps(payload).encode("ascii")


def _error(response: Any, status: int, kind: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == kind, body
    assert body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


# --- Lone surrogates and control characters: a 422 naming the field, never a 500 ---


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/summarize", {"articles": [_article(text="bad \ud800 text.")]}, "articles[0].text"),
        (
            "/summarize",
            {"articles": [_article(text=None, html="<p>\udfff</p>")]},
            "articles[0].html",
        ),
        ("/summarize", {"articles": [_article(title="bad \ud800")]}, "articles[0].title"),
        ("/summarize", {"articles": [_article(source="\udbff")]}, "articles[0].source"),
        ("/summarize", {"articles": [_article(id="a\udc00")]}, "articles[0].id"),
        ("/verify", {"articles": [_article()], "sentences": ["bad \ud800 text."]}, "sentences[0]"),
        (
            "/verify",
            {"articles": [_article()], "sentences": ["Fine.", {"text": "bad \ud800 text."}]},
            "sentences[1].text",
        ),
        (
            "/verify",
            {
                "articles": [_article()],
                "sentences": [{"text": "x", "citations": [{"article_id": "a1", "text": "\ud800"}]}],
            },
            "sentences[0].citations[0].text",
        ),
    ],
)
def test_a_lone_surrogate_is_a_422_naming_the_field(
    client: TestClient, path: str, payload: dict[str, Any], field: str
) -> None:
    body = _error(client.post(path, content=raw(payload), headers=JSON), 422, "invalid_request")
    assert body["field"] == field
    assert "surrogate" in body["detail"]


def test_a_sentence_given_as_text_is_told_what_is_wrong_with_the_text(client: TestClient) -> None:
    # A sentence is text or an object: the object branch's "not an object" would only confuse.
    payload = {"articles": [_article()], "sentences": ["bad \ud800 text."]}
    body = _error(
        client.post("/verify", content=raw(payload), headers=JSON), 422, "invalid_request"
    )
    assert "surrogate" in body["detail"] and "dictionary" not in body["detail"]


def test_an_escaped_surrogate_pair_is_one_character_and_welcome(client: TestClient) -> None:
    text = "Leaders met in Tokyo \U0001f600 on Friday. Officials said the talks went well."
    response = client.post(
        "/summarize", content=raw({"articles": [_article(text=text)]}), headers=JSON
    )
    assert response.status_code == 200, response.text
    assert response.json()["articles"][0]["text"] == text


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x1f", "\x7f", "\x90"])
def test_a_control_character_in_article_text_is_a_422_with_its_place(
    client: TestClient, char: str
) -> None:
    text = f"Leaders met{char} in Tokyo on Friday."
    body = _error(
        client.post("/summarize", json={"articles": [_article(text=text)]}),
        422,
        "invalid_request",
        "articles[0].text",
    )
    assert f"U+{ord(char):04X} at index 11" in body["detail"]


@pytest.mark.parametrize("char", ["\t", "\x0b", "\x0c", "\x85", "\u2028", "\u200b", "\ufeff"])
def test_whitespace_controls_and_format_characters_in_text_are_kept(
    client: TestClient, char: str
) -> None:
    text = f"Leaders met in Tokyo{char} on Friday to talk about trade. Officials said it went well."
    response = client.post("/summarize", json={"articles": [_article(text=text)]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["articles"][0]["text"] == text
    for obj in cited_objects(body["summary"]):
        for c in obj["citations"]:
            assert text[c["start"] : c["end"]] == c["text"]


def _strings(node: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


NOISE = st.text(
    st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp", "Zs", "Ll", "Lu", "Nd", "Po"]),
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noise=NOISE, where=st.sampled_from(["text", "title", "sentence"]))
def test_any_string_json_can_carry_gets_a_200_or_a_typed_422(
    client: TestClient, noise: str, where: str
) -> None:
    text = f"{SENTENCES} {noise}" if where == "text" else SENTENCES
    article = _article(text=text, title=noise if where == "title" else None)
    if where == "sentence":
        path, payload = "/verify", {"articles": [article], "sentences": [f"Leaders {noise} met."]}
    else:
        path, payload = "/summarize", {"articles": [article]}
    response = client.post(path, content=raw(payload), headers=JSON)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["type"] == "invalid_request"
        assert FORBIDDEN.search(noise)
    else:
        # Nothing that is not text ever comes back, in the summary or anywhere else.
        assert not [s for s in _strings(response.json()) if FORBIDDEN.search(s)]


# --- Article ids: client input, so a 422, never the model's 502 ---


BAD_IDS = [
    "a\nb",
    "a\rb",
    "a\r\nb",
    "a\u2028b",
    "a\u2029b",
    "a\x85b",
    "a\x0bb",
    "a\x0cb",
    "a\x1cb",
    "a\tb",
    "a\x00b",
    "\u200b",
    "\u200b\u200c\u200d",
    "\ufeff",
    " \u200b ",
    "\u2060",
    "a\u202eb",
    "   ",
    "\u00a0\u3000",
]


@pytest.mark.parametrize("article_id", BAD_IDS)
def test_an_id_with_control_format_or_line_break_characters_is_a_422(
    client: TestClient, article_id: str
) -> None:
    _error(
        client.post("/summarize", json={"articles": [_article(id=article_id)]}),
        422,
        "invalid_request",
        "articles[0].id",
    )
    citation = {"article_id": article_id, "text": "Leaders"}
    _error(
        client.post(
            "/verify",
            json={"articles": [_article()], "sentences": [{"text": "x", "citations": [citation]}]},
        ),
        422,
        "invalid_request",
        "sentences[0].citations[0].article_id",
    )


@pytest.mark.parametrize("article_id", ["a b", "a]b", "[x]", "a | b", "é", "\U0001f600", " a"])
def test_printable_ids_are_kept_as_given(client: TestClient, article_id: str) -> None:
    response = client.post("/summarize", json={"articles": [_article(id=article_id)]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["articles"][0]["id"] == article_id
    cited = {c["article_id"] for obj in cited_objects(body["summary"]) for c in obj["citations"]}
    assert cited == {article_id}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article_id=st.text(min_size=1, max_size=12))
def test_any_id_gets_a_200_or_a_422(client: TestClient, article_id: str) -> None:
    response = client.post("/summarize", json={"articles": [_article(id=article_id)]})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["field"] == "articles[0].id"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_key_points": "5"}, "options.max_key_points"),
        ({"max_quotes": True}, "options.max_quotes"),
        ({"repair": 1}, "options.repair"),
        ({"repair": "false"}, "options.repair"),
    ],
)
def test_an_option_of_another_json_type_than_documented_is_a_422(
    client: TestClient, options: dict[str, Any], field: str
) -> None:
    payload = {"articles": [_article()], "options": options}
    _error(client.post("/summarize", json=payload), 422, "invalid_request", field)


def test_a_citation_offset_given_as_a_string_is_a_422(client: TestClient) -> None:
    citation = {"article_id": "a1", "start": "0", "end": 7}
    payload = {"articles": [_article()], "sentences": [{"text": "x", "citations": [citation]}]}
    _error(
        client.post("/verify", json=payload),
        422,
        "invalid_request",
        "sentences[0].citations[0].start",
    )


# --- Bodies that cannot be read: typed 400 and 415 ---


def test_invalid_utf8_is_a_typed_400(client: TestClient) -> None:
    body = b'{"articles": [{"id": "a", "text": "caf\xff\xfe"}]}'
    error = _error(client.post("/summarize", content=body, headers=JSON), 400, "invalid_encoding")
    assert "0xff at offset 38" in error["detail"] and "UTF-8" in error["detail"]


def test_a_latin1_body_is_a_typed_400_that_names_the_charset(client: TestClient) -> None:
    body = json.dumps({"articles": [_article(text="Caf\u00e9 owners met.")]}, ensure_ascii=False)
    response = client.post(
        "/summarize",
        content=body.encode("latin-1"),
        headers={"content-type": "application/json; charset=latin-1"},
    )
    assert "latin-1" in _error(response, 400, "invalid_encoding")["detail"]


def test_a_declared_charset_is_ignored_for_utf8_json_as_rfc_8259_says(client: TestClient) -> None:
    response = client.post(
        "/summarize",
        content=raw({"articles": [_article()]}),
        headers={"content-type": "application/json; charset=latin-1"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate", "GZIP"])
def test_a_compressed_body_is_a_typed_415(client: TestClient, coding: str) -> None:
    response = client.post(
        "/summarize",
        content=gzip.compress(raw({"articles": [_article()]})),
        headers={**JSON, "content-encoding": coding},
    )
    _error(response, 415, "unsupported_content_encoding")
    assert response.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "multipart/form-data; boundary=x"},
        {},
    ],
)
def test_a_body_not_declared_as_json_is_a_typed_415(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.post("/summarize", content=raw({"articles": [_article()]}), headers=headers)
    assert "application/json" in _error(response, 415, "unsupported_media_type")["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 2_000 + b"]" * 2_000,
        b'{"articles": [{"id": "a", "text": ' + b"[" * 2_000 + b"]" * 2_000 + b"}]}",
        b'{"articles": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}",
    ],
)
def test_json_nested_past_the_parser_is_a_typed_400(client: TestClient, body: bytes) -> None:
    _error(client.post("/summarize", content=body, headers=JSON), 400, "invalid_json")


# --- Every 404 and every 405 is typed ---


@pytest.mark.parametrize("path", ["/nope", "/summarize/x", "/docs/x", "/%ff", "/viewer/x"])
def test_every_unknown_path_is_a_typed_404(client: TestClient, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        _error(client.request(method, path), 404, "not_found")


def test_a_missing_docs_asset_is_a_typed_404(client: TestClient) -> None:
    _error(client.get("/static-offline-docs/missing.js"), 404, "not_found")
    _error(client.post("/static-offline-docs/swagger-ui.css"), 405, "method_not_allowed")


def _routes() -> list[tuple[str, frozenset[str]]]:
    app = create_app(settings=SETTINGS, model=ExtractiveModel())
    return [(r.path, frozenset(r.methods or ())) for r in app.routes if isinstance(r, APIRoute)]


@pytest.mark.parametrize(("path", "methods"), _routes())
def test_every_wrong_method_is_a_typed_405_with_allow(
    client: TestClient, path: str, methods: frozenset[str]
) -> None:
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} - methods:
        response = client.request(method, path)
        body = _error(response, 405, "method_not_allowed")
        assert method in body["detail"]
        assert set(response.headers["allow"].split(", ")) >= methods


# --- The connection survives: a real server, one TCP connection, several requests ---


class BrokenModel(ExtractiveModel):
    """The extractive model with a programming error in it."""

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        raise RuntimeError("a bug in the model adapter")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int]]:
    app = create_app(settings=SETTINGS, model=ExtractiveModel())
    with serve_in_thread(app) as url:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        yield parts.hostname, parts.port


def _exchange(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None) -> int:
    conn.request(method, path, body=body, headers=JSON if body is not None else {})
    response = conn.getresponse()
    payload = json.loads(response.read())
    assert response.status == 200 or payload["type"], payload
    return response.status


def _on_one_connection(
    host: str, port: int, requests: list[tuple[str, str, bytes | None]]
) -> list[int]:
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.connect()
    sock = conn.sock
    statuses = []
    try:
        for method, path, body in requests:
            statuses.append(_exchange(conn, method, path, body))
            assert conn.sock is sock, "the connection was closed and opened again"
    finally:
        conn.close()
    return statuses


def test_hostile_requests_leave_the_connection_usable(served: tuple[str, int]) -> None:
    good = raw({"articles": [_article()]})
    statuses = _on_one_connection(
        *served,
        [
            ("POST", "/summarize", raw({"articles": [_article(text="bad \ud800 text.")]})),
            ("POST", "/verify", raw({"articles": [_article()], "sentences": ["bad \ud800."]})),
            ("POST", "/summarize", b'{"articles": "\xff"}'),
            ("POST", "/summarize", b"[" * 2_000 + b"]" * 2_000),
            ("POST", "/summarize", raw({"articles": [_article(id="a\nb")]})),
            ("GET", "/nope", None),
            ("GET", "/summarize", None),
            ("POST", "/summarize", good),
        ],
    )
    assert statuses == [422, 422, 400, 400, 422, 404, 405, 200]


def test_a_bug_is_a_typed_500_and_the_connection_stays_usable() -> None:
    app = create_app(settings=SETTINGS, model=BrokenModel())
    with serve_in_thread(app) as url:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        good = raw({"articles": [_article()]})
        statuses = _on_one_connection(
            parts.hostname,
            parts.port,
            [("POST", "/summarize", good), ("GET", "/healthz", None), ("POST", "/summarize", good)],
        )
    assert statuses == [500, 200, 500]
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post("/summarize", json={"articles": [_article()]})
        assert 'route="/summarize",status="500"' in client.get("/metrics").text


# --- The OpenAPI document says what the service does ---


def test_openapi_documents_metrics_as_text(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


ARTICLE_SHAPES = [
    {"id": "a", "text": "x"},
    {"id": "a", "html": "<p>x</p>"},
    {"id": "a", "text": "x", "html": None},
    {"id": "a", "text": None, "html": "<p>x</p>"},
    {"id": "a", "text": "x", "html": "<p>x</p>"},
    {"id": "a"},
    {"id": "a", "text": None},
    {"id": "a", "text": None, "html": None},
]


@pytest.mark.parametrize("article", ARTICLE_SHAPES)
def test_the_schema_states_the_one_of_text_or_html_rule_the_validator_enforces(
    client: TestClient, article: dict[str, Any]
) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ArticleIn"]
    by_schema = jsonschema_rs.Draft202012Validator(schema).is_valid(article)
    try:
        ArticleIn.model_validate(article)
        by_validator = True
    except ValidationError:
        by_validator = False
    assert by_schema == by_validator
    assert "exactly one" in schema["description"]


# --- /docs works offline: every asset it loads is served by the service itself ---


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_same_origin_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert "http://" not in response.text and "https://" not in response.text
    parser = _Assets()
    parser.feed(response.text)
    assert len(parser.urls) >= 2
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1_000, url


def test_swagger_ui_does_not_call_the_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


# --- 503 model_unavailable always says when to retry ---


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _served_model_app(url: str) -> TestClient:
    settings = Settings(model="served", openai_base_url=url, openai_api_key="unused")
    model = OpenAIChatModel(
        "served", base_url=url, transport_attempts=2, backoff_initial_s=0.01, backoff_max_s=2.0
    )
    return TestClient(create_app(settings=settings, model=model))


def _retry_after(response: Any) -> int:
    _error(response, 503, "model_unavailable")
    return int(response.headers["retry-after"])


def test_an_unreachable_model_server_is_a_503_with_retry_after() -> None:
    client = _served_model_app(_closed_port_url())
    assert _retry_after(client.post("/summarize", json={"articles": [_article()]})) == 2


def test_a_model_server_answering_500_is_a_503_with_retry_after() -> None:
    faults = FaultConfig(fault_rate=1.0, kinds=(FaultKind.SERVER_ERROR,))
    with serve_in_thread(create_model_server(faults=faults)) as url:
        response = _served_model_app(url).post("/summarize", json={"articles": [_article()]})
    assert _retry_after(response) == 2


def test_the_model_servers_own_retry_after_is_passed_on() -> None:
    faults = FaultConfig(fault_rate=1.0, kinds=(FaultKind.UNAVAILABLE,), retry_after_s=0.01)
    with serve_in_thread(create_model_server(faults=faults)) as url:
        response = _served_model_app(url).post("/summarize", json={"articles": [_article()]})
    assert _retry_after(response) == 1
