"""Report folder: report.json round-trips, report.md and the SVG chart are written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from evals.report import format_value, load_report, render_table, write_report

SYSTEMS = {"system": "ours (mock)", "lead": "lead", "lexrank": "LexRank (sumy)"}


def scores(rouge2: float, coverage: float) -> dict[str, float]:
    return {
        "rouge1": 0.5,
        "rouge2": rouge2,
        "fact_coverage": coverage,
        "self_verified_rate": 1.0,
        "calls": 1.0,
        "latency_s": 0.0123,
    }


def make_report() -> dict[str, Any]:
    """A one-task, one-example report in the shape the runner writes."""
    summaries = {
        "system": ["Japan and Italy agreed a special strategic partnership."],
        "lead": ["TOKYO, Jan 16 -- Leaders met."],
        "lexrank": [],
    }
    return {
        "schema": 1,
        "run": {
            "created_at": "2026-01-17T00:00:00+00:00",
            "model": "mock",
            "seed": 0,
            "temperature": 0.0,
            "limit": None,
            "commit": "abc1234",
            "python": "3.11",
            "duration_s": 1.5,
        },
        "systems": SYSTEMS,
        "tasks": {
            "seed_summit": {
                "version": 1,
                "description": "Five articles on the summit.",
                "dataset_sha256": "0" * 64,
                "examples": 1,
                "example_ids": ["summit"],
                "errors": 0,
                "metrics": {
                    "system": scores(0.4, 0.75),
                    "lead": scores(0.3, 0.5),
                    "lexrank": scores(0.2, 0.25),
                },
                "by_tag": {},
                "per_example": [
                    {
                        "id": "summit",
                        "tags": {},
                        "error": None,
                        "systems": {
                            name: {
                                "metrics": {},
                                "summary": summary,
                                "facts_covered": ["partnership_upgrade"] if summary else [],
                                "core_facts_missed": ["trade_volume"],
                                "contested_stated": [],
                            }
                            for name, summary in summaries.items()
                        },
                    }
                ],
            }
        },
    }


def test_write_report_creates_json_markdown_and_chart(tmp_path: Path) -> None:
    report = make_report()
    path = write_report(report, tmp_path / "run")
    assert path == tmp_path / "run" / "report.json"
    assert load_report(path) == report
    assert load_report(tmp_path / "run") == report

    markdown = (tmp_path / "run" / "report.md").read_text()
    assert "| rouge2 | 0.400 | 0.300 | 0.200 |" in markdown
    assert "![seed_summit](chart_seed_summit.svg)" in markdown
    assert "Japan and Italy agreed a special strategic partnership." in markdown
    assert "Facts covered: partnership_upgrade." in markdown
    assert "Core facts missed: trade_volume." in markdown
    assert "| fact_coverage | higher | 0 |" in markdown  # the tolerance is documented

    chart = ET.parse(tmp_path / "run" / "chart_seed_summit.svg").getroot()
    # 3 legend squares plus one bar per system for each of the 4 gated share metrics.
    assert len(list(chart.iter("{http://www.w3.org/2000/svg}rect"))) == 3 + 3 * 4


def test_terminal_table_has_a_row_per_metric_and_a_column_per_system() -> None:
    table = render_table(make_report())
    lines = table.splitlines()
    assert lines[0] == "seed_summit v1: 1 example(s)"
    assert lines[1].split() == ["metric", "system", "lead", "lexrank"]
    assert lines[3].split() == ["rouge2", "0.400", "0.300", "0.200"]
    assert any(line.split() == ["calls", "1.0", "1.0", "1.0"] for line in lines)
    assert "system = ours (mock)" in lines[-1]


def test_values_are_formatted_by_unit() -> None:
    assert format_value("rouge2", 0.12345) == "0.123"
    assert format_value("prompt_tokens", 1234.56) == "1234.6"
    assert format_value("latency_s", 0.0123) == "0.012"
    assert format_value("rouge2", None) == "-"
