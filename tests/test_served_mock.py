"""The mock server's model writes the sources' conflicts as a real model would, within the
token limit the request gives."""

from __future__ import annotations

import asyncio

from devtools.served_mock import ComparingModel
from service.config import Settings
from service.domain import ArticleInput
from service.drafting.drafter import Drafter
from service.drafting.drafts import SummaryDraft
from service.drafting.prompts import load_prompt
from service.llm.base import ChatMessage, ModelRequest
from service.pipeline.prepared import prepare
from service.text.token_count import count_tokens
from tests.conftest import seed_articles


def seeds_prompt() -> list[ChatMessage]:
    articles = [ArticleInput(id=a["id"], body=a["text"]) for a in seed_articles()]
    prepared = prepare(articles, Settings())
    drafter = Drafter(ComparingModel(), prepared.documents, Settings(), 8, 3)
    return load_prompt("summarize").render(
        articles=drafter.articles,
        sources=drafter.render_sources(prepared.groups.groups),
        max_key_points=8,
        max_quotes=3,
    )


def reply(limit: int) -> SummaryDraft:
    request = ModelRequest(
        task="summarize",
        messages=seeds_prompt(),
        output_type=SummaryDraft,
        max_output_tokens=limit,
    )
    output = asyncio.run(ComparingModel().execute(request)).output
    assert isinstance(output, SummaryDraft)
    return output


def test_conflicts_are_written_only_while_the_reply_stays_within_its_limit() -> None:
    generous = reply(100_000)
    assert generous.conflicts, "the seeds disagree on something the comparison finds"
    without = generous.model_copy(update={"conflicts": []})
    tight = count_tokens(without.model_dump_json()) + 5
    assert reply(tight).conflicts == []
    assert reply(count_tokens(generous.model_dump_json())).conflicts == generous.conflicts
