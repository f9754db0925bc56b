"""The service's own time around the model: the whole request minus model time, against the
model's critical path (target: at most 2%).

    python -m benchmarks.bench_overhead                       # seeds x 10, 100 FRANK articles x 2
    python -m benchmarks.bench_overhead --repeat 30 --large-repeat 5 --call-bound 16
    python -m benchmarks.bench_overhead --quick               # a tiny run, for the tests

A real `python -m service serve` process talks to the fake model server
(`devtools.fake_openai_server`) with a fixed latency per call (1,000 ms by default), over HTTP
through the `openai` SDK, as a deployment would. Two workloads: the five seed articles (one
call), and 100 distinct FRANK articles sent as one event (too large for the default 16k window,
so map-then-reduce). Requests are sent one at a time, with the response cache off, so each
runs the whole pipeline.

The model's part is what the fake server itself timed: for each request, the union of its
calls' intervals (the time at least one call was in progress), the "model critical path".
Overhead is the client's wall time minus that: everything the service does while no call is
running (ingest, grouping, prompt building before the first call; verification and the
response after the last; any gap between rounds). "first call" is when the first call reached
the model, after the request was sent; "rounds" is the longest chain of calls each started
after the one before it ended (1 for the seeds, 2 or more for map-reduce). A call that waited
for another without need (a lock at cold start) counts as model time here but shows as extra
rounds. The first request to a fresh server is reported on its own line (cold), then the
median of the following ones (warm). The first time the fake server sees a prompt it computes
its reply (the extractive model, on the same cores) after the latency, so a cold call takes
longer than the latency; it keeps the reply, so warm calls take the latency alone.

A second table splits the service's own time by stage, from the server's
`pipeline_stage_seconds` histogram (`GET /metrics`): the mean wall time a request of each
workload spent in ingest, grouping and planning (before the first call), building the
verifier's index (beside the calls) and verifying drafts (after them). A stage a workload
skips (a repeated set's ingest, answered from the prepared-set cache) shows as "-".
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.harness import (
    MockServer,
    frank_articles,
    median,
    mock_server,
    model_time,
    post_summarize,
    rounds,
    seed_articles,
    service_server,
    table,
)

TARGET_SHARE = 0.02
STAGES = ("ingest", "grouping", "plan", "index", "verify")


def stage_totals(client: httpx.Client) -> dict[str, tuple[float, float]]:
    """Each stage's (total seconds, observations) so far, from the server's /metrics."""
    totals = {stage: [0.0, 0.0] for stage in STAGES}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for item in family.samples:
            stage = item.labels.get("stage", "")
            if stage in totals and item.name == "pipeline_stage_seconds_sum":
                totals[stage][0] = item.value
            elif stage in totals and item.name == "pipeline_stage_seconds_count":
                totals[stage][1] = item.value
    return {stage: (total, count) for stage, (total, count) in totals.items()}


def stage_row(
    name: str,
    before: dict[str, tuple[float, float]],
    after: dict[str, tuple[float, float]],
    requests: int,
) -> list[object]:
    """Mean ms a request in each stage between two /metrics readings ("-" where none ran)."""
    cells: list[object] = [name]
    for stage in STAGES:
        seconds = after[stage][0] - before[stage][0]
        ran = after[stage][1] - before[stage][1]
        cells.append(1000 * seconds / requests if ran else "-")
    return cells


def measure(client: httpx.Client, model: MockServer, body: dict[str, Any]) -> dict[str, float]:
    """One request's wall time, model critical path, overhead and call counts, in ms."""
    model.reset()
    sent = time.time()
    run = post_summarize(client, body)["run"]
    wall = time.time() - sent
    calls = model.calls()
    busy = model_time(calls)
    return {
        "wall_ms": 1000 * wall,
        "model_ms": 1000 * busy,
        "overhead_ms": 1000 * (wall - busy),
        "first_call_ms": 1000 * (min(c.started for c in calls) - sent),
        "calls": float(len(calls)),
        "rounds": float(rounds(calls)),
        "map_reduce": float(run["strategy"] == "map_reduce"),
    }


def row(name: str, runs: list[dict[str, float]]) -> list[object]:
    """A table row of the medians of `runs`."""
    figures = {key: median([r[key] for r in runs]) for key in runs[0]}
    share = figures["overhead_ms"] / figures["model_ms"]
    return [
        name,
        len(runs),
        int(figures["calls"]),
        int(figures["rounds"]),
        figures["wall_ms"],
        figures["model_ms"],
        figures["first_call_ms"],
        figures["overhead_ms"],
        f"{100 * share:.1f}%",
        "yes" if share <= TARGET_SHARE else "no",
    ]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=1_000.0, help="per model call")
    parser.add_argument("--repeat", type=int, default=10, help="warm seeds requests")
    parser.add_argument("--new-sets", type=int, default=5, help="sets of 5 it has not seen")
    parser.add_argument("--large", type=int, default=100, help="FRANK articles in the large one")
    parser.add_argument("--large-repeat", type=int, default=2, help="warm large requests")
    parser.add_argument("--call-bound", type=int, help="SUMMARIZER_MAX_CONCURRENT_MODEL_CALLS")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.latency_ms, args.repeat, args.large, args.large_repeat = 50.0, 1, 12, 1
        args.new_sets = 1
    settings = {"response_cache": "false", "max_articles": str(max(50, args.large))}
    if args.call_bound:
        settings["max_concurrent_model_calls"] = str(args.call_bound)
    seeds = {"articles": seed_articles()}
    pool = frank_articles(args.large + 5 * args.new_sets)
    large = {"articles": pool[: args.large]}
    new_sets = pool[args.large :]
    if args.quick:
        # A small window, so that the tiny large set still takes the map-reduce path.
        settings.update(context_tokens="8192")
    rows = []
    with (
        mock_server(args.latency_ms) as (model, _),
        service_server(model.url, settings=settings) as (url, _),
        httpx.Client(base_url=url, timeout=600) as client,
    ):
        stage_rows: list[list[object]] = []

        def workload(name: str, bodies: list[dict[str, Any]]) -> None:
            before = stage_totals(client)
            rows.append(row(name, [measure(client, model, body) for body in bodies]))
            stage_rows.append(stage_row(name, before, stage_totals(client), len(bodies)))

        workload("seeds, first request (cold)", [seeds])
        workload("seeds (5 articles)", [seeds] * args.repeat)
        # A new event on a started server: five articles it has not seen, each time.
        fresh = [{"articles": new_sets[i : i + 5]} for i in range(0, len(new_sets), 5)]
        workload("5 FRANK articles, a new set each", fresh)
        chars = sum(len(a["text"]) for a in large["articles"])
        name = f"FRANK {args.large} articles ({chars // 1000}k chars)"
        workload(name + ", first", [large])
        workload(name, [large] * args.large_repeat)
    bound = args.call_bound or "default"
    print(
        f"model latency {args.latency_ms:.0f} ms per call, call bound {bound}, "
        "response cache off; times in ms, medians of n requests"
    )
    header = ["workload", "n", "calls", "rounds", "p50 wall", "model path", "first call"]
    header += ["overhead", "overhead %", "<=2%"]
    print(table(header, rows))
    print()
    print("the service's own stages (mean ms a request, from /metrics):")
    print(table(["workload", *STAGES], stage_rows))


if __name__ == "__main__":
    main()
