"""Fault-injection run: the real service path against a model server whose replies often go wrong.

    python -m benchmarks.fault_injection                   # 500 requests, 30% faulty replies
    python -m benchmarks.fault_injection --requests 1000 --fault-rate 0.5 --concurrency 32

It starts two processes, as in production:

- the mock model server, `python -m devtools.fake_openai_server --fault-rate 0.3 ...`, where 30% of
  replies are a 429/500/503 (with Retry-After), truncated or malformed JSON, schema-invalid
  JSON, `finish_reason=length`, or a schema-valid summary with planted unsupported sentences
  (a key point with a wrong number, an invented key point, a fabricated quote);
- the API, `uvicorn --factory service.api.app:create_app`, with `SUMMARIZER_MODEL` and
  `OPENAI_BASE_URL` pointing at that server, so every call goes through the `openai` SDK;

then posts `/summarize` requests built from varied subsets of the seed articles and checks
every response on its own terms: a 200 must satisfy the grounding invariant of DESIGN.md and
contain none of the sentences the server planted (it lists them at `/_mock/stats`); anything
else must be a typed 502/503/504 JSON error. It prints the figures and exits 1 if any
response was unverified, untyped or hung.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from devtools.processes import free_port, stop

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
MODEL_ERROR_TYPES = {"model_error", "model_bad_output", "model_unavailable", "model_timeout"}


@dataclass
class Outcome:
    """What one request came back with, judged."""

    status: int | None  # None: no answer within the client's patience (hung)
    latency_s: float
    error_type: str | None = None
    typed: bool = True
    sentences: list[str] = field(default_factory=list)
    grounding_failures: list[str] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0
    repaired: int = 0


def load_seed_articles() -> list[dict[str, Any]]:
    """The seed articles, in the form `/summarize` takes."""
    articles = []
    for path in sorted(SEEDS.glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        articles.append(article)
    if not articles:
        raise SystemExit(f"no seed articles in {SEEDS}")
    return articles


def build_requests(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` request bodies: seeded subsets and orders of the seeds, ids made unique."""
    seeds = load_seed_articles()
    rng = random.Random(seed)
    bodies = []
    for number in range(count):
        chosen = rng.sample(seeds, k=rng.randint(min(2, len(seeds)), len(seeds)))
        # Unique ids make every prompt distinct, so no cache anywhere can hide a fault.
        articles = [{**a, "id": f"{a['id']}-r{number}"} for a in chosen]
        bodies.append({"articles": articles})
    return bodies


def grounding_failures(request: dict[str, Any], response: dict[str, Any]) -> list[str]:
    """Violations of DESIGN.md's grounding invariant in one 200 response."""
    submitted = {a["id"]: a["text"] for a in request["articles"]}
    returned = {a["id"]: a["text"] for a in response.get("articles", [])}
    failures = [
        f"article {article_id}: returned text differs from the submitted text"
        for article_id, text in submitted.items()
        if returned.get(article_id) != text
    ]
    for path, item in _cited_objects(response.get("summary", {}), "summary"):
        citations = item["citations"]
        if not citations:
            failures.append(f"{path}: no citation for {item['text']!r}")
        for citation in citations:
            text = returned.get(citation.get("article_id"))
            start, end = citation.get("start"), citation.get("end")
            if (
                text is None
                or not isinstance(start, int)
                or not isinstance(end, int)
                or text[start:end] != citation.get("text")
            ):
                failures.append(f"{path}: citation {citation} does not match its article")
    return failures


def summary_texts(response: dict[str, Any]) -> list[str]:
    """Every sentence (and quote) text the summary shows."""
    return [item["text"] for _, item in _cited_objects(response.get("summary", {}), "summary")]


