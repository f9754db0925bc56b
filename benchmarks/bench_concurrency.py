"""Throughput under load: many concurrent clients, the model at a fixed latency, a bound on
concurrent model calls; with the service's CPU per request, the cores it uses, and how fast
`/healthz` answers meanwhile.

    python -m benchmarks.bench_concurrency                    # 64 clients, 2 workers, 30 s
    python -m benchmarks.bench_concurrency --workers 1 --duration 60 --call-bound 16
    python -m benchmarks.bench_concurrency --quick            # a tiny run, for the tests

A real `python -m service serve --workers N` talks to the fake model server
(`devtools.fake_openai_server`, 1,000 ms a call) through the `openai` SDK. The call bound
(`SUMMARIZER_MAX_CONCURRENT_MODEL_CALLS`) holds for the N workers together (they take their
slots from the supervisor, `service.llm.slots`): the whole service never has more than
`--call-bound` calls at the model, whichever worker the connections reach, and
the ideal throughput is bound / latency / calls per request (16 req/s for the seeds: one call).
The fake server's own count of calls in flight at once is printed to check that.

Every client (httpx, asyncio) posts the five seed articles again and again for `--duration`
seconds after a warm-up; the responses that finish inside the window count (sent before it
opened or not: that is the rate the service completes requests at). The response
cache is switched off by setting (`SUMMARIZER_RESPONSE_CACHE=false`), so every request runs the
whole pipeline; the fake server still answers a prompt it has seen from its own reply cache,
so its CPU stays small beside the service's on the same machine (its share is printed, and
the benchmark's own clients' share).

CPU per request is the user + system time of the server's process tree (uvicorn's supervisor
and workers) over the window, read from /proc/PID/stat, divided by the requests finished.
"cores" is that time over the wall time; the per-core busy shares come from /proc/stat and
count every process on the machine, not only ours. `/healthz` is probed by a separate thread
with its own connection, every 100 ms, while the load runs (target: p95 under 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from typing import Any

import httpx

from benchmarks.harness import (
    busy_shares,
    core_busy,
    cpu_seconds,
    median,
    mock_server,
    percentile,
    seed_articles,
    service_server,
    table,
)

TARGET_THROUGHPUT_SHARE = 0.90
TARGET_CPU_MS = 60.0
TARGET_HEALTHZ_MS = 50.0
PROBE_INTERVAL_S = 0.1


def probe(url: str, stop: threading.Event, timings: list[float]) -> None:
    """GET /healthz every PROBE_INTERVAL_S until `stop`, recording each answer's time in ms."""
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/healthz").raise_for_status()
            timings.append(1000 * (time.perf_counter() - started))
            stop.wait(PROBE_INTERVAL_S)


