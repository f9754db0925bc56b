"""`python -m service serve`: a busy port has its own exit code; start-up says what it ignores."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from service.cli import EXIT_ADDRESS_IN_USE, main
from tests.conftest import REPO


@contextmanager
def occupied_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_busy_port_is_one_line_and_its_own_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with occupied_port() as port:
        code = main(["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert code == EXIT_ADDRESS_IN_USE == 4
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"error: 127.0.0.1:{port} is already in use: stop what listens there or give another --port"
    )


def test_a_host_that_is_not_an_address_is_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "no such host.invalid", "--port", "0"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: --host no such host.invalid: not an address to listen on")


def test_serve_warns_that_the_mock_ignores_the_server_url() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", "0"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    records: list[dict[str, str]] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = server.stderr.readline()
            if not line:
                break
            records.append(json.loads(line))  # the service logs JSON from its first line
            if "Application startup complete" in records[-1]["event"]:
                break
        running = next(r["event"] for r in records if "Uvicorn running on" in r["event"])
        port = int(running.split("127.0.0.1:")[1].split()[0])
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    warnings = [r for r in records if r["level"] == "warning"]
    assert len(warnings) == 1, records
    assert "in-process extractive model" in warnings[0]["event"]
    assert "OPENAI_BASE_URL (http://127.0.0.1:9/v1) is not used" in warnings[0]["event"]