def _cited_objects(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "text" in node and "citations" in node:
            yield path, node
        for key, value in node.items():
            yield from _cited_objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _cited_objects(value, f"{path}[{index}]")


async def send_all(
    api_url: str, bodies: Sequence[dict[str, Any]], concurrency: int, patience_s: float
) -> list[Outcome]:
    """Post every body to /summarize, at most `concurrency` at a time, and judge the replies."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=api_url, limits=limits, timeout=patience_s) as client:

        async def one(body: dict[str, Any]) -> Outcome:
            async with gate:
                started = time.monotonic()
                try:
                    reply = await client.post("/summarize", json=body)
                except httpx.TimeoutException:
                    return Outcome(status=None, latency_s=time.monotonic() - started)
                return judge(body, reply, time.monotonic() - started)

        return await asyncio.gather(*(one(body) for body in bodies))


def judge(body: dict[str, Any], reply: httpx.Response, latency_s: float) -> Outcome:
    """Check one reply: grounded if 200, a typed model error otherwise."""
    outcome = Outcome(status=reply.status_code, latency_s=latency_s)
    try:
        payload = reply.json()
    except ValueError:
        outcome.typed = False
        return outcome
    if reply.status_code == 200:
        outcome.sentences = summary_texts(payload)
        outcome.grounding_failures = grounding_failures(body, payload)
        outcome.run = payload.get("run", {})
        verification = payload.get("verification", {})
        outcome.dropped = len(verification.get("dropped", []))
        outcome.repaired = int(verification.get("repaired", 0))
        return outcome
    outcome.error_type = payload.get("type") if isinstance(payload, dict) else None
    outcome.typed = reply.status_code in (502, 503, 504) and outcome.error_type in MODEL_ERROR_TYPES
    return outcome


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


@contextmanager
def process(
    command: list[str], ready_url: str, env: dict[str, str], log: IO[str]
) -> Iterator[None]:
    """Run `command` until the block ends, once `ready_url` answers."""
    child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                log.seek(0)
                raise SystemExit(f"{command[2]} exited early:\n{log.read()[-3000:]}")
            try:
                if httpx.get(ready_url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(command)} did not come up at {ready_url}")
            time.sleep(0.2)
        yield
    finally:
        stop(child)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start both servers, send the requests, and gather the figures."""
    model_port, api_port = free_port(), free_port()
    server_command = [
        sys.executable,
        "-m",
        "devtools.fake_openai_server",
        "--port",
        str(model_port),
        "--fault-rate",
        str(args.fault_rate),
        "--faults",
        args.faults,
        "--seed",
        str(args.seed),
        "--retry-after",
        str(args.retry_after),
        "--latency-ms",
        str(args.latency_ms),
    ]
    api_command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "service.api.app:create_app",
        "--port",
        str(api_port),
        "--log-level",
        "warning",
    ]
    model_url = f"http://127.0.0.1:{model_port}/v1"
    api_url = f"http://127.0.0.1:{api_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    env.update(
        {
            "SUMMARIZER_MODEL": "mock-server",
            "OPENAI_BASE_URL": model_url,
            "OPENAI_API_KEY": "unused",
            "SUMMARIZER_MODEL_TIMEOUT_S": str(args.model_timeout),
            "SUMMARIZER_REQUEST_DEADLINE_S": str(args.deadline),
            "SUMMARIZER_MAX_CONCURRENT_MODEL_CALLS": str(args.model_concurrency),
            # Every request must reach the model: a repeated one is not answered from cache.
            "SUMMARIZER_RESPONSE_CACHE": "false",
        }
    )
    bodies = build_requests(args.requests, args.seed)
    with ExitStack() as stack:
        model_log = stack.enter_context(tempfile.TemporaryFile("w+"))
        api_log = stack.enter_context(tempfile.TemporaryFile("w+"))
        stack.enter_context(process(server_command, f"{model_url}/models", env, model_log))
        stack.enter_context(process(api_command, f"{api_url}/healthz", env, api_log))
        started = time.monotonic()
        outcomes = asyncio.run(send_all(api_url, bodies, args.concurrency, args.patience))
        wall_s = time.monotonic() - started
        server_stats = httpx.get(f"http://127.0.0.1:{model_port}/_mock/stats").json()
    return figures(outcomes, server_stats, wall_s, args)


