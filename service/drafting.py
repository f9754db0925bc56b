"""Asking the model: one call when the sources fit, map-then-reduce when they do not; repairs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from service.chunking import pack, prompt_budget
from service.config import Settings
from service.documents import Document, SentenceGroup
from service.models.base import ChatMessage, Model, ModelRequest
from service.models.drafts import DraftSentence, RepairDraft, SummaryDraft
from service.prompts import load_prompt
from service.source_block import (
    CandidateLine,
    SourceLine,
    render_articles,
    render_candidates,
    render_quotes,
    render_sources,
)
from service.tokens import count_tokens

# A reduce round that cannot shrink its input this many times means the budget is too small.
MAX_REDUCE_ROUNDS = 4


@dataclass
class DraftResult:
    draft: SummaryDraft
    strategy: Literal["single", "map_reduce"]


def _tokens(messages: Sequence[ChatMessage]) -> int:
    return sum(count_tokens(m.content) for m in messages)


class Drafter:
    """Runs the summarize/reduce/repair prompts against one model for one request."""

    def __init__(
        self,
        model: Model,
        documents: Sequence[Document],
        settings: Settings,
        max_key_points: int,
        max_quotes: int,
    ) -> None:
        self.model = model
        self.settings = settings
        self.articles = render_articles(documents)
        self.limits = {"max_key_points": max_key_points, "max_quotes": max_quotes}
        self.budget = prompt_budget(model.context_tokens, settings.max_output_tokens)
        self.versions: dict[str, int] = {}

    async def _ask(
        self, task: str, messages: list[ChatMessage], output: type[SummaryDraft] | type[RepairDraft]
    ) -> SummaryDraft | RepairDraft:
        request = ModelRequest(
            task=task,
            messages=messages,
            output_type=output,
            max_output_tokens=self.settings.max_output_tokens,
            temperature=self.settings.temperature,
            seed=self.settings.seed,
        )
        reply = await self.model.execute(request)
        return reply.output

    async def _summarize(self, groups: Sequence[SentenceGroup]) -> SummaryDraft:
        template = load_prompt("summarize")
        self.versions["summarize"] = template.version
        messages = template.render(
            articles=self.articles, sources=render_sources(groups), **self.limits
        )
        draft = await self._ask("summarize", messages, SummaryDraft)
        assert isinstance(draft, SummaryDraft)
        return draft

    async def _reduce(self, drafts: Sequence[SummaryDraft]) -> SummaryDraft:
        template = load_prompt("reduce")
        self.versions["reduce"] = template.version
        candidates, quotes = _candidates(drafts)
        overhead = _tokens(
            template.render(
                articles=self.articles,
                candidates=render_candidates([]),
                quotes=render_quotes(quotes),
                **self.limits,
            )
        )
        batches = pack(candidates, render_candidates, overhead, self.budget)
        for _ in range(MAX_REDUCE_ROUNDS):
            if len(batches) == 1:
                break
            partial = await asyncio.gather(*(self._reduce_batch(b, []) for b in batches))
            fewer, _ = _candidates(partial)
            batches = pack(fewer, render_candidates, overhead, self.budget)
        return await self._reduce_batch(batches[0], quotes)

    async def _reduce_batch(
        self, candidates: Sequence[CandidateLine], quotes: Sequence[SourceLine]
    ) -> SummaryDraft:
        messages = load_prompt("reduce").render(
            articles=self.articles,
            candidates=render_candidates(candidates),
            quotes=render_quotes(quotes),
            **self.limits,
        )
        draft = await self._ask("reduce", messages, SummaryDraft)
        assert isinstance(draft, SummaryDraft)
        return draft

    async def write(self, groups: Sequence[SentenceGroup]) -> DraftResult:
        """The summary draft of all groups, in one call or by map-then-reduce."""
        template = load_prompt("summarize")
        overhead = _tokens(
            template.render(articles=self.articles, sources=render_sources([]), **self.limits)
        )
        chunks = pack(groups, render_sources, overhead, self.budget)
        if len(chunks) == 1:
            draft = await self._summarize(chunks[0])
            strategy: Literal["single", "map_reduce"] = "single"
        else:
            partial = await asyncio.gather(*(self._summarize(chunk) for chunk in chunks))
            draft = await self._reduce(partial)
            strategy = "map_reduce"
        return DraftResult(draft, strategy)

    async def repair(
        self, groups: Sequence[SentenceGroup], failed: Sequence[tuple[DraftSentence, list[str]]]
    ) -> list[DraftSentence | None]:
        """One repair call: each failed sentence comes back corrected, or None."""
        template = load_prompt("repair")
        self.versions["repair"] = template.version
        listing = "\n".join(
            f"[{i}] {' '.join(sentence.text.split())}\n    failed because: {'; '.join(reasons)}"
            for i, (sentence, reasons) in enumerate(failed)
        )
        overhead = _tokens(
            template.render(articles=self.articles, sources=render_sources([]), sentences=listing)
        )
        # Repairs see as many sources as fit in one call: the first chunk, in article order.
        sources = pack(groups, render_sources, overhead, self.budget)[0]
        messages = template.render(
            articles=self.articles, sources=render_sources(sources), sentences=listing
        )
        reply = await self._ask("repair", messages, RepairDraft)
        assert isinstance(reply, RepairDraft)
        fixed: list[DraftSentence | None] = [None] * len(failed)
        for item in reply.repairs:
            if 0 <= item.index < len(failed):
                fixed[item.index] = item.sentence
        return fixed


def _candidates(drafts: Sequence[SummaryDraft]) -> tuple[list[CandidateLine], list[SourceLine]]:
    """Map outputs as candidate lines (headline, event, key points) and candidate quotes."""
    points: list[CandidateLine] = []
    quotes: list[SourceLine] = []
    for draft in drafts:
        sentences: list[DraftSentence] = [draft.headline, *draft.key_points]
        if draft.event is not None:
            sentences.insert(1, draft.event)
        for sentence in sentences:
            ids = tuple(dict.fromkeys(e.article_id for e in sentence.evidence))
            points.append(
                CandidateLine(
                    key=f"c{len(points) + 1}",
                    article_ids=ids,
                    text=sentence.text,
                    evidence=[(e.article_id, e.quote) for e in sentence.evidence],
                )
            )
        for quote in draft.quotes:
            quotes.append(
                SourceLine(
                    f"q{len(quotes) + 1}", (quote.article_id,), f"{quote.speaker}: {quote.quote}"
                )
            )
    return points, quotes
