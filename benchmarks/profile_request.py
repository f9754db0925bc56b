"""The service's own CPU per request with a remote model, and where it goes.

    python -m benchmarks.profile_request                   # seeds x 50 to /summarize
    python -m benchmarks.profile_request --verify          # the seeds' summary to /verify
    python -m benchmarks.profile_request --prepared-cache  # the same set, prepared once
    python -m benchmarks.profile_request --profile         # and where the CPU goes (py-spy)
    python -m benchmarks.profile_request --large 100 --repeat 2 --batches 2 --prepared-cache
                                                           # 100 FRANK articles, map-reduce

Two processes are started: the fake OpenAI-compatible server (devtools.fake_openai_server) at
0 latency, and the service (`python -m service serve`, one process) pointed at it. The figure
is the service process's own CPU time (user + system, from /proc) over the timed requests,
divided by their number: routing, validation, ingest, grouping, the verifier, the openai SDK
client, JSON; nothing of the model's or of this client's. The response cache is off (it would
answer a repeated request without running anything), and so, unless `--prepared-cache` is
given, is the cache of prepared articles. `--profile` samples the service with py-spy (all
its threads, no instrumentation) and prints the functions holding the most samples.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness import (
    cpu_seconds,
    frank_articles,
    mock_server,
    seed_articles,
    service_server,
)

_CITED = ("article_id", "start", "end", "text")


def _verify_body(summary: dict[str, Any], articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The seeds' own summary, sent back to /verify sentence by sentence."""
    sentences = [
        {"text": s["text"], "citations": [{k: c[k] for k in _CITED} for c in s["citations"]]}
        for s in [summary["headline"], *summary["key_points"]]
    ]
    return {"articles": articles, "sentences": sentences}


def _hot_spots(raw: Path, top: int) -> None:
    """Inclusive share of samples per function, from py-spy's raw (collapsed) output."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for name in {frame.split(" (")[0] for frame in stack.split(";")}:
            inclusive[name] += int(count)
    for name, samples in inclusive.most_common(top):
        print(f"{100 * samples / total:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="requests per batch")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--verify", action="store_true", help="time /verify")
    parser.add_argument("--prepared-cache", action="store_true", help="keep prepared sets")
    parser.add_argument("--profile", action="store_true", help="sample the service with py-spy")
    parser.add_argument("--top", type=int, default=60, help="functions the profile prints")
    parser.add_argument("--large", type=int, help="send this many FRANK articles, not the seeds")
    args = parser.parse_args()
    settings = {
        "response_cache": "false",
        "prepared_cache_chars": "500000" if args.prepared_cache else "0",
    }
    if args.large:
        settings["max_articles"] = str(max(50, args.large))
    with (
        mock_server(latency_ms=0) as (model, _),
        service_server(model.url, settings=settings) as (service_url, pid),
        httpx.Client(base_url=service_url, timeout=120) as client,
    ):
        articles = frank_articles(args.large) if args.large else seed_articles()
        workload = f"{args.large} FRANK articles" if args.large else "seeds"
        path, body = "/summarize", {"articles": articles}
        first = client.post(path, json=body)  # warm-up: imports, the probe, the segmenter
        if args.verify:
            path, body = "/verify", _verify_body(first.json()["summary"], articles)
            client.post(path, json=body)
        with contextlib.ExitStack() as stack:
            raw = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "profile.txt"
            if args.profile:
                spy = [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--gil",
                    "-r",
                    "250",
                    "-f",
                    "raw",
                    "-o",
                    str(raw),
                ]
                recorder = subprocess.Popen([*spy, "--pid", str(pid)], stderr=subprocess.DEVNULL)
                time.sleep(1)  # py-spy attaches
            # In batches: /proc counts in clock ticks, and the least loaded batch is the figure
            # least inflated by other processes on the machine.
            batches = []
            for _ in range(args.batches):
                started = cpu_seconds(pid)
                for _ in range(args.repeat):
                    response = client.post(path, json=body)
                    if response.status_code != 200:
                        raise SystemExit(f"unexpected {response.status_code}: {response.text}")
                batches.append(1000 * (cpu_seconds(pid) - started) / args.repeat)
            cache = "prepared cache on" if args.prepared_cache else "no caches"
            print(
                f"{path}, {workload}, {cache}: service CPU per request {min(batches):.0f} ms "
                f"(best of {args.batches} batches of {args.repeat}; "
                f"median {statistics.median(batches):.0f} ms)"
            )
            if args.profile:
                recorder.send_signal(2)  # SIGINT: py-spy writes what it has
                recorder.wait(30)
                _hot_spots(raw, args.top)


if __name__ == "__main__":
    main()
