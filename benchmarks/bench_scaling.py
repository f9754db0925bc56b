"""How ingest, grouping and verification time grow with the size of the sources: 1x, 10x and
100x the seeds' characters, of distinct text (target: linear or better).

    python -m benchmarks.bench_scaling                        # 1x, 10x, 100x the seeds
    python -m benchmarks.bench_scaling --sizes 1 10 100 300 --repeat 5
    python -m benchmarks.bench_scaling --quick                # a tiny run, for the tests

In process: the pipeline's stages are called directly, without HTTP or a model. The sources
are distinct FRANK articles (real news text) until the size is reached; past FRANK's 415k
characters, further copies of its articles are rewritten word by word through a seeded
permutation of FRANK's vocabulary (each copy its own, capitals, digits and punctuation kept),
so that sentences keep their shape but share no wording with any other copy: grouping has
nothing to merge, as between the distinct articles of one large event. The stages:

- ingest: sentence splitting, boilerplate marking, planted-instruction exclusion;
- grouping: near-duplicate sentences and syndicated copies across the articles;
- index: the verifier built over the documents (`Verifier`: its lexical index and BM25);
- verify: `--claims` source sentences spread evenly over the sources verified against them,
  half citing their article and quote, half with no evidence (the verifier retrieves it).

Each figure is the median of `--repeat` runs (one run at the largest size). "per 1k chars" is
the time per 1,000 characters of source; "x smallest" divides it by the smallest size's: at or under
1.0 is linear or better, above it the stage grows faster than its input. "x smallest a
sentence" does the same per source sentence: the sizes' articles differ in how long their
sentences are (about 4.4 sentences per 1,000 characters at 1x, 5.7 at 10x), and the
sentence-level stages cost by the sentence.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from benchmarks.harness import frank_articles, seed_articles, table
from service.config import Settings
from service.domain import ArticleInput, Document
from service.ingest.grouping import group_sentences
from service.ingest.prompt_injection import exclude_planted_instructions
from service.ingest.segment import ingest_articles
from service.pipeline.warm_up import warm_up
from service.verify import Verifier
from service.verify.types import Claim, ClaimEvidence

T = TypeVar("T")
FRANK_DISTINCT = 144
_WORD_RE = re.compile(r"[A-Za-z]+")


def rewrite(text: str, permutation: dict[str, str]) -> str:
    """`text` with every word replaced through `permutation`, its capitals kept."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        new = permutation.get(word.lower(), word)
        if word.isupper() and len(word) > 1:
            return new.upper()
        return new.capitalize() if word[0].isupper() else new

    return _WORD_RE.sub(swap, text)


def sources(chars: int) -> list[ArticleInput]:
    """Distinct articles totalling at least `chars` characters."""
    frank = frank_articles(FRANK_DISTINCT)
    vocabulary = sorted({w.lower() for a in frank for w in _WORD_RE.findall(a["text"])})
    articles: list[ArticleInput] = []
    total, copy = 0, 0
    while total < chars:
        permutation: dict[str, str] = {}
        if copy:
            shuffled = vocabulary[:]
            random.Random(copy).shuffle(shuffled)
            permutation = dict(zip(vocabulary, shuffled, strict=True))
        for article in frank:
            text = rewrite(article["text"], permutation) if copy else article["text"]
            articles.append(ArticleInput(id=f"{article['id'][:10]}-{copy}", body=text))
            total += len(text)
            if total >= chars:
                break
        copy += 1
    return articles


