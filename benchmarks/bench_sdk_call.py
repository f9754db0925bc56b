"""The client's CPU for one model call: the SDK's typed `create` against its `post` with the
same body (what `service.llm.openai_client.chat_completion` sends).

    python -m benchmarks.bench_sdk_call            # 200 calls each way, seeds' summarize body
    python -m benchmarks.bench_sdk_call --quick    # a tiny run, for the tests

The body is the one the service builds for the seeds: the seeds are summarised in process
through a model that records the request and then runs the real `OpenAIChatModel` against
the fake server (`devtools.fake_openai_server`, no latency); the body is then sent `--calls`
times each way, alternating in rounds, and this process's CPU time per call is printed. Both
ways carry the same timeout, retry policy (none: tenacity owns it) and typed reply; `create`
first walks the body against the SDK's parameter types, the reply schema included.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import openai

from benchmarks.harness import mock_server, seed_articles, table
from service.config import Settings
from service.domain import ArticleInput, SummaryOptions
from service.llm.base import Model, ModelReply, ModelRequest, OutputT
from service.llm.openai_client import (
    OpenAIChatModel,
    StructuredMode,
    _format_kwargs,
    _wire_messages,
    chat_completion,
)
from service.pipeline.summarize import summarize


class _Recording:
    """The real model, with the last request it was asked kept."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name = inner.name
        self.profile = inner.profile
        self.context_tokens = inner.context_tokens
        self.requests: list[ModelRequest[Any]] = []

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.requests.append(request)
        return await self.inner.execute(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _seed_body(url: str) -> dict[str, Any]:
    settings = Settings(model="mock-server", openai_base_url=url)
    model = _Recording(OpenAIChatModel("mock-server", base_url=url, api_key="unused"))
    articles = [
        ArticleInput(id=a["id"], body=a["text"], source=a.get("source")) for a in seed_articles()
    ]
    await summarize(articles, SummaryOptions(6, 3, repair=False), model=model, settings=settings)
    await model.aclose()
    request = model.requests[0]
    mode = StructuredMode.JSON_SCHEMA
    return {
        "model": "mock-server",
        "messages": _wire_messages(mode, list(request.messages), request),
        "max_tokens": request.max_output_tokens,
        **_format_kwargs(mode, request),
    }


async def _measure(url: str, calls: int, rounds: int) -> dict[str, list[float]]:
    body = await _seed_body(url)
    client = openai.AsyncOpenAI(
        api_key="unused",
        base_url=url,
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(timeout=30.0),
    )
    per_call: dict[str, list[float]] = {"create": [], "post": []}
    try:
        # Untimed, once each way: the first call pays the connection and the SDK's first use.
        await client.chat.completions.create(**body, timeout=30.0)
        await chat_completion(client, body, 30.0)
        for _ in range(rounds):
            for way in per_call:
                started = time.process_time()
                for _ in range(calls):
                    if way == "create":
                        reply = await client.chat.completions.create(**body, timeout=30.0)
                    else:
                        reply = await chat_completion(client, body, 30.0)
                    if not reply.choices:
                        raise SystemExit(f"{way}: the fake server answered no choice")
                per_call[way].append(1000 * (time.process_time() - started) / calls)
    finally:
        await client.close()
    return per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50, help="calls per way per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    calls, rounds = (3, 1) if args.quick else (args.calls, args.rounds)
    with mock_server(0) as (server, _pid):
        per_call = asyncio.run(_measure(server.url, calls, rounds))
    rows = [
        [way, calls * rounds, f"{statistics.median(ms):.2f}", f"{min(ms):.2f}"]
        for way, ms in per_call.items()
    ]
    print(f"client CPU per model call, seeds' summarize body; {rounds} rounds of {calls}")
    print(table(["way", "calls", "median ms", "best ms"], rows))
    saved = statistics.median(per_call["create"]) - statistics.median(per_call["post"])
    print(f"post saves {saved:.2f} ms of CPU a call")


if __name__ == "__main__":
    main()
