"""Asking the model: one call when the sources fit, map-then-reduce when they do not; repairs."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Literal, TypeVar

from service.config import Settings
from service.domain import Document, SentenceGroup
from service.drafting.budget import pack, prompt_budget, reply_budget
from service.drafting.drafts import (
    MAX_SIDES,
    MAX_WRITTEN_CONFLICTS,
    DraftSentence,
    RepairDraft,
    SummaryDraft,
)
from service.drafting.prompts import load_prompt
from service.drafting.wire_format import (
    ArticleMeta,
    ArticleTags,
    CandidateLine,
    SourceLine,
    copies_of_earlier,
    render_articles,
    render_candidates,
    render_quotes,
    render_sources,
)
from service.errors import ClientError, ConfigError, ModelOutputError
from service.llm.base import ChatMessage, Model, ModelRequest
from service.text.token_count import count_tokens

# A reduce round that cannot shrink its input this many times means the budget is too small.
MAX_REDUCE_ROUNDS = 4
# The most one written sentence, one passage of its evidence and one quotation cost in a reply,
# as JSON: generous, since a reply cut off is worth nothing.
SENTENCE_REPLY_TOKENS = 60
PASSAGE_REPLY_TOKENS = 50
QUOTE_REPLY_TOKENS = 100


DraftT = TypeVar("DraftT", SummaryDraft, RepairDraft)

# Called with a short human message as long work advances (the CLI prints them on stderr).
Progress = Callable[[str], None]


def _silent(message: str) -> None:
    """The default progress reporter: says nothing."""


@dataclass(frozen=True)
class Ask:
    """How much a summary call asks for: the lists' caps, in the prompt and in the schema."""

    key_points: int
    quotes: int
    # Passages per sentence: one from each independent source is all a sentence needs.
    evidence: int
    conflicts: int = MAX_WRITTEN_CONFLICTS

    def smaller(self) -> Ask:
        """Half as much, and no conflicts (the sources' own comparison still finds them)."""
        return Ask(max(1, self.key_points // 2), self.quotes // 2, max(1, self.evidence // 2), 0)

    def max_items(self) -> dict[str, int]:
        """The schema's caps on the draft's lists."""
        return {
            "key_points": self.key_points,
            "quotes": self.quotes,
            "conflicts": self.conflicts,
            "evidence": self.evidence,
        }

    def reply_tokens(self) -> int:
        """The most a reply to this ask may need: headline, event, points, conflict sides,
        each with its passages, and the quotes."""
        sentences = 2 + self.key_points + self.conflicts * MAX_SIDES
        passages = sentences * self.evidence
        return (
            SENTENCE_REPLY_TOKENS * sentences
            + PASSAGE_REPLY_TOKENS * passages
            + QUOTE_REPLY_TOKENS * self.quotes
        )


@dataclass
class DraftResult:
    draft: SummaryDraft
    strategy: Literal["single", "map_reduce"]


def _tokens(messages: Sequence[ChatMessage]) -> int:
    return sum(count_tokens(m.content) for m in messages)


def _chars(group: SentenceGroup) -> int:
    """What guides where a chunk of sources ends (`pack` counts each chunk exactly)."""
    return len(group.text)


@lru_cache(maxsize=256)
def _overhead_tokens(articles: str, max_key_points: int, max_quotes: int) -> int:
    """The tokens of a summarize prompt with no source sentence in it.

    Counted once per article list and limits: the window check, the plan and each call's
    reply budget all ask (article lists are short: a line an article)."""
    template = load_prompt("summarize")
    return _tokens(
        template.render(
            articles=articles,
            sources=render_sources([]),
            max_key_points=max_key_points,
            max_quotes=max_quotes,
        )
    )


def check_window(
    articles: Sequence[ArticleMeta],
    context_tokens: int,
    settings: Settings,
    max_key_points: int,
    max_quotes: int,
) -> None:
    """Refuse, before any work on the text, a set whose article list alone leaves no room in
    the window for a single source sentence (each call repeats the list)."""
    budget = prompt_budget(context_tokens, settings.max_output_tokens)
    fixed = _overhead_tokens(render_articles([]), max_key_points, max_quotes)
    if fixed >= budget:
        # No request could be served: the operator's window or reply budget is at fault.
        raise ConfigError(
            "the prompt's fixed part does not fit the model's context window; "
            "raise SUMMARIZER_CONTEXT_TOKENS"
        )
    # Before grouping, no copy is known and every title is listed: at least the real list.
    listed = _overhead_tokens(
        render_articles(articles, ArticleTags([a.id for a in articles])), max_key_points, max_quotes
    )
    if listed >= budget:
        raise ClientError(
            f"the list of the {len(articles)} articles (ids and metadata) takes "
            f"{listed - fixed} tokens, which with the prompt leaves no room for any source "
            f"sentence in the model's {context_tokens}-token window: send fewer articles",
            field="articles",
        )


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
        *,
        copies: Mapping[str, Sequence[str]] | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> None:
        self.progress: Progress = progress or _silent
        self.model = model
        self.settings = settings
        # Articles travel under short tags; every reply is mapped back to the client's ids.
        self.tags = ArticleTags([doc.id for doc in documents])
        self.articles = render_articles(documents, self.tags, copies)
        self._documents = list(documents)
        self._copies = copies
        self.render_sources = partial(render_sources, tags=self.tags)
        # Independent sources: the articles less the copies of an earlier one.
        self.sources = len(documents) - len(copies_of_earlier(documents, copies or {}))
        self.render_candidates = partial(render_candidates, tags=self.tags)
        self.limits = {"max_key_points": max_key_points, "max_quotes": max_quotes}
        self.budget = prompt_budget(model.context_tokens, settings.max_output_tokens)
        self.versions: dict[str, int] = {}
        # What depends on these documents alone, kept for the next request on them where the
        # caller keeps it (a prepared set's memo): the plans, and their chunks' source blocks.
        self._memo: dict[Any, Any] = {} if memo is None else memo
        # Source blocks already counted (`_count`): the plan's, reused by the calls.
        self._counted: dict[str, int] = {}
        # The planned chunks' source blocks (by their groups' ids), rendered once.
        self._rendered: dict[tuple[str, ...], str] = {}
        # Known as soon as write() has planned the calls, so a failed call can still say it.
        self.strategy: Literal["single", "map_reduce"] = "single"

    def reply_tokens(
        self,
        messages: Sequence[ChatMessage],
        output: type[DraftT],
        needed: int,
        prompt_tokens: int | None = None,
    ) -> int:
        """The reply's token limit for this prompt: what the ask needs, as the window allows
        (the schema counted in the prompt: servers that cannot enforce it are sent it).
        `prompt_tokens`, where the caller knows them, spares counting the prompt again."""
        prompt = _tokens(messages) if prompt_tokens is None else prompt_tokens
        return reply_budget(
            self.model.context_tokens,
            prompt + _schema_tokens(output),
            self.settings.max_output_tokens,
            needed,
        )

    async def _ask(
        self,
        task: str,
        messages: list[ChatMessage],
        output: type[DraftT],
        ask: Ask | None = None,
        needed: int = 0,
        prompt_tokens: int | None = None,
    ) -> DraftT:
        """One call; the ask's caps go as data beside the prompt's wording, and in the schema."""
        request = ModelRequest(
            task=task,
            messages=messages,
            output_type=output,
            max_output_tokens=self.reply_tokens(
                messages, output, ask.reply_tokens() if ask else needed, prompt_tokens
            ),
            temperature=self.settings.temperature,
            seed=self.settings.seed,
            max_key_points=ask.key_points if ask else None,
            max_quotes=ask.quotes if ask else None,
            max_items=ask.max_items() if ask else {},
        )
        reply = await self.model.execute(request)
        return _with_article_ids(reply.output, self.tags)

    def listed(self, article_ids: Iterable[str]) -> str:
        """The article list of one map or reduce call: only the articles its lines name (every
        call used to repeat all of them: 40 articles cost about 1,000 tokens a call)."""
        named = set(article_ids)
        documents = [doc for doc in self._documents if doc.id in named]
        if len(documents) == len(self._documents):
            return self.articles
        return render_articles(documents, self.tags, self._copies)

    async def _summarize(
        self, groups: Sequence[SentenceGroup], articles: str | None = None
    ) -> SummaryDraft:
        """One summarize call; a reply cut off at the token limit is asked for again, once,
        with half as much (a small model may not stop before the limit on a long ask)."""
        ask = Ask(self.limits["max_key_points"], self.limits["max_quotes"], self.sources)
        articles = self.articles if articles is None else articles
        try:
            return await self._summarize_ask(groups, ask, articles)
        except ModelOutputError as e:
            smaller = ask.smaller()
            if not e.cut_off or smaller == ask:
                raise
            self.progress(
                f"the reply was cut off at the token limit: asking for {smaller.key_points} "
                f"key points and {smaller.quotes} quotes"
            )
            return await self._summarize_ask(groups, smaller, articles)

    async def _summarize_ask(
        self, groups: Sequence[SentenceGroup], ask: Ask, articles: str
    ) -> SummaryDraft:
        template = load_prompt("summarize")
        self.versions["summarize"] = template.version
        sources = self._rendered.get(_ids(groups)) or self.render_sources(groups)
        messages = template.render(
            articles=articles,
            sources=sources,
            max_key_points=ask.key_points,
            max_quotes=ask.quotes,
        )
        # The prompt's tokens as its two parts' (the plan counted the sources already): the
        # parts' sum bounds the whole from above, by a few tokens (7 on the seeds and on 12
        # FRANK sets: `tests/test_drafter_budget.py`), well inside the budget's margin.
        fixed = _overhead_tokens(articles, ask.key_points, ask.quotes)
        return await self._ask(
            "summarize", messages, SummaryDraft, ask, prompt_tokens=fixed + self._count(sources)
        )

    async def _reduce(self, drafts: Sequence[SummaryDraft]) -> SummaryDraft:
        template = load_prompt("reduce")
        self.versions["reduce"] = template.version
        candidates, quotes = _candidates(drafts)
        overhead = _tokens(
            template.render(
                articles=self.articles,
                candidates=self.render_candidates([]),
                quotes=render_quotes(quotes, self.tags),
                **self.limits,
            )
        )
        batches = pack(candidates, self.render_candidates, overhead, self.budget)
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
            batches = pack(candidates, self.render_candidates, overhead, self.budget)
        # Still too many after the bounded rounds: the first batch (the earliest articles) wins.
        return await self._reduce_batch(batches[0], quotes, self.limits["max_key_points"])

    async def _reduce_batch(
        self, candidates: Sequence[CandidateLine], quotes: Sequence[SourceLine], max_points: int
    ) -> SummaryDraft:
        named = [a for cand in candidates for a in cand.article_ids]
        named += [a for quote in quotes for a in quote.article_ids]
        messages = load_prompt("reduce").render(
            articles=self.listed(named),
            candidates=self.render_candidates(candidates),
            quotes=render_quotes(quotes, self.tags),
            max_key_points=max_points,
            max_quotes=self.limits["max_quotes"],
        )
        # The reduce prompt asks for no conflicts: those of the map calls are kept as written.
        ask = Ask(max_points, self.limits["max_quotes"], self.sources, conflicts=0)
        draft = await self._ask("reduce", messages, SummaryDraft, ask)
        return draft

    def plan(self, groups: Sequence[SentenceGroup]) -> list[list[SentenceGroup]]:
        """The groups in as few chunks as fit the window: one chunk is one call.

        Planned once per documents, groups, limits and window where the memo is kept: packing
        renders and counts trial chunks, half the service's CPU in a repeated 100-article set."""
        key = ("drafter.plan", self.articles, *self.limits.values(), self.budget, _ids(groups))
        planned: tuple[list[list[SentenceGroup]], dict[tuple[str, ...], tuple[str, int]]] | None
        planned = self._memo.get(key)
        if planned is None:
            overhead = _overhead_tokens(self.articles, **self.limits)
            chunks = pack(
                groups, self.render_sources, overhead, self.budget, count=self._count, weight=_chars
            )
            blocks = {}
            for chunk in chunks:
                text = self.render_sources(chunk)
                blocks[_ids(chunk)] = (text, self._count(text))  # counted by pack already
            planned = self._memo[key] = (chunks, blocks)
        chunks, blocks = planned
        for ids, (text, tokens) in blocks.items():
            self._rendered[ids] = text
            self._counted[text] = tokens
        return [list(chunk) for chunk in chunks]

    def _count(self, text: str) -> int:
        """Tokens of a rendered source block, counted once per request."""
        counted = self._counted.get(text)
        if counted is None:
            counted = self._counted[text] = count_tokens(text)
        return counted

    async def write(
        self,
        groups: Sequence[SentenceGroup],
        chunks: list[list[SentenceGroup]] | None = None,
    ) -> DraftResult:
        """The summary draft of all groups, in one call or by map-then-reduce (as `chunks`
        planned them, when the caller has already planned)."""
        chunks = self.plan(groups) if chunks is None else chunks
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
                listed = self.listed(a for group in chunk for a in group.article_ids)
                draft = await self._summarize(chunk, listed)
                done += 1
                self.progress(f"map {done}/{len(chunks)} done")
                return draft

            partial = await asyncio.gather(*(mapped(chunk) for chunk in chunks))
            reduced = await self._reduce(partial)
            # Each map call compared the sources it saw; their conflicts are verified later.
            draft = reduced.model_copy(
                update={"conflicts": [c for d in partial for c in d.conflicts]}
            )
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
            template.render(
                articles=self.articles, sources=self.render_sources([]), sentences=listing
            )
        )
        # Repairs see as many sources as fit in one call: the first chunk, in article order.
        sources = pack(groups, self.render_sources, overhead, self.budget, weight=_chars)[0]
        messages = template.render(
            articles=self.articles, sources=self.render_sources(sources), sentences=listing
        )
        reply = await self._ask(
            "repair",
            messages,
            RepairDraft,
            needed=(SENTENCE_REPLY_TOKENS + 2 * PASSAGE_REPLY_TOKENS) * len(failed),
        )
        fixed: list[DraftSentence | None] = [None] * len(failed)
        for item in reply.repairs:
            if 0 <= item.index < len(failed):
                fixed[item.index] = item.sentence
        return fixed


def _ids(groups: Sequence[SentenceGroup]) -> tuple[str, ...]:
    """A chunk's key in the plan's memo: its groups' ids, in order."""
    return tuple(group.id for group in groups)


# Generating a schema costs milliseconds, and an output type's never changes: counted once.
@lru_cache(maxsize=8)
def _schema_tokens(output: type[SummaryDraft | RepairDraft]) -> int:
    """The tokens of an output type's JSON schema, as a prompt carries it."""
    return count_tokens(json.dumps(output.model_json_schema(), separators=(",", ":")))


def _with_article_ids(draft: DraftT, tags: ArticleTags) -> DraftT:
    """The draft with every article tag it wrote mapped back to the client's article id."""

    def mapped(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: tags.article_id(v) if k == "article_id" and isinstance(v, str) else mapped(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [mapped(v) for v in value]
        return value

    return type(draft).model_validate(mapped(draft.model_dump()))


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
