"""The draft's reply budget follows what is asked, and a reply cut off at the limit is asked
for again with less rather than failing the request."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.harness import frank_articles
from devtools.fake_openai_server import create_app, serve_in_thread
from devtools.faults import FaultConfig, FaultKind
from service.api.mapping import article_input, summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest
from service.config import Settings
from service.domain import SentenceGroup
from service.drafting import drafter as drafter_module
from service.drafting.budget import pack
from service.drafting.drafter import Ask, Drafter, _overhead_tokens, _tokens
from service.drafting.drafts import (
    MAX_WRITTEN_CONFLICTS,
    DraftConflict,
    DraftSentence,
    Evidence,
)
from service.drafting.extractive import ExtractiveModel
from service.drafting.prompts import load_prompt
from service.drafting.wire_format import parse_blocks
from service.errors import ModelOutputError
from service.llm.base import ModelReply, ModelRequest, OutputT
from service.llm.openai_client import CapabilityCache, OpenAIChatModel, bounded
from service.pipeline.prepared import prepare
from service.text.token_count import count_tokens
from tests.conftest import seed_articles


class Recording(ExtractiveModel):
    """The extractive model, keeping what it was asked; cut off above `fits` key points."""

    def __init__(self, context_tokens: int = 16_384, fits: int | None = None) -> None:
        super().__init__(context_tokens)
        self.requests: list[ModelRequest[Any]] = []
        self.fits = fits

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.requests.append(request)
        if self.fits is not None and request.max_items.get("key_points", 0) > self.fits:
            raise ModelOutputError("the reply was cut off at the token limit", cut_off=True)
        return await super().execute(request)


def _request(**options: Any) -> SummarizeRequest:
    return SummarizeRequest(
        articles=[ArticleIn.model_validate(a) for a in seed_articles()],
        options={"repair": False, **options},
    )


async def test_the_reply_budget_is_what_the_ask_needs_within_the_window() -> None:
    model = Recording()
    await summarize_request(
        _request(max_key_points=8, max_quotes=4), model=model, settings=Settings()
    )
    (request,) = model.requests
    # Five seed articles, one a syndicated copy: four independent sources to cite.
    ask = Ask(key_points=8, quotes=4, evidence=4)
    assert request.max_items == {
        "key_points": 8,
        "quotes": 4,
        "conflicts": MAX_WRITTEN_CONFLICTS,
        "evidence": 4,
    }
    assert request.max_output_tokens == ask.reply_tokens() > Settings().max_output_tokens


async def test_a_small_window_caps_the_reply_at_what_the_prompt_leaves() -> None:
    settings = Settings(context_tokens=6_000, max_output_tokens=512)
    model = Recording(context_tokens=6_000)
    await summarize_request(_request(max_key_points=20), model=model, settings=settings)
    request = model.requests[0]
    prompt = sum(count_tokens(m.content) for m in request.messages)
    assert Ask(20, 4, 4).reply_tokens() > 6_000
    assert 512 <= request.max_output_tokens < 6_000 - prompt


async def test_a_reply_cut_off_is_asked_for_again_with_half_as_much() -> None:
    model = Recording(fits=4)
    messages: list[str] = []
    response = await summarize_request(
        _request(max_key_points=8, max_quotes=4),
        model=model,
        settings=Settings(),
        progress=messages.append,
    )
    first, second = model.requests
    assert second.max_items == {"key_points": 4, "quotes": 2, "conflicts": 0, "evidence": 2}
    assert "at most 4" in second.messages[-1].content
    assert second.max_output_tokens < first.max_output_tokens
    assert 1 <= len(response.summary.key_points) <= 4
    assert not response.run.fallback
    assert any("cut off at the token limit" in m for m in messages)


async def test_a_reply_still_cut_off_when_asked_for_less_fails_as_before() -> None:
    with pytest.raises(ModelOutputError, match="cut off"):
        await summarize_request(_request(), model=Recording(fits=0), settings=Settings())


def test_the_schema_caps_lists_by_name_wherever_they_sit() -> None:
    schema: dict[str, Any] = {
        "properties": {"key_points": {"type": "array", "items": {"$ref": "#/$defs/S"}}},
        "$defs": {"S": {"properties": {"evidence": {"type": "array"}, "text": {}}}},
    }
    capped = bounded(schema, {"key_points": 3, "evidence": 2, "text": 9})
    assert capped["properties"]["key_points"]["maxItems"] == 3
    assert capped["$defs"]["S"]["properties"]["evidence"]["maxItems"] == 2
    assert "maxItems" not in capped["$defs"]["S"]["properties"]["text"]
    assert "maxItems" not in schema["properties"]["key_points"]  # a copy


async def test_through_the_wire_a_cut_off_draft_degrades_and_the_server_obeys_the_caps() -> None:
    """The real client against the mock server: the first ask is cut off at the limit in
    every attempt; the smaller one answers, within the caps its schema carries."""
    cut = (FaultKind.LENGTH,) * Settings().model_max_attempts
    app = create_app(model_name="served", faults=FaultConfig(script=cut))
    bodies: list[dict[str, Any]] = []

    @app.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        bodies.append(await request.json())
        return await call_next(request)

    with serve_in_thread(app) as url:
        model = OpenAIChatModel(
            "served", base_url=url, capabilities=CapabilityCache(), backoff_max_s=0.05
        )
        response = await summarize_request(
            _request(max_key_points=6), model=model, settings=Settings()
        )
    schemas = [b["response_format"]["json_schema"]["schema"] for b in bodies]
    assert [s["properties"]["key_points"]["maxItems"] for s in schemas] == [6, 6, 6, 3]
    assert 1 <= len(response.summary.key_points) <= 3
    assert not response.run.fallback


class ConflictPerMap(ExtractiveModel):
    """The extractive model, reporting one conflict in each map call's reply."""

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        reply = await super().execute(request)
        if request.task != "summarize":
            assert request.max_items["conflicts"] == 0
            return reply
        line = parse_blocks("\n".join(m.content for m in request.messages)).sources[0]
        side = DraftSentence(
            text=line.text, evidence=[Evidence(article_id=line.article_ids[0], quote=line.text)]
        )
        conflict = DraftConflict(about=f"map {line.key}", claims=[side, side])
        output = reply.output.model_copy(update={"conflicts": [conflict]})
        return ModelReply(output=output, raw="", model=reply.model, usage=reply.usage)


