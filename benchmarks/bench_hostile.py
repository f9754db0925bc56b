"""Cheap bodies that used to cost quadratic work: time, peak memory, and /healthz meanwhile.

    python -m benchmarks.bench_hostile                  # every case, each in a fresh process
    python -m benchmarks.bench_hostile --case repeats   # one case

Each case runs in a process of its own, so that its peak memory (the process's maximum
resident set, `resource.getrusage`) is its own. The service runs as it does in production:
uvicorn serving the app on 127.0.0.1 from a thread of the benchmark's process, the mock model,
the default limits. While the request works, another thread asks `/healthz` every 50 ms; the
slowest answer is printed (the event loop must stay free while the pipeline computes).

Cases:
- `repeats`: 4,000 repetitions of one short sentence ("A cat. "), one article (a 28 KB body).
- `large`: 50 articles of 90,000 characters (4.5 MB) of FRANK news text, the five-megabyte
  body limit and the 50-article limit nearly reached; FRANK holds 0.5 MB of text, so most of
  it repeats: syndication at its most extreme.
- `verify-refused`: 200 long /verify sentences (2,000 characters each) against the same
  50 articles: over SUMMARIZER_MAX_VERIFY_CHARS, so refused with 413 before any work.
- `verify-max`: as much /verify work as the limits accept: 50 sentences of 2,000 characters
  (SUMMARIZER_MAX_VERIFY_CHARS, 100,000) against the same 50 articles.
- `sigterm`: `python -m service serve` given SIGTERM while it works on the `large` request:
  seconds until the process has exited (SUMMARIZER_SHUTDOWN_GRACE_S, 10, then cancellation).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from service.api.app import create_app
from service.config import Settings
from service.drafting.extractive import ExtractiveModel

REPO = Path(__file__).resolve().parent.parent
FRANK = REPO / "evals" / "data" / "frank_valid.jsonl"
CASES = ("repeats", "large", "verify-refused", "verify-max", "sigterm")


def _frank_texts() -> list[str]:
    lines = FRANK.read_text("utf-8").splitlines()
    return [a["text"] for line in lines for a in json.loads(line)["articles"]]


def large_articles(count: int = 50, size: int = 90_000) -> list[dict[str, Any]]:
    """`count` articles of `size` characters, FRANK's articles end to end (repeating)."""
    texts = _frank_texts()
    articles = []
    at = 0
    for n in range(count):
        body = ""
        while len(body) < size:
            body += texts[at % len(texts)] + "\n\n"
            at += 1
        articles.append({"id": f"a{n}", "text": body[:size]})
    return articles


def long_sentences(count: int, chars: int = 2_000) -> list[str]:
    """`count` sentences of `chars` characters cut from FRANK's text (seeded)."""
    words = " ".join(_frank_texts()).split()
    rng = random.Random(0)
    out = []
    for _ in range(count):
        start = rng.randrange(len(words) - chars)
        out.append(" ".join(words[start : start + chars])[:chars])
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served() -> Iterator[str]:
    """The app under uvicorn in a thread of this process; yields its base URL."""
    app = create_app(settings=Settings(), model=ExtractiveModel())
    config = uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def healthz_watch(base: str) -> Iterator[Callable[[], float]]:
    """Ask /healthz every 50 ms meanwhile; yields a function giving the slowest answer (s)."""
    slowest = 0.0
    stop = threading.Event()

    def watch() -> None:
        nonlocal slowest
        with httpx.Client(timeout=600) as client:
            while not stop.is_set():
                started = time.perf_counter()
                client.get(f"{base}/healthz").raise_for_status()
                slowest = max(slowest, time.perf_counter() - started)
                stop.wait(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield lambda: slowest
    finally:
        stop.set()
        thread.join(30)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str) -> str:
    """One case's figures as a line."""
    if case == "sigterm":
        return _sigterm()
    route, body = _body(case)
    payload = json.dumps(body).encode()
    with served() as base, healthz_watch(base) as slowest_healthz:
        started = time.perf_counter()
        response = httpx.post(
            f"{base}{route}",
            content=payload,
            headers={"content-type": "application/json"},
            timeout=900,
        )
        seconds = time.perf_counter() - started
        healthz = slowest_healthz()
    outcome = f"{response.status_code}"
    if response.status_code != 200:
        outcome += f" {response.json().get('type')}: {response.json().get('detail')}"
    return (
        f"{case:<15} body {len(payload) / 1e6:5.2f} MB  {route:<10} -> {outcome}  "
        f"{seconds:6.1f} s  peak {_peak_mib():5.0f} MiB  slowest /healthz {healthz * 1000:.0f} ms"
    )


def _body(case: str) -> tuple[str, dict[str, Any]]:
    if case == "repeats":
        return "/summarize", {"articles": [{"id": "a", "text": "A cat. " * 4_000}]}
    if case == "large":
        return "/summarize", {"articles": large_articles()}
    if case == "verify-refused":
        return "/verify", {"articles": large_articles(), "sentences": long_sentences(200)}
    if case == "verify-max":
        return "/verify", {"articles": large_articles(), "sentences": long_sentences(50)}
    raise SystemExit(f"unknown case {case!r}")


def _sigterm() -> str:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "SUMMARIZER_MODEL": "mock"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    body = json.dumps({"articles": large_articles()}).encode()

    def post() -> None:
        with suppress(httpx.HTTPError):
            httpx.post(
                f"{base}/summarize",
                content=body,
                headers={"content-type": "application/json"},
                timeout=900,
            )

    threading.Thread(target=post, daemon=True).start()
    time.sleep(5)  # well inside the request's minute of work
    sent = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    server.wait(600)
    grace = Settings().shutdown_grace_s
    return (
        f"{'sigterm':<15} SIGTERM 5 s into the large request: the server exited after "
        f"{time.perf_counter() - sent:.1f} s (grace {grace:g} s)"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the chosen cases, each in a fresh process, and print a line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--here", action="store_true", help="run in this process (one case)")
    args = parser.parse_args(argv)
    cases = args.case or list(CASES)
    if args.here:
        for case in cases:
            print(run_case(case), flush=True)
        return
    for case in cases:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_hostile", "--here", "--case", case],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        print(done.stdout.strip() or f"{case}: failed\n{done.stderr[-2000:]}", flush=True)


if __name__ == "__main__":
    main()
