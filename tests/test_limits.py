"""Hostile but valid input: documented limits, work off the event loop, cancelled work stops."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.llm.base import ModelReply, ModelRequest, OutputT
from service.pipeline.worker import (
    ClientDisconnected,
    in_worker,
    raise_if_cancelled,
    until_disconnected,
)
from tests.conftest import seed_articles
from tests.ops_support import served_service


def _verify(settings: Settings, sentences: list[str]) -> Any:
    client = TestClient(create_app(settings=settings, model=ExtractiveModel()))
    return client.post("/verify", json={"articles": seed_articles(), "sentences": sentences})


def test_a_verify_sentence_over_the_limit_is_refused_naming_the_limit() -> None:
    response = _verify(Settings(max_sentence_chars=100), ["Japan and Italy met.", "x " * 60])
    assert response.status_code == 413
    body = response.json()
    assert body["type"] == "payload_too_large"
    assert body["field"] == "sentences[1]"
    assert "SUMMARIZER_MAX_SENTENCE_CHARS" in body["detail"] and "100" in body["detail"]


def test_verify_sentences_over_the_total_limit_are_refused_naming_the_limit() -> None:
    sentence = "Japan and Italy agreed to strengthen supply chains for critical minerals. "
    response = _verify(Settings(max_verify_chars=1_000), [sentence] * 20)
    assert response.status_code == 413
    body = response.json()
    assert body["type"] == "payload_too_large" and body["field"] == "sentences"
    assert "SUMMARIZER_MAX_VERIFY_CHARS" in body["detail"]
    assert _verify(Settings(max_verify_chars=1_000), [sentence] * 10).status_code == 200


class BlockingModel(ExtractiveModel):
    """The extractive model holding whatever thread runs it until released: work that never
    yields to the event loop, as heavy computation does not."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.started.set()
        self.release.wait(10)
        self.finished.set()
        return await super().execute(request)


async def test_healthz_answers_while_a_summary_computes() -> None:
    model = BlockingModel()
    transport = httpx.ASGITransport(app=create_app(settings=Settings(), model=model))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        summary = asyncio.create_task(
            client.post("/summarize", json={"articles": seed_articles()}, timeout=30)
        )
        assert await asyncio.to_thread(model.started.wait, 10)
        health = await asyncio.wait_for(client.get("/healthz"), 5)
        assert health.status_code == 200
        # Answered while the model still computes, not once it is done.
        assert not model.finished.is_set()
        model.release.set()
        assert (await summary).status_code == 200


async def test_a_disconnected_client_cancels_its_work_and_the_worker_thread_stops() -> None:
    steps = 0
    stopped = threading.Event()

    def long_work() -> None:
        nonlocal steps
        try:
            while True:
                raise_if_cancelled()
                steps += 1
                time.sleep(0.01)
        finally:
            stopped.set()

    polls = 0

    async def disconnected() -> bool:
        nonlocal polls
        polls += 1
        return polls >= 2

    with pytest.raises(ClientDisconnected):
        await until_disconnected(in_worker(long_work), disconnected, poll_s=0.05)
    assert await asyncio.to_thread(stopped.wait, 5)
    done_at = steps
    await asyncio.sleep(0.1)
    assert steps == done_at


async def test_work_whose_client_stays_returns_its_result() -> None:
    async def connected() -> bool:
        return False

    def answer() -> int:
        time.sleep(0.1)
        return 42

    assert await until_disconnected(in_worker(answer), connected, poll_s=0.02) == 42


async def test_a_summary_whose_client_disconnects_is_answered_499_without_waiting() -> None:
    model = BlockingModel()
    app = create_app(settings=Settings(), model=model)
    body = httpx.Request("POST", "http://s", json={"articles": seed_articles()}).read()
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop()
        if model.started.is_set():
            return {"type": "http.disconnect"}
        await asyncio.sleep(0.01)
        return {"type": "http.disconnect"} if model.started.is_set() else await receive()

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/summarize",
        "raw_path": b"/summarize",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    try:
        await asyncio.wait_for(app(scope, receive, send), 10)
        assert not model.finished.is_set()
        statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
        assert statuses in ([], [499])
    finally:
        model.release.set()


def test_sigterm_stops_the_server_within_its_grace_period() -> None:
    from devtools.fake_openai_server import create_app as create_model_server
    from devtools.fake_openai_server import serve_in_thread
    from devtools.faults import FaultConfig

    # The model takes 60 s a reply: a server that waited for its requests would take that long.
    slow = create_model_server(faults=FaultConfig(latency_s=60))
    with serve_in_thread(slow) as url:
        env = {
            **os.environ,
            "SUMMARIZER_MODEL": "served-mock",
            "OPENAI_BASE_URL": url,
            "OPENAI_API_KEY": "unused",
            "SUMMARIZER_SHUTDOWN_GRACE_S": "1",
        }
        with served_service(env) as (server, base):
            request = threading.Thread(
                target=_post_quietly,
                args=(f"{base}/summarize", {"articles": seed_articles()}),
                daemon=True,
            )
            request.start()
            _wait_until(lambda: slow.state.stats.in_flight > 0)
            sent_at = time.monotonic()
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=20) is not None
            assert time.monotonic() - sent_at < 20


def _post_quietly(url: str, body: dict[str, Any]) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(url, json=body, timeout=90)


def _wait_until(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


async def test_no_more_worker_threads_compute_at_once_than_the_setting_allows() -> None:
    from service.config import get_settings

    allowed = get_settings().compute_threads
    running = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    await asyncio.gather(*(in_worker(work) for _ in range(allowed + 3)))
    assert most == allowed


async def test_work_cancelled_while_it_waits_for_a_thread_never_runs() -> None:
    from service.config import get_settings

    release = threading.Event()
    ran: list[int] = []

    def hold() -> None:
        release.wait(5)

    def late() -> None:
        ran.append(1)

    holders = [
        asyncio.ensure_future(in_worker(hold)) for _ in range(get_settings().compute_threads)
    ]
    await asyncio.sleep(0.1)
    waiting = asyncio.ensure_future(in_worker(late))
    await asyncio.sleep(0.05)
    waiting.cancel()
    release.set()
    await asyncio.gather(*holders)
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.1)
    assert ran == []
