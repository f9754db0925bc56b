"""One bound on model calls for all the processes of `serve --workers N`: slots are granted
first come first served, never more than the bound at once, and come back when their holder
gives up or dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from benchmarks.harness import mock_server, seed_articles, service_server
from service.errors import ModelUnavailable
from service.llm.slots import SharedSlots, SlotBroker


async def _hold(slots: SharedSlots, name: str, seconds: float, log: list[tuple[str, str]]) -> None:
    async with slots.slot():
        log.append(("in", name))
        await asyncio.sleep(seconds)
        log.append(("out", name))


def _most_at_once(log: list[tuple[str, str]]) -> int:
    held = most = 0
    for event, _ in log:
        held += 1 if event == "in" else -1
        most = max(most, held)
    return most


def test_no_more_than_the_bound_hold_slots_and_they_go_in_the_order_asked() -> None:
    log: list[tuple[str, str]] = []

    async def run(path: str) -> None:
        slots = SharedSlots(path)
        tasks = []
        for i in range(6):
            tasks.append(asyncio.create_task(_hold(slots, f"c{i}", 0.1, log)))
            await asyncio.sleep(0.01)  # each asks after the one before
        await asyncio.gather(*tasks)

    with SlotBroker(2) as broker:
        asyncio.run(run(broker.path))
        assert broker.held == 0 or _settled(broker)
    assert _most_at_once(log) == 2
    assert [name for event, name in log if event == "in"] == [f"c{i}" for i in range(6)]


def _settled(broker: SlotBroker) -> bool:
    """The broker sees the last holders close a moment after they did."""
    deadline = time.monotonic() + 2
    while broker.held and time.monotonic() < deadline:
        time.sleep(0.01)
    return broker.held == 0


def test_a_waiter_that_gives_up_leaves_the_queue() -> None:
    log: list[tuple[str, str]] = []

    async def run(path: str) -> None:
        slots = SharedSlots(path)
        first = asyncio.create_task(_hold(slots, "first", 0.2, log))
        await asyncio.sleep(0.05)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(_hold(slots, "gave up", 1.0, log), 0.05)
        # Next in line after the one that left: it gets the slot when the first ends.
        await asyncio.wait_for(_hold(slots, "next", 0.0, log), 2.0)
        await first

    with SlotBroker(1) as broker:
        asyncio.run(run(broker.path))
        assert _settled(broker)
    assert [name for event, name in log if event == "in"] == ["first", "next"]


HOLDER = """
import socket, sys, time
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sys.argv[1])
assert conn.recv(1) == b"1"
print("held", flush=True)
time.sleep(60)
"""


def test_a_process_killed_holding_the_slot_gives_it_back() -> None:
    log: list[tuple[str, str]] = []
    with SlotBroker(1) as broker:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, broker.path], stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

            async def blocked() -> None:
                await asyncio.wait_for(_hold(SharedSlots(broker.path), "blocked", 0, log), 0.3)

            with pytest.raises(TimeoutError):
                asyncio.run(blocked())
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(10)
            asyncio.run(asyncio.wait_for(_hold(SharedSlots(broker.path), "after", 0, log), 5))
        finally:
            holder.kill()
            holder.wait(10)
    assert [name for event, name in log if event == "in"] == ["after"]


def test_no_broker_is_a_model_unavailable_error(tmp_path: object) -> None:
    async def run() -> None:
        async with SharedSlots("/nonexistent/slots.sock").slot():
            pass

    with pytest.raises(ModelUnavailable, match="shared bound on model calls"):
        asyncio.run(run())


def test_the_workers_of_one_server_share_the_bound_on_model_calls() -> None:
    # Two processes, a bound of 2 for both: a bound held per process would let 4 calls run.
    settings = {"response_cache": "false", "max_concurrent_model_calls": "2"}
    body = {"articles": seed_articles()}
    with (
        mock_server(latency_ms=400) as (model, _),
        service_server(model.url, workers=2, settings=settings) as (url, _),
    ):

        def post(_: int) -> int:
            # A connection each, so both processes take requests.
            with httpx.Client(base_url=url, timeout=120) as client:
                return client.post("/summarize", json=body).status_code

        post(0)  # the probe and the mock's first reply
        model.reset()
        with ThreadPoolExecutor(8) as pool:
            answered = list(pool.map(post, range(8)))
        assert answered == [200] * 8
        assert model.stats()["max_in_flight"] == 2
