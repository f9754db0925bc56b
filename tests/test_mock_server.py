"""The mock model server: OpenAI wire format, capability emulation, seeded fault injection."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from devtools.fake_openai_server import (
    MODEL_NAME,
    PLAIN_SUMMARY_SENTENCES,
    Capability,
    build_parser,
    config_from_args,
    create_app,
    plain_summary,
    serve_in_thread,
)
from devtools.faults import (
    DEFAULT_KINDS,
    FABRICATED_QUOTE,
    INVENTED_KEY_POINT,
    FaultConfig,
    FaultKind,
    FaultPlanner,
    leaked,
    parse_kinds,
    parse_script,
    plant,
    wrong_number,
)
from service.api.app import create_app as create_api
from service.config import Settings
from service.drafting.drafts import (
    DraftSentence,
    Evidence,
    RepairDraft,
    RepairedSentence,
    SummaryDraft,
)
from service.ingest.segment import split_sentences
from service.llm.openai_client import schema_instruction
from tests.conftest import cited_objects

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
REQUESTS_UNDER_FAULTS = 24
SOURCES = """<articles>
[a1] source=Wire | title=Leaders meet in Tokyo
[a2] source=Paper
</articles>
<source_sentences>
[g1 | a1, a2] Prime Minister Meloni met Prime Minister Takaichi in Tokyo on Friday to upgrade ties.
[g2 | a1] The two leaders agreed to cooperate on critical minerals and a new fighter jet by 2035.
[g3 | a2] "We are closer than ever," Meloni said after the talks in Tokyo.
</source_sentences>"""


def chat_body(
    draft: str = "SummaryDraft",
    *,
    content: str = SOURCES,
    response_format: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if response_format is None:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": draft, "schema": {}, "strict": True},
        }
    return {
        "model": "mock",
        "messages": [
            {"role": "system", "content": "Summarise."},
            {"role": "user", "content": content},
        ],
        "response_format": response_format,
        **extra,
    }


def client(**options: Any) -> TestClient:
    capability = options.pop("capability", Capability.JSON_SCHEMA)
    return TestClient(create_app(faults=FaultConfig(**options), capability=capability))


def content_of(reply: Any) -> str:
    text: str = reply.json()["choices"][0]["message"]["content"]
    return text


def test_models_are_listed() -> None:
    listed = client().get("/v1/models").json()
    # Its own name: `mock` is the in-process model, which never reaches a server.
    assert [m["id"] for m in listed["data"]] == [MODEL_NAME] == ["mock-server"]


def test_serves_the_mock_model_deterministically() -> None:
    first = client().post("/v1/chat/completions", json=chat_body())
    second = client().post("/v1/chat/completions", json=chat_body())
    assert first.status_code == 200
    payload = first.json()
    assert payload["object"] == "chat.completion"
    assert payload["choices"][0]["finish_reason"] == "stop"
    assert payload["usage"]["prompt_tokens"] > 0 and payload["usage"]["completion_tokens"] > 0
    draft = SummaryDraft.model_validate_json(content_of(first))
    assert draft.key_points
    assert content_of(first) == content_of(second)


@pytest.mark.parametrize(
    ("capability", "response_format", "status"),
    [
        (Capability.JSON_OBJECT, None, 500),  # json_schema refused as llama.cpp does
        (
            Capability.JSON_OBJECT,
            {"type": "json_object", "schema": SummaryDraft.model_json_schema()},
            200,
        ),
        (Capability.TEXT, {"type": "json_object"}, 400),
    ],
)
def test_capability_emulation(
    capability: Capability, response_format: dict[str, Any] | None, status: int
) -> None:
    reply = client(capability=capability).post(
        "/v1/chat/completions", json=chat_body(response_format=response_format)
    )
    assert reply.status_code == status
    if status != 200:
        assert "response_format" in reply.json()["error"]["message"]


def test_text_mode_finds_the_draft_type_in_the_prompt_schema() -> None:
    body = chat_body(content=f"{schema_instruction(SummaryDraft)}\n\n{SOURCES}")
    del body["response_format"]
    reply = client(capability=Capability.TEXT).post("/v1/chat/completions", json=body)
    assert reply.status_code == 200
    SummaryDraft.model_validate_json(content_of(reply))


@pytest.mark.parametrize(
    "body",
    [
        chat_body("NotADraft"),
        {**chat_body(), "stream": True},
        {"messages": "not a list"},
    ],
)
def test_requests_it_cannot_serve_are_400(body: dict[str, Any]) -> None:
    assert client().post("/v1/chat/completions", json=body).status_code == 400


def test_max_tokens_is_honoured_with_finish_reason_length() -> None:
    reply = client().post("/v1/chat/completions", json=chat_body(max_tokens=12))
    payload = reply.json()
    assert payload["choices"][0]["finish_reason"] == "length"
    assert payload["usage"]["completion_tokens"] == 12


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [
        (FaultKind.RATE_LIMIT, 429, "2"),
        (FaultKind.UNAVAILABLE, 503, "2"),
        (FaultKind.SERVER_ERROR, 500, None),
    ],
)
def test_http_faults(fault: FaultKind, status: int, retry_after: str | None) -> None:
    reply = client(script=(fault,), retry_after_s=2).post("/v1/chat/completions", json=chat_body())
    assert reply.status_code == status
    assert reply.headers.get("retry-after") == retry_after
    assert reply.json()["error"]["message"]


def test_broken_json_faults() -> None:
    script = (FaultKind.MALFORMED, FaultKind.TRUNCATED, FaultKind.LENGTH, FaultKind.INVALID, None)
    app = client(script=script)
    replies = [app.post("/v1/chat/completions", json=chat_body()).json() for _ in script]
    contents = [r["choices"][0]["message"]["content"] for r in replies]
    finish = [r["choices"][0]["finish_reason"] for r in replies]
    assert finish == ["stop", "stop", "length", "stop", "stop"]
    for broken in contents[:3]:
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken)
    with pytest.raises(ValidationError):
        SummaryDraft.model_validate_json(contents[3])
    SummaryDraft.model_validate_json(contents[4])
    assert app.get("/_mock/stats").json()["faults"] == {
        "malformed": 1,
        "truncated": 1,
        "length": 1,
        "invalid": 1,
    }


def test_planted_reply_is_schema_valid_and_recorded() -> None:
    app = client(script=(FaultKind.PLANTED,))
    draft = SummaryDraft.model_validate_json(
        content_of(app.post("/v1/chat/completions", json=chat_body()))
    )
    texts = [p.text for p in draft.key_points] + [q.quote for q in draft.quotes]
    assert INVENTED_KEY_POINT in texts
    assert FABRICATED_QUOTE in texts
    planted = app.get("/_mock/stats").json()["planted"]
    assert len(planted) == 3  # a changed number, an invented point, a fabricated quote
    assert sorted(leaked(texts, planted)) == sorted(planted)
    # The invented point cites a real quote: it resolves, but does not support it.
    invented = next(p for p in draft.key_points if p.text == INVENTED_KEY_POINT)
    assert invented.evidence and invented.evidence[0].quote in SOURCES


def test_planting_in_repairs() -> None:
    rng = random.Random(0)
    sentence = DraftSentence(
        text="They signed 12 agreements.", evidence=[Evidence(article_id="a1", quote="12")]
    )
    repairs = RepairDraft(
        repairs=[
            RepairedSentence(index=0, sentence=sentence),
            RepairedSentence(index=1, sentence=None),
        ]
    )
    planted_repairs, texts = plant(repairs, rng)
    assert isinstance(planted_repairs, RepairDraft)
    assert "12" not in texts[0] and texts[1] == INVENTED_KEY_POINT


def test_wrong_number_changes_or_adds_a_figure() -> None:
    rng = random.Random(1)
    assert wrong_number("Up 7 percent.", rng) != "Up 7 percent."
    assert "billion" in wrong_number("No figures here.", rng)


def test_fault_decisions_are_seeded_and_independent_of_interleaving() -> None:
    config = FaultConfig(fault_rate=0.3, seed=7)
    bodies = [f"body-{i}" for i in range(400)]
    forward = [FaultPlanner(config).decide(b).fault for b in bodies]
    planner = FaultPlanner(config)
    backward = {b: planner.decide(b).fault for b in reversed(bodies)}
    assert forward == [backward[b] for b in bodies]
    share = sum(f is not None for f in forward) / len(forward)
    assert 0.22 < share < 0.38
    assert {f for f in forward if f is not None} == set(DEFAULT_KINDS)
    other_seed = [FaultPlanner(FaultConfig(fault_rate=0.3, seed=8)).decide(b).fault for b in bodies]
    assert other_seed != forward


def test_a_retried_body_does_not_meet_the_same_fault_forever() -> None:
    planner = FaultPlanner(FaultConfig(fault_rate=0.5, seed=3))
    outcomes = [planner.decide("same body").fault for _ in range(30)]
    assert None in outcomes and any(o is not None for o in outcomes)


def test_script_comes_first_in_arrival_order() -> None:
    planner = FaultPlanner(FaultConfig(script=(FaultKind.RATE_LIMIT, None, FaultKind.LENGTH)))
    assert [planner.decide("b").fault for _ in range(4)] == [
        FaultKind.RATE_LIMIT,
        None,
        FaultKind.LENGTH,
        None,
    ]


def test_command_line_options() -> None:
    args = build_parser().parse_args(
        ["--fault-rate", "0.3", "--faults", "429,planted", "--script", "500,ok", "--seed", "5"]
    )
    config = config_from_args(args)
    assert config.fault_rate == 0.3
    assert config.kinds == (FaultKind.RATE_LIMIT, FaultKind.PLANTED)
    assert config.script == (FaultKind.SERVER_ERROR, None)
    assert config.seed == 5
    assert parse_kinds("all") == DEFAULT_KINDS
    assert parse_script("ok") == (None,)
    with pytest.raises(ValueError):
        FaultConfig(fault_rate=1.5)


def test_service_under_faults_returns_only_grounded_summaries_or_typed_errors() -> None:
    """The benchmark's verdict in small: requests through the API with half the replies faulty."""
    seeds = [json.loads(p.read_text()) for p in sorted(SEEDS_DIR.glob("*.json"))]
    faults = FaultConfig(fault_rate=0.5, seed=11, retry_after_s=0.05)
    with serve_in_thread(create_app(faults=faults)) as url:
        settings = Settings(
            model="mock-server",
            openai_base_url=url,
            model_timeout_s=5,
            request_deadline_s=30,
        )
        api = TestClient(create_api(settings))
        rng = random.Random(0)
        statuses = []
        planted_leaks = []
        replies = []
        for number in range(REQUESTS_UNDER_FAULTS):
            chosen = rng.sample(seeds, k=rng.randint(2, len(seeds)))
            articles = [{**a, "id": f"{a['id']}-{number}"} for a in chosen]
            reply = api.post("/summarize", json={"articles": articles})
            statuses.append(reply.status_code)
            replies.append((articles, reply))
        planted = httpx.get(url.removesuffix("/v1") + "/_mock/stats").json()["planted"]
    assert planted, "the run must have planted something to prove anything"
    for articles, reply in replies:
        body = reply.json()
        if reply.status_code != 200:
            assert reply.status_code in (502, 503, 504)
            assert body["type"] in {
                "model_error",
                "model_bad_output",
                "model_unavailable",
                "model_timeout",
            }
            continue
        texts = {a["id"]: a["text"] for a in articles}
        for item in cited_objects(body["summary"]):
            assert item["citations"], item
            for c in item["citations"]:
                assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]
            planted_leaks += leaked([item["text"]], planted)
    assert planted_leaks == []
    # Three re-asks and four transport attempts absorb nearly every fault.
    assert statuses.count(200) >= 0.75 * REQUESTS_UNDER_FAULTS


