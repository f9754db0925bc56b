"""Asking the model: one call when the sources fit, map-then-reduce when they do not; repairs."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from service.config import Settings
from service.domain import Document, SentenceGroup
from service.drafting.budget import pack, prompt_budget
from service.drafting.drafts import DraftSentence, RepairDraft, SummaryDraft
from service.drafting.prompts import load_prompt
from service.drafting.wire_format import (
    CandidateLine,
    SourceLine,
    render_articles,
    render_candidates,
    render_quotes,
    render_sources,
)
from service.llm.base import ChatMessage, Model, ModelRequest
from service.text.token_count import count_tokens

# A reduce round that cannot shrink its input this many times means the budget is too small.
MAX_REDUCE_ROUNDS = 4


# Called with a short human message as long work advances (the CLI prints them on stderr).
Progress = Callable[[str], None]


def _silent(message: str) -> None:
    """The default progress reporter: says nothing."""


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
        progress: Progress | None = None,
    ) -> None:
        self.progress: Progress = progress or _silent
        self.model = model
        self.settings = settings
        self.articles = render_articles(documents)
        self.limits = {"max_key_points": max_key_points, "max_quotes": max_quotes}
        self.budget = prompt_budget(model.context_tokens, settings.max_output_tokens)
        self.versions: dict[str, int] = {}
        # Known as soon as write() has planned the calls, so a failed call can still say it.
        self.strategy: Literal["single", "map_reduce"] = "single"

    async def _ask(
        self,
        task: str,
        messages: list[ChatMessage],
        output: type[SummaryDraft] | type[RepairDraft],
        limits: tuple[int, int] | None = None,
    ) -> SummaryDraft | RepairDraft:
        """One call; `limits` (key points, quotes) go as data beside the prompt's wording."""
        max_key_points, max_quotes = limits or (None, None)
        request = ModelRequest(
            task=task,
            messages=messages,
            output_type=output,
            max_output_tokens=self.settings.max_output_tokens,
            temperature=self.settings.temperature,
            seed=self.settings.seed,
            max_key_points=max_key_points,
            max_quotes=max_quotes,
        )
        reply = await self.model.execute(request)
        return reply.output

    async def _summarize(self, groups: Sequence[SentenceGroup]) -> SummaryDraft:
        template = load_prompt("summarize")
        self.versions["summarize"] = template.version
        messages = template.render(
            articles=self.articles, sources=render_sources(groups), **self.limits
        )
        limits = (self.limits["max_key_points"], self.limits["max_quotes"])
        draft = await self._ask("summarize", messages, SummaryDraft, limits)
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
        for round_number in range(1, MAX_REDUCE_ROUNDS + 1):
            if len(batches) == 1:
                break
            # Each batch keeps its share of the final points (with slack), so a round shrinks
            # the candidates instead of rewriting as many as it was given.
            quota = max(1, math.ceil(1.5 * self.limits["max_key_points"] / len(batches)))
            self.progress(f"reduce round {round_number}: {len(batches)} batches")
            partial = await asyncio.gather(*(self._reduce_batch(b, [], quota) for b in batches))
            fewer, _ = _candidates(partial, key_points_only=True)
            if len(fewer) >= len(candidates):
                break
            candidates = fewer
            batches = pack(candidates, render_candidates, overhead, self.budget)
        # Still too many after the bounded rounds: the first batch (the earliest articles) wins.
        return await self._reduce_batch(batches[0], quotes, self.limits["max_key_points"])

    async def _reduce_batch(
        self, candidates: Sequence[CandidateLine], quotes: Sequence[SourceLine], max_points: int
    ) -> SummaryDraft:
        messages = load_prompt("reduce").render(
            articles=self.articles,
            candidates=render_candidates(candidates),
            quotes=render_quotes(quotes),
            max_key_points=max_points,
            max_quotes=self.limits["max_quotes"],
        )
        limits = (max_points, self.limits["max_quotes"])
        draft = await self._ask("reduce", messages, SummaryDraft, limits)
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
            self.progress("asking the model (one call)")
            draft = await self._summarize(chunks[0])
            strategy: Literal["single", "map_reduce"] = "single"
        else:
            self.strategy = "map_reduce"
            self.progress(f"sources exceed the context: {len(chunks)} chunks, then a reduce")
            done = 0

            async def mapped(chunk: Sequence[SentenceGroup]) -> SummaryDraft:
                nonlocal done
                draft = await self._summarize(chunk)
                done += 1
                self.progress(f"map {done}/{len(chunks)} done")
                return draft

            partial = await asyncio.gather(*(mapped(chunk) for chunk in chunks))
            draft = await self._reduce(partial)
            self.progress("reduce done")
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


def _candidates(
    drafts: Sequence[SummaryDraft], *, key_points_only: bool = False
) -> tuple[list[CandidateLine], list[SourceLine]]:
    """Drafts as candidate lines (headline, event, key points) and candidate quotes.

    Between reduce rounds only key points and the event are carried: a headline per batch
    would crowd out the points the final round chooses from, but the event sentence is a
    fact of its own (a batch's points never repeat it), which the final round needs.
    """
    points: list[CandidateLine] = []
    quotes: list[SourceLine] = []
    for draft in drafts:
        sentences: list[DraftSentence] = list(draft.key_points)
        if draft.event is not None:
            sentences.insert(0, draft.event)
        if not key_points_only:
            sentences.insert(0, draft.headline)
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
