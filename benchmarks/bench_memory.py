"""The server process's memory: its peak for one 100-article request, and whether it grows
over many requests (RSS after 1,000 against after 100).

    python -m benchmarks.bench_memory               # 100 FRANK articles; 1,000 seeds requests
    python -m benchmarks.bench_memory --requests 5000 --checkpoint 500
    python -m benchmarks.bench_memory --quick       # a tiny run, for the tests

A real `python -m service serve` (one process) talks to the fake model server
(`devtools.fake_openai_server`) with no added latency, so requests come as fast as the service
can take them. Memory is the kernel's own reading of the server process (/proc/PID/status):
VmRSS now and VmHWM, the peak resident size since it started; the processes it started (the
ingest processes of a large set, multiprocessing's resource tracker) are read too, apart.
The large request (distinct FRANK articles, map-reduce) comes right after one warm-up seeds
request, so its peak is the process's peak. Then the seed articles are posted again and again
(four clients at once, response cache off so each runs the pipeline); RSS is read after
`--checkpoint` and after `--requests`. Growth between the two is what repeated traffic leaks
or accumulates.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from benchmarks.harness import (
    descendants,
    frank_articles,
    memory_kib,
    mock_server,
    post_summarize,
    seed_articles,
    service_server,
    table,
)

CLIENTS = 4


def post_many(url: str, body: dict[str, Any], count: int) -> None:
    """`count` requests from CLIENTS threads at once."""
    with httpx.Client(base_url=url, timeout=300) as client, ThreadPoolExecutor(CLIENTS) as pool:
        for _ in pool.map(lambda _: post_summarize(client, body), range(count)):
            pass


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100, help="FRANK articles in the large one")
    parser.add_argument("--requests", type=int, default=1_000, help="seeds requests in all")
    parser.add_argument("--checkpoint", type=int, default=100, help="first RSS reading after")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.large, args.requests, args.checkpoint = 10, 8, 4
    seeds = {"articles": seed_articles()}
    large = {"articles": frank_articles(args.large)}
    chars = sum(len(a["text"]) for a in large["articles"])
    settings = {"response_cache": "false", "max_articles": str(max(50, args.large))}
    with (
        mock_server(0.0) as (model, _),
        service_server(model.url, settings=settings) as (url, pid),
    ):
        started = memory_kib(pid)
        post_many(url, seeds, 1)
        warm = memory_kib(pid)
        with httpx.Client(base_url=url, timeout=600) as client:
            run = post_summarize(client, large)["run"]
        after_large = memory_kib(pid)
        helpers = [memory_kib(child) for child in descendants(pid) if child != pid]
        post_many(url, seeds, args.checkpoint)
        early = memory_kib(pid)
        post_many(url, seeds, args.requests - args.checkpoint)
        late = memory_kib(pid)
    mib = 1024.0
    growth = late["VmRSS"] - early["VmRSS"]
    rows = [
        ["started (no request yet)", started["VmRSS"] / mib, ""],
        ["after one seeds request", warm["VmRSS"] / mib, ""],
        [
            f"peak for {args.large} FRANK articles ({chars // 1000}k chars, {run['calls']} calls)",
            after_large["VmHWM"] / mib,
            "VmHWM",
        ],
        ["after that request", after_large["VmRSS"] / mib, ""],
        [
            f"its {len(helpers)} helper processes, together",
            sum(h["VmRSS"] for h in helpers) / mib,
            "ingest processes and multiprocessing's tracker; peak "
            f"{sum(h['VmHWM'] for h in helpers) / mib:.0f} MiB",
        ],
        [f"after {args.checkpoint} more seeds requests", early["VmRSS"] / mib, ""],
        [f"after {args.requests} seeds requests", late["VmRSS"] / mib, ""],
        [
            f"growth from {args.checkpoint} to {args.requests}",
            growth / mib,
            f"{100 * growth / early['VmRSS']:+.1f}%, "
            f"{growth / max(1, args.requests - args.checkpoint):.1f} KiB a request",
        ],
    ]
    print("server process memory (one process, response cache off, model at 0 ms), MiB")
    print(table(["reading", "MiB", "note"], rows))


if __name__ == "__main__":
    main()
