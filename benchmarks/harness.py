"""What the black-box benchmarks share: the inputs, the two servers as child processes, and
readings of a process tree's CPU time and memory from /proc.

The service runs as `python -m service serve` pointed at `python -m devtools.fake_openai_server`
through the service's own settings (`SUMMARIZER_MODEL=mock-server`, `OPENAI_BASE_URL`), so a
figure covers the whole path a deployment runs: uvicorn, the app, the `openai` SDK and HTTP.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devtools.processes import free_port, stop

REPO = Path(__file__).resolve().parent.parent
FRANK = REPO / "evals" / "data" / "frank_valid.jsonl"
START_TIMEOUT_S = 120.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def seed_articles() -> list[dict[str, Any]]:
    """The seed event's article objects, in file order."""
    return [json.loads(p.read_text("utf-8")) for p in sorted((REPO / "seeds").glob("*.json"))]


def frank_articles(count: int) -> list[dict[str, Any]]:
    """`count` distinct FRANK articles (each once, however many tasks share it)."""
    seen: dict[str, dict[str, Any]] = {}
    with FRANK.open(encoding="utf-8") as handle:
        for line in handle:
            for article in json.loads(line)["articles"]:
                seen.setdefault(article["id"], {"id": article["id"], "text": article["text"]})
            if len(seen) >= count:
                break
    if len(seen) < count:
        raise SystemExit(f"FRANK holds only {len(seen)} distinct articles, not {count}")
    return list(seen.values())[:count]


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float:
    """The median of `values`."""
    return statistics.median(values)


# --- /proc readings -----------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """`pid` and every live process below it (uvicorn's worker processes included)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its descendants, live and reaped."""
    total = 0
    for process in descendants(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: the fields 14 to 17 of proc(5), here 11 to 14.
        total += sum(int(value) for value in fields[11:15])
    return total / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak so far) of one process, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def core_busy() -> list[tuple[int, int]]:
    """(busy, total) jiffies of each CPU since boot, from /proc/stat."""
    cores = []
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            numbers = [int(v) for v in values]
            idle = numbers[3] + numbers[4]  # idle + iowait
            cores.append((sum(numbers) - idle, sum(numbers)))
    return cores


def busy_shares(before: list[tuple[int, int]], after: list[tuple[int, int]]) -> list[float]:
    """Each core's busy share between two `core_busy` readings (every process, not only ours)."""
    return [
        (a_busy - b_busy) / max(1, a_total - b_total)
        for (b_busy, b_total), (a_busy, a_total) in zip(before, after, strict=True)
    ]


# --- the model's side: the fake server's record of calls ----------------------------------


@dataclass(frozen=True)
class Call:
    """One model call as the fake server timed it (wall clock, same machine as the client)."""

    started: float
    finished: float
    prompt_tokens: int


def model_time(calls: Sequence[Call]) -> float:
    """Seconds during which at least one model call was in progress (union of the intervals)."""
    total, reach = 0.0, float("-inf")
    for call in sorted(calls, key=lambda c: c.started):
        if call.finished > reach:
            total += call.finished - max(call.started, reach)
            reach = call.finished
    return total


def rounds(calls: Sequence[Call]) -> int:
    """The longest chain of calls each started after the one before it ended."""
    ordered = sorted(calls, key=lambda c: c.started)
    depth: list[int] = []
    for i, call in enumerate(ordered):
        before = [depth[j] for j in range(i) if ordered[j].finished <= call.started]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


class MockServer:
    """The fake OpenAI-compatible server, as a child process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url.removesuffix("/v1"), timeout=30)

    def reset(self) -> None:
        """Start a new count of calls."""
        self.http.post("/_mock/reset").raise_for_status()

    def stats(self) -> dict[str, Any]:
        """Everything the server counted since the last reset."""
        stats: dict[str, Any] = self.http.get("/_mock/stats").json()
        return stats

    def calls(self) -> list[Call]:
        """The successful calls since the last reset."""
        return [
            Call(c["started"], c["finished"], c["prompt_tokens"])
            for c in self.stats()["calls"]
            if c["status"] == 200
        ]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited at start:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {START_TIMEOUT_S:.0f} s")


@contextmanager
def _child(
    args: Sequence[str], probe_path: str, port: int, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    with tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + probe_path, process, Path(log.name))
        yield process, base
    finally:
        stop(process)
        Path(log.name).unlink(missing_ok=True)


@contextmanager
def mock_server(latency_ms: float) -> Iterator[tuple[MockServer, int]]:
    """The fake model server with a fixed latency per call; yields it and its process id."""
    port = free_port()
    args = ["-m", "devtools.fake_openai_server", "--port", str(port)]
    with _child([*args, "--latency-ms", str(latency_ms)], "/v1/models", port) as (process, base):
        yield MockServer(base + "/v1"), process.pid


@contextmanager
def service_server(
    model_url: str, *, workers: int = 1, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """`python -m service serve` pointed at the fake server; yields its URL and process id.

    `settings` are further SUMMARIZER_* variables (names without the prefix, lower case)."""
    port = free_port()
    env = {
        "SUMMARIZER_MODEL": "mock-server",
        "OPENAI_BASE_URL": model_url,
        "OPENAI_API_KEY": "unused",
        "SUMMARIZER_LOG_LEVEL": "WARNING",
        **{f"SUMMARIZER_{key.upper()}": value for key, value in (settings or {}).items()},
    }
    args = ["-m", "service", "serve", "--port", str(port), "--workers", str(workers)]
    with _child(args, "/healthz", port, env) as (process, base):
        yield base, process.pid


def post_summarize(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """POST /summarize; the response body, or exit with what went wrong."""
    response = client.post("/summarize", json=body)
    if response.status_code != 200:
        raise SystemExit(f"/summarize answered {response.status_code}: {response.text[:500]}")
    payload: dict[str, Any] = response.json()
    return payload


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, columns as wide as their widest cell."""
    cells = [list(map(str, header)), *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