PLAIN_ARTICLE = (
    "The city council approved the new bridge on Monday. The bridge will cross the river "
    "north of the old harbour. Council members said the bridge would cut traffic in the "
    "centre. A local bakery opened a second shop. Work on the bridge starts in spring and the "
    "council expects the bridge to open in two years."
)


def plain_body(text: str = PLAIN_ARTICLE, **extra: Any) -> dict[str, Any]:
    """A summarisation prompt as any client writes one: no schema, plain text back."""
    return {
        "model": "mock",
        "messages": [{"role": "user", "content": f"Write a concise summary of:\n\n{text}"}],
        **extra,
    }


def test_a_plain_prompt_gets_a_plain_extractive_summary() -> None:
    reply = client().post("/v1/chat/completions", json=plain_body())
    assert reply.status_code == 200
    summary = content_of(reply)
    # Whole sentences of the article, the ones about what it is mostly about, in its order.
    assert summary.startswith("The city council approved the new bridge on Monday.")
    assert "bakery" not in summary
    assert summary.count(".") == PLAIN_SUMMARY_SENTENCES
    assert reply.json()["usage"]["prompt_tokens"] > 0
    assert content_of(client().post("/v1/chat/completions", json=plain_body())) == summary


def test_a_plain_reply_honours_max_tokens() -> None:
    reply = client().post("/v1/chat/completions", json=plain_body(max_tokens=5))
    assert reply.json()["choices"][0]["finish_reason"] == "length"
    assert reply.json()["usage"]["completion_tokens"] == 5


