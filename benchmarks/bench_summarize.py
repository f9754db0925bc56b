"""End-to-end speed and memory of /summarize with the mock model, through the real HTTP stack.

    python -m benchmarks.bench_summarize                 # seeds x 20, and 40 FRANK articles x 3
    python -m benchmarks.bench_summarize --repeat 50 --large 50

Two workloads: the five seed articles (one model call), and a large request of FRANK articles
sent as one event with a small context window, which forces map-then-reduce. Requests go to
the FastAPI app in process (TestClient: routing, validation, JSON), so the figures are the
service's own CPU cost without network time. Peak memory (Python allocations during one
request) is traced with tracemalloc on a separate request, so tracing does not slow the timed
ones.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.drafting.extractive import ExtractiveModel

REPO = Path(__file__).resolve().parent.parent


def _seed_articles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((REPO / "seeds").glob("*.json"))]


def _frank_articles(count: int) -> list[dict[str, Any]]:
    articles = []
    with (REPO / "evals" / "data" / "frank_valid.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            articles.extend(json.loads(line)["articles"])
            if len(articles) >= count:
                break
    return articles[:count]


def _post(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/summarize", json=body)
    if response.status_code != 200:
        raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    run: dict[str, Any] = response.json()["run"]
    return run


def _run(client: TestClient, body: dict[str, Any], repeat: int) -> dict[str, float]:
    timings = []
    run: dict[str, Any] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        run = _post(client, body)
        timings.append(time.perf_counter() - started)
    # Memory is traced on one more request only: tracing slows Python several times over.
    tracemalloc.start()
    _post(client, body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    timings.sort()
    return {
        "p50_ms": 1000 * statistics.median(timings),
        "p95_ms": 1000 * timings[max(0, int(0.95 * len(timings)) - 1)],
        "peak_mib": peak / 2**20,
        "calls": float(run["calls"]),
        "map_reduce": float(run["strategy"] == "map_reduce"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per seed workload")
    parser.add_argument("--large", type=int, default=40, help="FRANK articles in the large one")
    args = parser.parse_args()

    seeds = {"articles": _seed_articles()}
    large = {"articles": _frank_articles(args.large)}
    chars = sum(len(a["text"]) for a in large["articles"])
    # No response cache: a repeated request would be answered without running the pipeline.
    small_window = Settings(
        context_tokens=8_192, max_output_tokens=1_024, max_articles=200, response_cache=False
    )
    workloads = [
        ("seeds (5 articles)", Settings(response_cache=False), seeds, args.repeat),
        (f"FRANK {args.large} articles, {chars:,} chars", small_window, large, 3),
    ]
    print(f"{'workload':40} {'p50 ms':>8} {'p95 ms':>8} {'peak MiB':>9} {'calls':>6}  strategy")
    for name, settings, body, repeat in workloads:
        client = TestClient(
            create_app(settings=settings, model=ExtractiveModel(settings.context_tokens))
        )
        client.post("/summarize", json=body)  # warm-up: imports, segmenter, indexes
        figures = _run(client, body, repeat)
        strategy = "map_reduce" if figures["map_reduce"] else "single"
        print(
            f"{name:40} {figures['p50_ms']:8.0f} {figures['p95_ms']:8.0f} "
            f"{figures['peak_mib']:9.1f} {figures['calls']:6.0f}  {strategy}"
        )


if __name__ == "__main__":
    main()
