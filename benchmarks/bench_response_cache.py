"""What the response cache saves: /summarize of the seeds, fresh against answered from cache.

    python -m benchmarks.bench_response_cache                      # in-process cache
    python -m benchmarks.bench_response_cache --redis redis://127.0.0.1:6379/0

Requests go to the FastAPI app in process (TestClient), with the mock model. A fresh run
has the cache off; a hit repeats the one request the cache already holds. Both bodies are
compared byte for byte before anything is timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.drafting.extractive import ExtractiveModel

REPO = Path(__file__).resolve().parent.parent


def _p50_ms(client: TestClient, body: dict[str, Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.post("/summarize", json=body)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--redis", help="a redis:// URL: the cache shared by replicas")
    args = parser.parse_args()
    seeds = [json.loads(p.read_text("utf-8")) for p in sorted((REPO / "seeds").glob("*.json"))]
    body = {"articles": seeds}
    fresh = TestClient(create_app(settings=Settings(response_cache=False), model=ExtractiveModel()))
    cached = TestClient(
        create_app(settings=Settings(redis_url=args.redis), model=ExtractiveModel())
    )
    first = cached.post("/summarize", json=body).content
    if cached.post("/summarize", json=body).content != first or (
        fresh.post("/summarize", json=body).content != first
    ):
        raise SystemExit("a cached body differs from a fresh one")
    fresh_ms = _p50_ms(fresh, body, args.repeat)
    hit_ms = _p50_ms(cached, body, args.repeat)
    store = "redis" if args.redis else "memory"
    print(f"{'seeds /summarize, mock model':32} {'p50 ms':>8}")
    print(f"{'fresh (cache off)':32} {fresh_ms:8.1f}")
    print(f"{'hit (' + store + ')':32} {hit_ms:8.1f}")
    print(f"{'fresh / hit':32} {fresh_ms / hit_ms:8.0f}x   (bodies byte-identical)")


if __name__ == "__main__":
    main()
