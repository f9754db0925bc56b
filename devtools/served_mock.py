"""The model the mock server serves: the extractive model, which also writes the draft's
`conflicts` part, as a real model is asked to.

The extractive model answers from its prompt alone and writes no conflicts (the service finds
those by comparing the sources itself). Served over the wire it stands for a real model, so
here the conflicts part is written too: the articles are rebuilt from the prompt's source
block (each tag's lines, in order), compared as the service compares sources, and each
disagreement is reported with one claim a side, citing its line under its tag. The service
then verifies every side like any sentence, so the whole conflicts path of the wire format
(schema, tags, caps, verification) is exercised by the mock server.

Conflicts are written while the reply stays within the token limit the request gives, as a
model that writes to its limit would: a side is a whole source sentence, and a few of them
from a set of unrelated articles could otherwise fill 4,000 tokens. The replies the service
cannot use (cut off at the limit, malformed) are the fault injection's to make.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.config import Settings
from service.domain import ArticleInput
from service.drafting.drafts import DraftConflict, DraftSentence, Evidence, SummaryDraft
from service.drafting.extractive import ExtractiveModel
from service.drafting.wire_format import SourceLine, parse_blocks
from service.errors import ClientError
from service.llm.base import ModelReply, ModelRequest, OutputT
from service.pipeline.prepared import prepare
from service.text.token_count import count_tokens
from service.verify.conflicts import MAX_CONFLICTS, find_disagreements


class ComparingModel(ExtractiveModel):
    """The extractive model, reporting the conflicts of the sources in its prompt."""

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """The extractive reply; a summary draft also gets the conflicts its sources show."""
        reply = await super().execute(request)
        if not isinstance(reply.output, SummaryDraft):
            return reply
        prompt = "\n".join(m.content for m in request.messages)
        most = request.max_items.get("conflicts", MAX_CONFLICTS)
        output = reply.output
        for conflict in prompt_conflicts(parse_blocks(prompt).sources)[:most]:
            more = output.model_copy(update={"conflicts": [*output.conflicts, conflict]})
            if count_tokens(more.model_dump_json()) > request.max_output_tokens:
                break
            output = more
        return ModelReply(
            output=request.output_type.model_validate(output.model_dump()),
            raw=output.model_dump_json(),
            model=reply.model,
            usage=reply.usage,
        )


def prompt_conflicts(sources: Sequence[SourceLine]) -> list[DraftConflict]:
    """What the articles behind these source lines disagree on, one claim a side."""
    lines: dict[str, list[str]] = {}
    for source in sources:
        for tag in source.article_ids:
            lines.setdefault(tag, []).append(source.text)
    articles = [ArticleInput(id=tag, body=" ".join(texts)) for tag, texts in lines.items()]
    if len(articles) < 2:
        return []
    try:
        prepared = prepare(articles, Settings())
    except ClientError:
        return []
    index = prepared.verifier.index
    conflicts = []
    for disagreement in find_disagreements(index, prepared.groups):
        claims = []
        for unit in disagreement.units:
            sentence = index.units[unit].sentence
            evidence = [Evidence(article_id=sentence.article_id, quote=sentence.text)]
            claims.append(DraftSentence(text=sentence.text, evidence=evidence))
        conflicts.append(DraftConflict(about=disagreement.about, claims=claims))
    return conflicts
