"""Shared test setup: no test may reach beyond this machine; factories for articles."""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def _is_local(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # unix sockets


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse every connection that leaves the loopback interface."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    yield


def run_python(*args: str, timeout: float = 120) -> str:
    """`python ARGS` in a fresh process at the repository's root; its output, after checking
    that it succeeded."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def seed_articles() -> list[dict[str, Any]]:
    """The five seed article objects, in file order."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.json"))]


@pytest.fixture
def seeds() -> list[dict[str, Any]]:
    return seed_articles()


def cited_objects(node: Any) -> list[dict[str, Any]]:
    """Every object in a response body that has both `text` and `citations`."""
    if isinstance(node, dict):
        found = [node] if "text" in node and "citations" in node else []
        return found + [o for value in node.values() for o in cited_objects(value)]
    if isinstance(node, list):
        return [o for value in node for o in cited_objects(value)]
    return []
