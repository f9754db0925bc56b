"""Ingest and grouping figures: boilerplate marked on FRANK, groups on the seeds, timings.

    python benchmarks/bench_ingest.py                    # seeds/ and evals/data/frank_valid.jsonl
    python benchmarks/bench_ingest.py --frank PATH --request-size 50 --repeat 5 --show-marked

FRANK's articles are real news text with little page furniture, so every sentence marked there
is either furniture glued into the text ("Scroll down for video") or a false positive: the
marked sentences are listed for a human to tell which (--show-marked). Unrelated FRANK articles
sent as one request should form no cross-article groups. Timings are medians over --repeat runs
(ingest includes boilerplate marking). Last, sets of a few FRANK articles, each set distinct,
ingested in the thread and in the worker processes: where `SUMMARIZER_INGEST_POOL_MIN_CHARS`
should lie on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from service.api.mapping import article_input  # noqa: E402
from service.api.schemas import ArticleIn  # noqa: E402
from service.config import Settings  # noqa: E402
from service.domain import ArticleInput, SourceGroups  # noqa: E402
from service.ingest.grouping import group_sentences  # noqa: E402
from service.ingest.segment import ingest_articles  # noqa: E402
from service.pipeline.processes import ingest, start_pool  # noqa: E402

T = TypeVar("T")


def timed(run: Callable[[], T], repeat: int) -> tuple[T, float]:
    """The result of `run` and its median wall time in milliseconds."""
    times = []
    result = run()
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return result, statistics.median(times)


def load_seeds(folder: Path) -> list[ArticleInput]:
    return [
        article_input(ArticleIn(**json.loads(p.read_text("utf-8"))))
        for p in sorted(folder.glob("*.json"))
    ]


def load_frank(path: Path) -> list[ArticleInput]:
    """FRANK articles, one per document, from the evals task file or the per-sentence file."""
    articles: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        if "articles" in row:
            for article in row["articles"]:
                articles.setdefault(article["id"], article["text"])
        else:
            articles.setdefault(row["doc_id"], row["article"])
    return [ArticleInput(id=key[:12], body=text) for key, text in articles.items()]


def describe_groups(groups: SourceGroups) -> str:
    multi = [g for g in groups.groups if len(g.members) > 1]
    cross = [g for g in multi if len(g.article_ids) > 1]
    return (
        f"groups={len(groups.groups)} multi-member={len(multi)} cross-article={len(cross)} "
        f"duplicates_of={groups.duplicates_of}"
    )


def bench_seeds(seeds: Sequence[ArticleInput], repeat: int, settings: Settings) -> None:
    documents, ingest_ms = timed(lambda: ingest_articles(seeds, settings), repeat)
    groups, group_ms = timed(lambda: group_sentences(documents), repeat)
    print(f"== seeds ({len(seeds)} articles)")
    for doc in documents:
        marked = sum(s.boilerplate for s in doc.sentences)
        print(f"  {doc.id}: sentences={len(doc.sentences)} boilerplate={marked}")
    print(f"  {describe_groups(groups)}")
    for group in groups.groups:
        if len(group.members) > 1:
            print(
                f"  {group.id}: "
                + " | ".join(f"{m.article_id[:3]}#{m.index}" for m in group.members)
            )
    print(f"  ingest {ingest_ms:.1f} ms, group {group_ms:.1f} ms (median of {repeat})")


def bench_frank(
    frank: Sequence[ArticleInput], request_size: int, repeat: int, show: bool, settings: Settings
) -> None:
    documents = ingest_articles(frank, settings)
    sentences = [s for doc in documents for s in doc.sentences]
    marked = [s.text for s in sentences if s.boilerplate]
    share = len(marked) / len(sentences)
    print(f"== FRANK boilerplate ({len(documents)} articles)")
    print(f"  sentences={len(sentences)} marked={len(marked)} share={share:.4f}")
    if show:
        for text, count in Counter(marked).most_common():
            print(f"  {count:3d} x {text[:100]!r}")
    request = frank[:request_size]
    docs, ingest_ms = timed(lambda: ingest_articles(request, settings), repeat)
    groups, group_ms = timed(lambda: group_sentences(docs), repeat)
    content = sum(len(d.content_sentences) for d in docs)
    print(f"== FRANK as one request ({len(request)} articles, {content} content sentences)")
    print(f"  {describe_groups(groups)}")
    print(f"  ingest {ingest_ms:.0f} ms, group {group_ms:.0f} ms (median of {repeat})")


def bench_pool(frank: Sequence[ArticleInput], sizes: Sequence[int], settings: Settings) -> None:
    """Median ingest time of distinct sets of each size, in the thread and in the processes."""
    thread = settings.model_copy(update={"ingest_pool_min_chars": 10**12})
    pooled = settings.model_copy(update={"ingest_pool_min_chars": 0})
    start_pool(pooled)
    print(f"== sets of FRANK articles, each distinct ({pooled.ingest_processes} processes)")
    for size in sizes:
        sets = [frank[i : i + size] for i in range(0, len(frank) - size + 1, size)][:30]
        chars = statistics.median(sum(len(a.body) for a in s) for s in sets)
        row = []
        for name, how in (("thread", thread), ("processes", pooled)):
            times = []
            for articles in sets:
                start = time.perf_counter()
                ingest(articles, how)
                times.append((time.perf_counter() - start) * 1000)
            row.append(f"{name} {statistics.median(times):.0f} ms")
        print(f"  {size} articles (median {chars:,.0f} chars, {len(sets)} sets): " + ", ".join(row))


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds")
    parser.add_argument("--frank", type=Path, default=REPO / "evals" / "data" / "frank_valid.jsonl")
    parser.add_argument("--request-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--show-marked", action="store_true")
    parser.add_argument("--set-sizes", default="2,5,10", help="articles per set, comma-separated")
    args = parser.parse_args(argv)
    settings = Settings(max_articles=1_000)
    bench_seeds(load_seeds(args.seeds), args.repeat, settings)
    frank = load_frank(args.frank)
    bench_frank(frank, args.request_size, args.repeat, args.show_marked, settings)
    bench_pool(frank, [int(n) for n in args.set_sizes.split(",")], settings)


if __name__ == "__main__":
    main()
