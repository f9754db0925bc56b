"""Helpers for servers run as child processes: the llama.cpp launcher and the benchmarks."""

from __future__ import annotations

import socket
import subprocess

# How long a child has to exit after SIGTERM before it is killed.
STOP_GRACE_S = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a child, kill it if it does not exit in time, and reap it."""
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
