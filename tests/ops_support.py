"""For the operations tests: redis-server (Debian's package) on a free port; the service's
server in a process of its own; captured logs."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from devtools.processes import free_port, stop
from service.api.logs import HANDLER_NAME, configure_logging
from tests.conftest import REPO

REDIS_MISSING = (
    "redis-server not found on PATH: `apt-get install -y redis-server` "
    "(scripts/test.sh installs it where apt-get is available)"
)


def redis_server_binary() -> str:
    """The redis-server executable, or skip the test that needs it, saying why."""
    found = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()),
        None,
    )
    if found is None:
        pytest.skip(REDIS_MISSING)
    return found


def wait_for_redis(url: str, process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Return once the server answers PING; fail with its exit status if it died."""
    deadline = time.monotonic() + timeout_s
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode}")
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer at {url} in {timeout_s:g}s")
    finally:
        client.close()


@contextmanager
def running_redis(arguments: Sequence[str] = ("--save", "", "--appendonly", "no")) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 and a free port; yields its redis:// URL."""
    binary = redis_server_binary()
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        command = [binary, *arguments, "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--dir", workdir]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            wait_for_redis(url, process)
            yield url
        finally:
            stop(process)


@contextmanager
def logging_restored() -> Iterator[None]:
    """Undo what `configure_logging` (run by a served app's start-up) did to the process."""
    root = logging.getLogger()
    level, access_disabled = root.level, logging.getLogger("uvicorn.access").disabled
    servers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error")]
    saved = [(s.level, list(s.handlers), s.propagate) for s in servers]
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = access_disabled
        for server, (server_level, handlers, propagate) in zip(servers, saved, strict=True):
            server.setLevel(server_level)
            server.handlers[:] = handlers
            server.propagate = propagate


class CapturedLogs:
    """The JSON log lines written while it is active."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        """Every line, parsed: each must be one JSON object."""
        return [json.loads(line) for line in self.text.splitlines()]


@contextmanager
def captured_logs() -> Iterator[CapturedLogs]:
    """Log as the served app does (JSON, INFO), into a buffer; restore the process after."""
    captured = CapturedLogs()
    with logging_restored():
        configure_logging("json", "INFO", stream=captured.buffer)
        yield captured


@contextmanager
def served_service(
    env: dict[str, str], *args: str, log: Path | None = None, timeout_s: float = 60
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`python -m service serve ARGS` on a free port with `env`, once /healthz answers (its
    warm-up and ingest processes done): the process and its base URL; stopped at the end if
    still up. Its output goes to `log` where given (shown when it fails to start)."""
    port = free_port()
    with contextlib.ExitStack() as files:
        sink = files.enter_context(log.open("wb")) if log is not None else subprocess.DEVNULL
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), *args],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )

    def output() -> str:
        return log.read_text(errors="replace") if log is not None else "(output not kept)"

    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            assert server.poll() is None, f"the server exited at start-up: {output()}"
            assert time.monotonic() < deadline, f"no answer in {timeout_s} s: {output()}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield server, base
    finally:
        if server.poll() is None:
            stop(server)