async def load(
    url: str, body: dict[str, Any], clients: int, warmup_s: float, duration_s: float
) -> tuple[float, float, list[float], int]:
    """Run the clients; (window start, window end, latencies in the window, errors)."""
    window: dict[str, float] = {}
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http:

        async def client() -> None:
            nonlocal errors
            while "end" not in window or time.time() < window["end"]:
                sent = time.time()
                response = await http.post("/summarize", json=body)
                done = time.time()
                if response.status_code != 200:
                    errors += 1
                elif "start" in window and window["start"] <= done <= window["end"]:
                    # Throughput counts what finishes inside the window: a request sent
                    # before it opened and finished inside counts, as one sent inside and
                    # finished after it does not. Counting only requests both sent and
                    # finished inside left out one latency's worth of the window (about 4 s
                    # of 30 at 64 clients over 16 slots: 13% of the throughput).
                    latencies.append(1000 * (done - sent))

        tasks = [asyncio.create_task(client()) for _ in range(clients)]
        await asyncio.sleep(warmup_s)
        window["start"] = time.time()
        window["end"] = window["start"] + duration_s
        await asyncio.gather(*tasks)
    return window["start"], window["end"], latencies, errors


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--latency-ms", type=float, default=1_000.0, help="per model call")
    parser.add_argument("--call-bound", type=int, default=16, help="model calls at once, in all")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.workers, args.latency_ms = 4, 1, 50.0
        args.call_bound, args.duration, args.warmup = 2, 1.5, 0.5
    settings = {"response_cache": "false", "max_concurrent_model_calls": str(args.call_bound)}
    body = {"articles": seed_articles()}
    healthz: list[float] = []
    stop = threading.Event()
    with (
        mock_server(args.latency_ms) as (model, model_pid),
        service_server(model.url, workers=args.workers, settings=settings) as (url, pid),
    ):
        with httpx.Client(base_url=url, timeout=300) as warm:
            calls_per_request = warm.post("/summarize", json=body).json()["run"]["calls"]

        async def measured() -> tuple[float, float, list[float], int, dict[str, Any]]:
            # The readings are taken when the window opens and closes, inside the event loop.
            readings: dict[str, Any] = {}

            async def read(at: str, delay: float) -> None:
                await asyncio.sleep(delay)
                readings[at] = (
                    cpu_seconds(pid),
                    cpu_seconds(model_pid),
                    core_busy(),
                    time.process_time(),
                )

            loading = load(url, body, args.clients, args.warmup, args.duration)
            start, end, latencies, errors = (
                await asyncio.gather(
                    loading, read("start", args.warmup), read("end", args.warmup + args.duration)
                )
            )[0]
            return start, end, latencies, errors, readings

        prober = threading.Thread(target=probe, args=(url, stop, healthz), daemon=True)
        model.reset()
        prober.start()
        start, end, latencies, errors, readings = asyncio.run(measured())
        stop.set()
        prober.join()
        max_in_flight = model.stats()["max_in_flight"]
    wall = end - start
    service_cpu = readings["end"][0] - readings["start"][0]
    model_cpu = readings["end"][1] - readings["start"][1]
    client_cpu = readings["end"][3] - readings["start"][3]
    cores = busy_shares(readings["start"][2], readings["end"][2])
    done = len(latencies)
    throughput = done / wall
    ideal = args.call_bound / (args.latency_ms / 1000) / calls_per_request
    cpu_ms = 1000 * service_cpu / max(1, done)
    healthz_p95 = percentile(healthz, 0.95)
    print(
        f"{args.clients} clients, {args.workers} worker(s), call bound {args.call_bound} "
        f"(shared by the workers; at most {max_in_flight} calls seen in flight), model "
        f"{args.latency_ms:.0f} ms a call, {calls_per_request} call(s) a request, response cache "
        f"off, {wall:.0f} s measured after {args.warmup:.0f} s of warm-up"
    )
    rows = [
        ["requests finished (errors)", f"{done} ({errors})", ""],
        ["throughput, req/s", f"{throughput:.2f}", ""],
        ["ideal (bound / latency / calls), req/s", f"{ideal:.2f}", ""],
        [
            "throughput / ideal",
            f"{100 * throughput / ideal:.0f}%",
            _met(throughput >= TARGET_THROUGHPUT_SHARE * ideal, ">=90%"),
        ],
        [
            "latency p50 / p95, ms",
            f"{median(latencies or [0]):.0f} / {percentile(latencies or [0], 0.95):.0f}",
            "",
        ],
        ["service CPU per request, ms", f"{cpu_ms:.0f}", _met(cpu_ms <= TARGET_CPU_MS, "<=60 ms")],
        ["service cores in use (CPU s / wall s)", f"{service_cpu / wall:.2f}", ""],
        ["fake model server cores in use", f"{model_cpu / wall:.2f}", ""],
        ["this benchmark's clients, cores in use", f"{client_cpu / wall:.2f}", ""],
        ["each core busy (all processes)", " ".join(f"{100 * c:.0f}%" for c in cores), ""],
        [
            f"/healthz p50 / p95 / max, ms ({len(healthz)} probes)",
            f"{median(healthz):.1f} / {healthz_p95:.1f} / {max(healthz):.0f}",
            _met(healthz_p95 < TARGET_HEALTHZ_MS, "<50 ms"),
        ],
    ]
    print(table(["figure", "value", "target"], rows))


def _met(ok: bool, target: str) -> str:
    return f"{target}: {'met' if ok else 'not met'}"


if __name__ == "__main__":
    main()
