"""The service's own CPU per /summarize request with a remote model, and where it goes.

    python -m benchmarks.profile_request                  # seeds x 20: CPU ms per request
    python -m benchmarks.profile_request --profile        # and a pyinstrument tree of one
    python -m benchmarks.profile_request --verify         # /verify instead of /summarize

The model is the fake OpenAI-compatible server (devtools.fake_openai_server) in a separate
process at 0 latency, so `time.process_time()` around each request counts only this process:
routing, validation, ingest, grouping, the verifier, the openai SDK client, JSON. The response
cache is off (it would answer a repeated request without running anything), and so, unless
`--prepared-cache` is given, is the cache of prepared articles.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.mapping import article_input
from service.api.schemas import ArticleIn
from service.config import Settings
from service.drafting.drafter import Drafter
from service.drafting.extractive import ExtractiveModel, summarise_groups
from service.pipeline.assemble import Assembler
from service.pipeline.prepared import prepare

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def _fake_server() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "devtools.fake_openai_server", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _seed_articles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((REPO / "seeds").glob("*.json"))]


def _verify_body(client: TestClient, articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The seeds' own summary, sent back to /verify sentence by sentence."""
    summary = client.post("/summarize", json={"articles": articles}).json()["summary"]
    sentences = [
        {"text": s["text"], "citations": [{"article_id": c["article_id"]} for c in s["citations"]]}
        for s in [summary["headline"], *summary["key_points"]]
    ]
    return {"articles": articles, "sentences": sentences}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument tree")
    parser.add_argument("--verify", action="store_true", help="profile /verify")
    parser.add_argument("--prepared-cache", action="store_true", help="keep the prepared cache")
    args = parser.parse_args()
    with _fake_server() as url:
        settings = Settings(
            model="mock-server",
            openai_base_url=url,
            response_cache=False,
            prepared_cache_chars=1_000_000 if args.prepared_cache else 0,
        )
        client = TestClient(create_app(settings=settings))
        articles = _seed_articles()
        path, body = "/summarize", {"articles": articles}
        if args.verify:
            path, body = "/verify", _verify_body(client, articles)
        client.post(path, json=body)  # warm-up: imports, the probe, the segmenter
        cpu = []
        for _ in range(args.repeat):
            started = time.process_time()
            response = client.post(path, json=body)
            cpu.append(time.process_time() - started)
            if response.status_code != 200:
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
        print(
            f"{path} seeds: CPU per request p50 {1000 * statistics.median(cpu):.0f} ms, "
            f"min {1000 * min(cpu):.0f} ms over {args.repeat}"
        )
    if args.profile:
        _profile_stages(articles)


def _profile_stages(raw: list[dict[str, Any]]) -> None:
    """The CPU-heavy stages of one request, run here in the main thread (pyinstrument samples
    only the thread that starts it; the service runs them in worker threads)."""
    from pyinstrument import Profiler

    settings = Settings(response_cache=False, prepared_cache_chars=0)
    articles = [article_input(ArticleIn.model_validate(a)) for a in raw]
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(5):
            prepared = prepare(articles, settings)
            draft = summarise_groups(prepared.groups.groups, 6, 3)
            Drafter(ExtractiveModel(), prepared.documents, settings, 6, 3)
            assembler = Assembler(prepared.documents, prepared.groups, prepared.verifier)
            assembler.summary(draft)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