async def test_the_conflicts_of_every_map_call_reach_the_reduced_draft() -> None:
    settings = Settings(context_tokens=2_048, max_output_tokens=256)
    articles = [ArticleIn.model_validate(a) for a in seed_articles()]
    prepared = prepare([article_input(a) for a in articles], settings)
    model = ConflictPerMap(context_tokens=2_048)
    drafter = Drafter(model, prepared.documents, settings, 4, 1)
    result = await drafter.write(prepared.groups.groups)
    assert result.strategy == "map_reduce"
    ids = {doc.id for doc in prepared.documents}
    assert len(result.draft.conflicts) >= 2
    # Tags were mapped back to the client's ids in every map reply.
    assert {
        e.article_id for c in result.draft.conflicts for s in c.claims for e in s.evidence
    } <= ids


async def test_each_map_call_lists_only_the_articles_its_sentences_come_from() -> None:
    # Twelve short articles in a small window: several map calls, each naming a few articles.
    articles = [
        ArticleIn.model_validate(
            {
                "id": f"report-{n}",
                "source": f"Outlet Number {n}",
                "title": f"Harbour works, part {n}",
                "text": " ".join(
                    f"Crews in district {n} finished stage {k} of the harbour works on time."
                    for k in range(12)
                ),
            }
        )
        for n in range(12)
    ]
    model = Recording(context_tokens=2_048)
    settings = Settings(context_tokens=2_048, max_output_tokens=256)
    request = SummarizeRequest(articles=articles, options={"repair": False})
    await summarize_request(request, model=model, settings=settings)
    maps = [r for r in model.requests if r.task == "summarize"]
    assert len(maps) > 1
    for call in maps:
        block = parse_blocks("\n".join(m.content for m in call.messages))
        tags_listed = {line.key for line in block.articles}
        tags_used = {tag for line in block.sources for tag in line.article_ids}
        assert tags_listed == tags_used, (tags_listed, tags_used)


def _article_sets() -> list[list[ArticleIn]]:
    frank = frank_articles(36)
    sets = [[ArticleIn(id=a["id"], text=a["text"]) for a in frank[i : i + 3]] for i in (0, 12, 24)]
    return [[ArticleIn(**a) for a in seed_articles()], *sets]


@pytest.mark.parametrize("articles", _article_sets(), ids=["seeds", "frank0", "frank12", "frank24"])
def test_a_summarize_calls_prompt_tokens_as_parts_bound_the_whole_from_above(
    articles: list[ArticleIn],
) -> None:
    """The call's reply budget counts the prompt as its fixed part plus its sources (both
    counted already); that sum never falls below the whole prompt's count, nor far above."""
    settings = Settings()
    prepared = prepare([article_input(a) for a in articles], settings)
    drafter = Drafter(Recording(), prepared.documents, settings, 6, 3)
    sources = drafter.render_sources(prepared.groups.groups)
    messages = load_prompt("summarize").render(
        articles=drafter.articles, sources=sources, max_key_points=6, max_quotes=3
    )
    whole = _tokens(messages)
    parts = _overhead_tokens(drafter.articles, 6, 3) + count_tokens(sources)
    assert whole <= parts <= whole + 16


async def test_a_repeated_set_is_planned_once_and_sent_the_same_prompts(monkeypatch: Any) -> None:
    """The chunks of a prepared set are kept with it: the next request on it packs nothing
    again (half the CPU of a repeated 100-article request) and asks the same; other limits,
    another plan."""
    plans: list[int] = []

    def counting_pack(items: Any, *args: Any, **kwargs: Any) -> Any:
        if items and isinstance(items[0], SentenceGroup):
            plans.append(len(items))
        return pack(items, *args, **kwargs)

    monkeypatch.setattr(drafter_module, "pack", counting_pack)
    articles = [ArticleIn(id=a["id"], text=a["text"]) for a in frank_articles(12)]
    request = SummarizeRequest(articles=articles, options={"repair": False})
    asked = []
    for _ in range(2):
        model = Recording(context_tokens=4_096)  # several map calls
        result = await summarize_request(request, model=model, settings=Settings())
        assert result.run.calls > 2
        # The map calls run at once: the same prompts, in whichever order they were sent.
        asked.append(sorted(repr(r.messages) for r in model.requests))
    assert len(plans) == 1
    assert asked[0] == asked[1]
    other = SummarizeRequest(articles=articles, options={"repair": False, "max_key_points": 3})
    await summarize_request(other, model=Recording(context_tokens=4_096), settings=Settings())
    assert len(plans) == 2
