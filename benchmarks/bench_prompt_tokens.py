"""Prompt tokens of the summarize call against sending every article whole.

    python -m benchmarks.bench_prompt_tokens            # the seeds
    python -m benchmarks.bench_prompt_tokens DIR...     # any folders of article .json files

The prompt is the one the drafter really sends (recorded from the extractive model behind
the pipeline, so it is the wire format, the tags and the instruction as shipped), counted
with tiktoken's cl100k_base. It is compared with two ways of sending the articles whole:

- `whole, same instruction`: this prompt's own fixed part (instruction and article list), then
  every article's text in full, one article a line;
- `whole, before`: what the service sent before the compact wire format, with the articles
  whole: summarize prompt v1 and its article list under the client's ids.

The saving comes from each passage going once (a syndicated copy's shared sentences are
named, not repeated), page furniture left out, and short tags where ids were; what is left is
the articles' distinct content, shown as `distinct sentences`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.api.mapping import article_input
from service.api.schemas import ArticleIn
from service.config import Settings
from service.domain import Document, SummaryOptions
from service.drafting.extractive import ExtractiveModel
from service.drafting.prompts import load_prompt
from service.drafting.wire_format import ArticleTags, fold, render_articles
from service.llm.base import ChatMessage, ModelReply, ModelRequest, OutputT
from service.pipeline.prepared import prepare
from service.pipeline.summarize import summarize
from service.text.token_count import count_tokens

REPO = Path(__file__).resolve().parent.parent


class RecordingModel(ExtractiveModel):
    """The extractive model, keeping every request it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ModelRequest[Any]] = []

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.requests.append(request)
        return await super().execute(request)


@dataclass(frozen=True)
class PromptFigures:
    prompt: int
    article_text: int
    distinct_sentences: int
    whole_same_instruction: int
    whole_before: int

    @property
    def ratio(self) -> float:
        """The prompt against the articles sent whole with the same instruction."""
        return self.prompt / self.whole_same_instruction

    @property
    def ratio_before(self) -> float:
        """The prompt against the articles sent whole as the service used to send them."""
        return self.prompt / self.whole_before


def _tokens(messages: Sequence[ChatMessage]) -> int:
    return sum(count_tokens(m.content) for m in messages)


def _whole(documents: Sequence[Document], label: str) -> str:
    lines = [f"[{label_of}] {fold(doc.text)}" for label_of, doc in _labelled(documents, label)]
    return "\n".join(["<source_sentences>", *lines, "</source_sentences>"])


def _labelled(documents: Sequence[Document], label: str) -> list[tuple[str, Document]]:
    tags = ArticleTags([doc.id for doc in documents])
    return [(tags.tag(doc.id) if label == "tag" else doc.id, doc) for doc in documents]


def _articles_before(documents: Sequence[Document]) -> str:
    """The article list as prompt v1 was sent it: client ids, every field labelled."""
    lines = []
    for doc in documents:
        fields = (("source", doc.source), ("title", doc.title), ("published", doc.published_at))
        meta = " | ".join(f"{label}={fold(value)}" for label, value in fields if value)
        lines.append(f"[{doc.id}] {meta}")
    return "\n".join(["<articles>", *lines, "</articles>"])


def figures(articles: Sequence[dict[str, Any]], settings: Settings | None = None) -> PromptFigures:
    """The figures for one request's articles (default options: 8 key points, 4 quotes)."""
    settings = settings or Settings()
    inputs = [article_input(ArticleIn.model_validate(a)) for a in articles]
    model = RecordingModel()
    options = SummaryOptions(max_key_points=8, max_quotes=4, repair=False)
    asyncio.run(summarize(inputs, options, model=model, settings=settings))
    (request,) = [r for r in model.requests if r.task == "summarize"]
    prepared = prepare(inputs, settings)
    documents = prepared.documents
    limits = {"max_key_points": 8, "max_quotes": 4}
    tags = ArticleTags([doc.id for doc in documents])
    listed = render_articles(documents, tags, prepared.groups.duplicates_of)
    same = load_prompt("summarize").render(
        articles=listed, sources=_whole(documents, "tag"), **limits
    )
    before = load_prompt("summarize", 1).render(
        articles=_articles_before(documents), sources=_whole(documents, "id"), **limits
    )
    return PromptFigures(
        prompt=_tokens(request.messages),
        article_text=count_tokens("\n\n".join(a["text"] for a in articles)),
        distinct_sentences=count_tokens("\n".join(g.text for g in prepared.groups.groups)),
        whole_same_instruction=_tokens(same),
        whole_before=_tokens(before),
    )


def _read(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures for each folder of articles."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_prompt_tokens")
    parser.add_argument("folders", nargs="*", type=Path, default=[REPO / "seeds"])
    args = parser.parse_args(argv)
    for folder in args.folders:
        f = figures(_read(folder))
        print(f"{folder}: {f.article_text} tokens of article text")
        print(f"  distinct sentences            {f.distinct_sentences:>6}")
        print(f"  prompt sent                   {f.prompt:>6}")
        print(
            f"  whole, same instruction       {f.whole_same_instruction:>6}"
            f"   prompt/whole {f.ratio:.3f} ({1 - f.ratio:.1%} fewer)"
        )
        print(
            f"  whole, before (prompt v1)     {f.whole_before:>6}"
            f"   prompt/whole {f.ratio_before:.3f} ({1 - f.ratio_before:.1%} fewer)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