@given(st.lists(st.sampled_from(["The bridge opens.", "Rain fell", "Ok!", "\n\n", " ", "a b."])))
@hypothesis_settings(max_examples=50, deadline=None)
def test_plain_summaries_are_the_texts_own_sentences_in_order(pieces: list[str]) -> None:
    text = " ".join(pieces)
    sentences = [text[start:end] for start, end in split_sentences(text)]
    chosen = plain_summary(text)
    # The summary is a subsequence of the text's sentences, joined by spaces, and short.
    rest, used = chosen, 0
    for sentence in sentences:
        if rest and rest.startswith(sentence):
            rest, used = rest[len(sentence) :].removeprefix(" "), used + 1
    assert rest == ""
    assert used <= PLAIN_SUMMARY_SENTENCES


def test_stats_count_every_call_with_its_prompt_tokens_and_times() -> None:
    api = client(latency_s=0.05)
    api.post("/v1/chat/completions", json=plain_body())
    api.post("/v1/chat/completions", json=chat_body())
    api.post("/v1/chat/completions", json=chat_body("NotADraft"))
    stats = api.get("/_mock/stats").json()
    calls = stats["calls"]
    assert [c["status"] for c in calls] == [200, 200, 400]
    assert [c["plain"] for c in calls] == [True, False, False]
    assert stats["plain_replies"] == 1
    assert calls[2]["prompt_tokens"] == 0
    assert stats["prompt_tokens"] == calls[0]["prompt_tokens"] + calls[1]["prompt_tokens"] > 0
    assert all(c["finished"] - c["started"] >= 0.05 for c in calls[:2])
    assert api.post("/_mock/reset").json()["calls"] == []
    assert api.get("/_mock/stats").json()["requests"] == 0
