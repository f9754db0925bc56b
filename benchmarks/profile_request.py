"""The service's own CPU per request with a remote model, and where it goes.

    python -m benchmarks.profile_request                   # seeds x 50 to /summarize
    python -m benchmarks.profile_request --verify          # the seeds' summary to /verify
    python -m benchmarks.profile_request --prepared-cache  # the same set, prepared once
    python -m benchmarks.profile_request --profile         # and where the CPU goes (py-spy)

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
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
_CITED = ("article_id", "start", "end", "text")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def _process(command: list[str], ready_url: str, env: dict[str, str]) -> Iterator[int]:
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(400):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready_url, timeout=1).status_code == 200:
                    break
            time.sleep(0.05)
        else:
            raise SystemExit(f"{command} did not start")
        yield process.pid
    finally:
        process.terminate()
        process.wait(10)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _seed_articles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((REPO / "seeds").glob("*.json"))]


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
    args = parser.parse_args()
    model_port, service_port = _free_port(), _free_port()
    model_url = f"http://127.0.0.1:{model_port}/v1"
    service_url = f"http://127.0.0.1:{service_port}"
    env = dict(
        os.environ,
        SUMMARIZER_MODEL="mock-server",
        OPENAI_BASE_URL=model_url,
        SUMMARIZER_RESPONSE_CACHE="false",
        SUMMARIZER_PREPARED_CACHE_CHARS="500000" if args.prepared_cache else "0",
        SUMMARIZER_LOG_LEVEL="WARNING",
    )
    model = [sys.executable, "-m", "devtools.fake_openai_server", "--port", str(model_port)]
    service = [sys.executable, "-m", "service", "serve", "--port", str(service_port)]
    with (
        _process(model, f"{model_url}/models", env),
        _process(service, f"{service_url}/healthz", env) as pid,
        httpx.Client(base_url=service_url, timeout=120) as client,
    ):
        articles = _seed_articles()
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
                started = _cpu_seconds(pid)
                for _ in range(args.repeat):
                    response = client.post(path, json=body)
                    if response.status_code != 200:
                        raise SystemExit(f"unexpected {response.status_code}: {response.text}")
                batches.append(1000 * (_cpu_seconds(pid) - started) / args.repeat)
            cache = "prepared cache on" if args.prepared_cache else "no caches"
            print(
                f"{path}, seeds, {cache}: service CPU per request {min(batches):.0f} ms "
                f"(best of {args.batches} batches of {args.repeat}; "
                f"median {statistics.median(batches):.0f} ms)"
            )
            if args.profile:
                recorder.send_signal(2)  # SIGINT: py-spy writes what it has
                recorder.wait(30)
                _hot_spots(raw, args.top)


if __name__ == "__main__":
    main()
