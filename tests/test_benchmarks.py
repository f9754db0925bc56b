"""Each benchmark runs at a tiny size and prints its table, so none of them can rot unseen.

Only that they run and what they print is checked here (and the two measures of the model's
part of a request), never a speed: figures belong to the benchmarks themselves (README,
"Measuring it").
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.harness import Call, model_time, rounds
from tests.conftest import run_python


def run_benchmark(name: str, *flags: str) -> str:
    """`python -m benchmarks.NAME --quick FLAGS`; its output, after checking it succeeded."""
    return run_python("-m", f"benchmarks.{name}", "--quick", *flags)


def test_overhead_prints_each_workload_with_its_model_path_and_overhead() -> None:
    out = run_benchmark("bench_overhead")
    for expected in ("model path", "overhead %", "seeds (5 articles)", "FRANK 12 articles"):
        assert expected in out
    seeds_row = next(line for line in out.splitlines() if line.startswith("seeds (5"))
    # One call, one round for the seeds.
    assert seeds_row.split()[3:5] == ["1", "1"]
    # The stage table: a repeated set skips ingest (the prepared-set cache), a new one not.
    stages = out.split("the service's own stages")[1].splitlines()
    assert stages[1].split() == ["workload", "ingest", "grouping", "plan", "index", "verify"]
    warm = next(line for line in stages if line.startswith("seeds (5"))
    assert warm.split()[3:5] == ["-", "-"]
    new = next(line for line in stages if line.startswith("5 FRANK articles, a new set"))
    assert "-" not in new.split()[7:]


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
    cells = [line.split() for line in out.splitlines()]
    for stage in ("ingest", "grouping", "index", "verify"):
        sizes = [row[1] for row in cells if row[:1] == [stage] and row[1].endswith("x")]
        assert sizes == ["0.5x", "1x"]
    assert "ms per 1k chars" in out
    assert "x smallest a sentence" in out


def test_memory_prints_peak_and_growth() -> None:
    out = run_benchmark("bench_memory")
    for expected in ("peak for 10 FRANK articles", "after 8 seeds requests", "growth from 4 to 8"):
        assert expected in out


def test_tokens_prints_the_three_approaches() -> None:
    # Never builds LangChain's environment here (no registry in a test); without it, its row
    # says so and the others still print.
    out = run_benchmark("bench_tokens", "--no-build")
    # The table's rows: not the verdict lines under it, which name "stuff" when LangChain's
    # environment is not built.
    rows = [line for line in out.splitlines() if "fewer prompt tokens than" not in line]
    for approach in ("service", "stuff", "LangChain map_reduce"):
        assert sum(approach in line for line in rows) == 2
    assert "fewer prompt tokens than" in out


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 20)), max_size=12))
def test_model_time_is_the_length_of_the_union_of_the_calls(spans: list[tuple[int, int]]) -> None:
    calls = [Call(float(start), float(start + length), 0) for start, length in spans]
    covered = {t for start, length in spans for t in range(start, start + length)}
    assert model_time(calls) == len(covered)


def test_rounds_count_calls_that_had_to_wait_for_one_another() -> None:
    def calls(*spans: tuple[float, float]) -> list[Call]:
        return [Call(start, end, 0) for start, end in spans]

    assert rounds([]) == 0
    # Four maps at once, a reduce after them, a repair after that.
    parallel = calls((0, 1), (0.01, 1.01), (0.02, 1), (0, 1.02), (1.05, 2), (2.1, 3))
    assert rounds(parallel) == 3
    # The same maps one after another (a lock held through each call) read as more rounds.
    assert rounds(calls((0, 1), (1, 2), (2, 3), (3, 4), (4.1, 5))) == 5


def test_sdk_call_prints_both_ways_from_the_services_own_body() -> None:
    out = run_benchmark("bench_sdk_call")
    rows = {row[0]: row for row in (line.split() for line in out.splitlines()) if len(row) == 4}
    # Three calls each way, every one answered with a choice (else it exits non-zero).
    assert rows["create"][1] == rows["post"][1] == "3"
    assert "saves" in out
