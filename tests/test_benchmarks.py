"""Each benchmark runs at a tiny size and prints its table, so none of them can rot unseen.

Only that they run and what they print is checked here, never a speed: figures belong to the
benchmarks themselves (README, "Measuring it").
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def run_benchmark(name: str, *flags: str) -> str:
    """`python -m benchmarks.NAME --quick FLAGS`; its output, after checking it succeeded."""
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--quick", *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_overhead_prints_each_workload_with_its_model_path_and_overhead() -> None:
    out = run_benchmark("bench_overhead")
    for expected in ("model path", "overhead %", "seeds (5 articles)", "FRANK 12 articles"):
        assert expected in out
    seeds_row = next(line for line in out.splitlines() if line.startswith("seeds (5"))
    # One call, one round for the seeds.
    assert seeds_row.split()[3:5] == ["1", "1"]


def test_concurrency_prints_throughput_cpu_and_healthz() -> None:
    out = run_benchmark("bench_concurrency")
    for expected in (
        "throughput, req/s",
        "service CPU per request, ms",
        "each core busy",
        "/healthz p50 / p95 / max",
        "response cache off",
    ):
        assert expected in out


def test_scaling_prints_each_stage_at_each_size() -> None:
    out = run_benchmark("bench_scaling")
    for stage in ("ingest", "grouping", "index", "verify"):
        assert sum(line.startswith(stage) for line in out.splitlines()) == 2
    assert "ms per 1k chars" in out


def test_memory_prints_peak_and_growth() -> None:
    out = run_benchmark("bench_memory")
    for expected in ("peak for 10 FRANK articles", "after 8 seeds requests", "growth from 4 to 8"):
        assert expected in out


def test_tokens_prints_the_three_approaches() -> None:
    # Never builds LangChain's environment here (no registry in a test); without it, its row
    # says so and the others still print.
    out = run_benchmark("bench_tokens", "--no-build")
    lines = out.splitlines()
    for approach in ("service", "stuff", "LangChain map_reduce"):
        assert sum(approach in line for line in lines) == 2
    assert "fewer prompt tokens than" in out