def figures(
    outcomes: Sequence[Outcome], server: dict[str, Any], wall_s: float, args: argparse.Namespace
) -> dict[str, Any]:
    """The run's figures, as printed and as written with --json."""
    planted = set(server.get("planted", []))
    statuses = Counter("hung" if o.status is None else str(o.status) for o in outcomes)
    error_types = Counter(o.error_type for o in outcomes if o.error_type)
    ok = [o for o in outcomes if o.status == 200]
    leaked = [s for o in ok for s in o.sentences if any(p in s for p in planted)]
    ungrounded = [f for o in ok for f in o.grounding_failures]
    latencies = [o.latency_s for o in outcomes if o.status is not None]
    return {
        "requests": len(outcomes),
        "fault_rate": args.fault_rate,
        "seed": args.seed,
        "concurrency": args.concurrency,
        "wall_s": round(wall_s, 1),
        "responses_by_status": dict(sorted(statuses.items())),
        "error_types": dict(sorted(error_types.items())),
        "untyped_errors": sum(1 for o in outcomes if o.status is not None and not o.typed),
        "hung": statuses.get("hung", 0),
        "unverified_sentences": len(leaked) + len(ungrounded),
        "planted_sentences_leaked": len(leaked),
        "grounding_failures": len(ungrounded),
        "examples": (leaked + ungrounded)[:5],
        "sentences_returned": sum(len(o.sentences) for o in ok),
        "dropped_by_verifier": sum(o.dropped for o in ok),
        "repaired": sum(o.repaired for o in ok),
        "fallbacks": sum(1 for o in ok if o.run.get("fallback")),
        "model_calls": sum(int(o.run.get("calls", 0)) for o in ok),
        "latency_s": {
            "p50": round(percentile(latencies, 0.50), 3),
            "p90": round(percentile(latencies, 0.90), 3),
            "p99": round(percentile(latencies, 0.99), 3),
            "max": round(max(latencies, default=0.0), 3),
            "mean": round(statistics.fmean(latencies), 3) if latencies else 0.0,
        },
        "model_server": {
            "requests": server.get("requests"),
            "clean_replies": server.get("replies_ok"),
            "faults": server.get("faults"),
            "planted_distinct": len(planted),
        },
    }


def report(result: dict[str, Any]) -> str:
    """The figures as a short human-readable block."""
    lat = result["latency_s"]
    lines = [
        f"fault injection: {result['requests']} requests, {result['fault_rate']:.0%} faulty "
        f"model replies, seed {result['seed']}, concurrency {result['concurrency']}, "
        f"{result['wall_s']} s",
        f"  responses by status   {result['responses_by_status']}",
        f"  error types           {result['error_types']}",
        f"  untyped errors        {result['untyped_errors']}",
        f"  hung requests         {result['hung']}",
        f"  unverified sentences  {result['unverified_sentences']} "
        f"(planted leaked {result['planted_sentences_leaked']}, "
        f"grounding failures {result['grounding_failures']})",
        f"  sentences returned    {result['sentences_returned']} "
        f"(dropped by verifier {result['dropped_by_verifier']}, repaired {result['repaired']}, "
        f"fallbacks {result['fallbacks']})",
        f"  latency s             p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}  "
        f"max {lat['max']}",
        f"  model server          {result['model_server']}",
    ]
    for example in result["examples"]:
        lines.append(f"  ! {example}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when any response was unverified, untyped or hung."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--faults", default="all", help="kinds, as the mock server's --faults")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--model-concurrency", type=int, default=8, help="model calls in flight")
    parser.add_argument("--retry-after", type=float, default=0.2, help="seconds, on 429/503")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every reply")
    parser.add_argument("--model-timeout", type=float, default=10.0)
    parser.add_argument("--deadline", type=float, default=60.0, help="per-request deadline, s")
    parser.add_argument("--patience", type=float, default=180.0, help="after this: hung")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = run(args)
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    failed = result["unverified_sentences"] or result["untyped_errors"] or result["hung"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
