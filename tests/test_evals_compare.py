"""`python -m evals compare`: deltas, tolerances and the exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.__main__ import main
from evals.compare import compare_reports, render_comparison
from evals.metrics import METRICS, RENAMED

SYSTEM = {"rouge2": 0.30, "fact_coverage": 0.75, "self_verified_rate": 1.0, "latency_s": 0.2}
LEAD = {"rouge2": 0.25, "fact_coverage": 0.50, "self_verified_rate": 1.0, "latency_s": 0.01}


def make_report(
    system: dict[str, float] | None = None,
    lead: dict[str, float] | None = None,
    *,
    version: int = 1,
    example_ids: tuple[str, ...] = ("e1", "e2"),
    sha: str = "abc",
) -> dict[str, Any]:
    """A minimal report with one task, in the shape the runner writes."""
    return {
        "schema": 1,
        "systems": {"system": "ours (mock)", "lead": "lead"},
        "tasks": {
            "seed_summit": {
                "version": version,
                "dataset_sha256": sha,
                "examples": len(example_ids),
                "example_ids": list(example_ids),
                "metrics": {"system": dict(system or SYSTEM), "lead": dict(lead or LEAD)},
            }
        },
    }


def write(tmp_path: Path, name: str, report: dict[str, Any]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps(report))
    return folder


def test_no_change_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "a", make_report())
    b = write(tmp_path, "b", make_report())
    assert main(["compare", str(a), str(b)]) == 0
    assert "no regression" in capsys.readouterr().out


def test_a_regression_beyond_tolerance_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path, "a", make_report())
    b = write(tmp_path, "b", make_report({**SYSTEM, "fact_coverage": 0.70}))
    assert main(["compare", str(a), str(b / "report.json")]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out
    assert "seed_summit/fact_coverage" in out


def test_a_change_within_tolerance_passes() -> None:
    result = compare_reports(make_report(), make_report({**SYSTEM, "rouge2": 0.295}))
    assert result.exit_code == 0
    assert "worse, within tolerance" in render_comparison(result)


def test_improvements_pass_and_are_shown() -> None:
    result = compare_reports(make_report(), make_report({**SYSTEM, "rouge2": 0.40}))
    assert result.exit_code == 0
    delta = next(d for d in result.deltas if d.metric == "rouge2" and d.system == "system")
    assert delta.change == pytest.approx(0.10)
    assert "better" in render_comparison(result)


def test_a_baseline_moving_is_reported_but_not_gated() -> None:
    result = compare_reports(make_report(), make_report(lead={**LEAD, "rouge2": 0.10}))
    assert result.exit_code == 0
    assert "lead" in render_comparison(result)


def test_a_gated_metric_that_vanishes_is_a_regression() -> None:
    system = {k: v for k, v in SYSTEM.items() if k != "self_verified_rate"}
    assert compare_reports(make_report(), make_report(system)).exit_code == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"version": 2},
        {"sha": "def"},
        {"example_ids": ("e1",)},
    ],
)
def test_runs_of_different_data_are_not_comparable(changed: dict[str, Any]) -> None:
    result = compare_reports(make_report(), make_report(**changed))
    assert result.exit_code == 2
    assert "NOT COMPARABLE" in render_comparison(result)


def test_an_unreadable_report_exits_two(tmp_path: Path) -> None:
    a = write(tmp_path, "a", make_report())
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 2


def test_baseline_wobble_within_tolerance_is_not_listed() -> None:
    result = compare_reports(make_report(), make_report(lead={**LEAD, "latency_s": 0.02}))
    assert " lead " not in render_comparison(result)
    assert " lead " in render_comparison(result, show_all=True)


OLD_NAMES = {"self_verified_rate": "grounding_rate"}


def test_a_report_made_before_the_renames_compares_under_the_new_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = {OLD_NAMES.get(k, k): v for k, v in SYSTEM.items()}
    a = write(tmp_path, "a", make_report(old, {OLD_NAMES.get(k, k): v for k, v in LEAD.items()}))
    b = write(tmp_path, "b", make_report())
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "metric grounding_rate is read as self_verified_rate (renamed)" in out
    assert out.count("(renamed)") == 1


def test_a_regression_across_the_rename_is_still_caught() -> None:
    old = {OLD_NAMES.get(k, k): v for k, v in SYSTEM.items()}
    result = compare_reports(make_report(old), make_report({**SYSTEM, "self_verified_rate": 0.9}))
    assert [(d.metric, d.before, d.after) for d in result.regressions] == [
        ("self_verified_rate", 1.0, 0.9)
    ]


def test_every_renamed_metric_maps_to_a_current_one() -> None:
    assert set(RENAMED.values()) <= set(METRICS)
    assert not set(RENAMED) & set(METRICS)
