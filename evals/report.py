"""Write a run's report folder (report.json, report.md, one SVG chart per task) and print tables."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from evals.metrics import METRICS

REPORT_FILE = "report.json"
# Per-tag breakdowns (FRANK's two outlets) show the metrics that apply to every example.
TAG_METRICS = [
    "rouge1",
    "rouge2",
    "rougeLsum",
    "self_verified_rate",
    "self_judged_citation_recall",
    "self_judged_citation_precision",
    "words",
]
SYSTEM_COLOURS = {"system": "#1f6feb", "lead": "#d97706", "lexrank": "#16a34a"}


def write_report(report: dict[str, Any], out_dir: Path) -> Path:
    """Write the report folder and return the path of report.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, task in report["tasks"].items():
        (out_dir / f"chart_{name}.svg").write_text(render_chart(name, task, report), "utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    path = out_dir / REPORT_FILE
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_report(path: Path) -> dict[str, Any]:
    """A report from its report.json or from the run folder holding it."""
    file = path / REPORT_FILE if path.is_dir() else path
    loaded: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return loaded


def format_value(metric: str, value: float | None) -> str:
    """A metric value as people read it: shares to 3 places, counts to 1, seconds to 3."""
    if value is None:
        return "-"
    spec = METRICS.get(metric)
    if spec is not None and spec.unit == "count":
        return f"{value:.1f}"
    return f"{value:.3f}"


def render_table(report: dict[str, Any]) -> str:
    """The terminal summary: per task, one row per metric, one column per system."""
    systems = list(report["systems"])
    blocks = []
    for name, task in report["tasks"].items():
        head = f"{name} v{task['version']}: {task['examples']} example(s)"
        if task["errors"]:
            head += f", {task['errors']} failed"
        rows = [["metric", *systems]]
        for metric in _metric_names(task, systems):
            rows.append(
                [metric] + [format_value(metric, task["metrics"][s].get(metric)) for s in systems]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            for row in rows
        ]
        blocks.append("\n".join([head, *lines]))
    legend = "; ".join(f"{key} = {label}" for key, label in report["systems"].items())
    return "\n\n".join([*blocks, legend])


def render_markdown(report: dict[str, Any]) -> str:
    """The human report: run facts, per-task tables and charts, and the seed summaries."""
    run = report["run"]
    systems = list(report["systems"])
    out = [
        "# Eval report",
        "",
        f"Model `{run['model']}`, seed {run['seed']}, temperature {run['temperature']}, "
        f"limit {run['limit']}, commit `{run['commit']}`, {run['created_at']}, "
        f"{run['duration_s']:.1f} s.",
        "",
        "Systems: " + "; ".join(f"**{k}** = {v}" for k, v in report["systems"].items()) + ".",
        "Lead takes the first content sentence of each article in turn, then the second, and so "
        "on; LexRank ranks all content sentences. Both skip boilerplate and near-duplicates and "
        "get as many sentences as our system returned for the same example.",
    ]
    for name, task in report["tasks"].items():
        out += [
            "",
            f"## {name} (v{task['version']}, {task['examples']} examples, {task['errors']} failed)",
            "",
            task["description"],
            "",
            f"![{name}](chart_{name}.svg)",
            "",
            *_markdown_table(task["metrics"], systems, _metric_names(task, systems)),
        ]
        for tag, by_system in task["by_tag"].items():
            out += ["", f"### {tag}", "", *_markdown_table(by_system, systems, TAG_METRICS)]
        if task["examples"] <= 3:
            for record in task["per_example"]:
                out += _markdown_example(record, systems)
    out += ["", "## Metrics", "", "| metric | better | tolerance | meaning |", "|---|---|---|---|"]
    for metric, spec in METRICS.items():
        tolerance = _tolerance_text(spec.better, spec.abs_tol, spec.rel_tol)
        out.append(f"| {metric} | {spec.better} | {tolerance} | {spec.description} |")
    return "\n".join(out) + "\n"


def render_chart(name: str, task: dict[str, Any], report: dict[str, Any]) -> str:
    """A grouped horizontal bar chart of the task's 0-1 metrics, one bar per system."""
    systems = list(report["systems"])
    shares = [
        m
        for m in _metric_names(task, systems)
        if METRICS.get(m) is not None and METRICS[m].unit == "share" and METRICS[m].better != "info"
    ]
    # Room for the longest metric name at about 6 px a character (11 px sans-serif).
    label_w = max([150, *(6 * len(m) + 10 for m in shares)])
    bar_w, bar_h, gap = 420, 12, 10
    group_h = bar_h * len(systems) + gap
    height = 40 + group_h * len(shares)
    width = label_w + bar_w + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="4" y="14" font-weight="bold">{escape(name)}</text>',
    ]
    for i, system in enumerate(systems):
        x = label_w + i * 140
        colour = SYSTEM_COLOURS.get(system, "#888")
        parts.append(
            f'<rect x="{x}" y="5" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="14">{escape(report["systems"][system][:20])}</text>'
        )
    for row, metric in enumerate(shares):
        top = 30 + row * group_h
        parts.append(f'<text x="4" y="{top + bar_h * len(systems) / 2 + 4}">{metric}</text>')
        for i, system in enumerate(systems):
            value = task["metrics"][system].get(metric)
            y = top + i * bar_h
            length = 0.0 if value is None else max(0.0, min(1.0, value)) * bar_w
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h - 2}" '
                f'fill="{SYSTEM_COLOURS.get(system, "#888")}"/>'
                f'<text x="{label_w + length + 4:.1f}" y="{y + bar_h - 3}">'
                f"{format_value(metric, value)}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _metric_names(task: dict[str, Any], systems: list[str]) -> list[str]:
    present = {m for s in systems for m in task["metrics"][s]}
    return [m for m in METRICS if m in present] + sorted(present - set(METRICS))


def _markdown_table(
    by_system: dict[str, dict[str, float]], systems: list[str], names: list[str]
) -> list[str]:
    lines = ["| metric | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for metric in names:
        if any(metric in by_system[s] for s in systems):
            cells = [format_value(metric, by_system[s].get(metric)) for s in systems]
            lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return lines


def _markdown_example(record: dict[str, Any], systems: list[str]) -> list[str]:
    out = ["", f"### Example `{record['id']}`"]
    if record["error"]:
        out += ["", f"Failed: {record['error']}"]
    for system in systems:
        entry = record["systems"][system]
        out += ["", f"**{system}**", ""]
        out += [f"{i}. {text}" for i, text in enumerate(entry["summary"], start=1)] or ["(empty)"]
        if "facts_covered" in entry:
            out += ["", "Facts covered: " + (", ".join(entry["facts_covered"]) or "none") + "."]
            missed = entry.get("core_facts_missed", [])
            out += ["", "Core facts missed: " + (", ".join(missed) or "none") + "."]
        if entry.get("contested_stated"):
            out += ["", "States contested or single-source claims:"]
            out += [
                f"- `{c['id']}`: {c['claim']} (stated by {', '.join(c['sources'])})"
                for c in entry["contested_stated"]
            ]
        for note in entry.get("notes", []):
            out += ["", f"Note: {note}"]
    return out


def _tolerance_text(better: str, abs_tol: float, rel_tol: float) -> str:
    if better == "info":
        return "not gated"
    parts = [f"{abs_tol:g}"] if abs_tol or not rel_tol else []
    if rel_tol:
        parts.append(f"{rel_tol:.0%} of before")
    return " + ".join(parts)