def claims(documents: Sequence[Document], count: int) -> list[Claim]:
    """`count` source sentences spread over the documents; every other one cites its quote."""
    sentences = [s for d in documents for s in d.content_sentences]
    step = max(1, len(sentences) // count)
    chosen = sentences[::step][:count]
    return [
        Claim(s.text, (ClaimEvidence(s.article_id, s.text),) if i % 2 else ())
        for i, s in enumerate(chosen)
    ]


def timed(run: Callable[[], T], repeat: int) -> tuple[T, float]:
    """The result of `run` and its median wall time over `repeat` runs, in ms."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(1000 * (time.perf_counter() - started))
    assert result is not None
    return result, statistics.median(times)


def measure(articles: Sequence[ArticleInput], claim_count: int, repeat: int) -> dict[str, float]:
    """Each stage's median time in ms on `articles`."""
    settings = Settings(max_articles=100_000, max_article_chars=10_000_000)
    documents, ingest_ms = timed(
        lambda: exclude_planted_instructions(ingest_articles(articles, settings)), repeat
    )
    groups, group_ms = timed(lambda: group_sentences(documents), repeat)
    built: list[Verifier] = []

    def build() -> Verifier:
        built.append(Verifier(documents, groups))
        return built[-1]

    _, index_ms = timed(build, repeat)
    to_verify = claims(documents, claim_count)
    # Each run verifies with a verifier of its own: a verifier keeps its verdicts, and a run
    # answered from them would time lookups, not verification.
    fresh = iter(built)
    _, verify_ms = timed(lambda: [v.verify(c) for v in [next(fresh)] for c in to_verify], repeat)
    return {
        "chars": float(sum(len(d.text) for d in documents)),
        "sentences": float(sum(len(d.sentences) for d in documents)),
        "multi_article_groups": float(sum(1 for g in groups.groups if len(g.article_ids) > 1)),
        "ingest": ingest_ms,
        "grouping": group_ms,
        "index": index_ms,
        "verify": verify_ms,
    }


STAGES = ("ingest", "grouping", "index", "verify")


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 100], help="x seeds")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (1 at the largest)")
    parser.add_argument("--claims", type=int, default=20, help="sentences verified per size")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat, args.claims = [0.5, 1], 1, 4
    seed_chars = sum(len(a["text"]) for a in seed_articles())
    # Warm-up: the segmenter and the verifier's tables load once, not in the first size's time;
    # then the collector is set as a server's and the CLI's start-up sets it (`warm_up`: what
    # was loaded frozen, young collections rarer), so the stages are timed as they run there.
    measure(sources(seed_chars // 4), 2, 1)
    warm_up(Settings())
    results = []
    for size in args.sizes:
        repeat = 1 if size == max(args.sizes) else args.repeat
        results.append((size, measure(sources(int(size * seed_chars)), args.claims, repeat)))
    base = results[0][1]
    sizes = [
        [f"{size:g}x", int(f["chars"]), int(f["sentences"]), int(f["multi_article_groups"])]
        for size, f in results
    ]
    rows: list[list[object]] = []
    for stage in STAGES:
        base_per_k = base[stage] / (base["chars"] / 1000)
        base_per_sentence = base[stage] / base["sentences"]
        for size, figures in results:
            per_k = figures[stage] / (figures["chars"] / 1000)
            sentence_ratio = figures[stage] / figures["sentences"] / base_per_sentence
            rows.append(
                [
                    stage,
                    f"{size:g}x",
                    figures[stage],
                    per_k,
                    f"{per_k / base_per_k:.2f}",
                    f"{sentence_ratio:.2f}",
                ]
            )
    print(f"seeds = {seed_chars:,} chars; the sources at each size:")
    print(table(["size", "chars", "sentences", "groups across articles"], sizes))
    print()
    print(
        f"times in ms, medians of {args.repeat} runs (1 at the largest size); "
        f"verify = {args.claims} sentences"
    )
    header = ["stage", "size", "ms", "ms per 1k chars", "x smallest", "x smallest a sentence"]
    print(table(header, rows))
    per_sentence = ", ".join(f"{f['verify'] / args.claims:.1f}" for _, f in results)
    print(f"verify checks {args.claims} sentences at every size: {per_sentence} ms a sentence")


if __name__ == "__main__":
    main()
