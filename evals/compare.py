"""Compare two run reports metric by metric and decide whether the second regressed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evals.metrics import METRICS, RENAMED, MetricSpec
from evals.report import format_value

# Only our system is gated: a baseline moves when ingest changes, which is not a regression.
GATED_SYSTEMS = ("system",)
# Exit codes of `python -m evals compare`.
OK, REGRESSED, NOT_COMPARABLE = 0, 1, 2


@dataclass(frozen=True)
class Delta:
    task: str
    system: str
    metric: str
    before: float | None
    after: float | None
    regressed: bool

    @property
    def change(self) -> float | None:
        """after - before, when both runs have the metric."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class Comparison:
    deltas: list[Delta] = field(default_factory=list)
    # Reasons the two runs cannot be compared (different task versions, data or examples).
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Delta]:
        """The deltas that fail the gate."""
        return [d for d in self.deltas if d.regressed]

    @property
    def exit_code(self) -> int:
        """2 when not comparable, 1 on a gated regression, else 0."""
        if self.problems:
            return NOT_COMPARABLE
        return REGRESSED if self.regressions else OK


def compare_reports(before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    """Per task, system and metric: the change, and whether it is a gated regression."""
    result = Comparison()
    common = [name for name in before["tasks"] if name in after["tasks"]]
    for name in sorted(set(before["tasks"]) ^ set(after["tasks"])):
        result.notes.append(f"task {name} is in only one run; not compared")
    if not common:
        result.problems.append("the runs share no task")
    for name in common:
        a, b = before["tasks"][name], after["tasks"][name]
        problem = _incomparable(name, a, b)
        if problem:
            result.problems.append(problem)
            continue
        for system in a["metrics"]:
            if system not in b["metrics"]:
                result.notes.append(f"{name}: system {system} is missing from the second run")
                continue
            before_scores = _current_names(a["metrics"][system], result)
            after_scores = _current_names(b["metrics"][system], result)
            result.deltas.extend(_task_deltas(name, system, before_scores, after_scores))
    return result


def render_comparison(result: Comparison, *, show_all: bool = False) -> str:
    """A table of our system's metrics and baseline metrics that moved, then the verdict."""
    rows = [["task", "system", "metric", "before", "after", "change", ""]]
    for d in result.deltas:
        if not (show_all or d.system in GATED_SYSTEMS or _moved(d)):
            continue
        rows.append(
            [
                d.task,
                d.system,
                d.metric,
                format_value(d.metric, d.before),
                format_value(d.metric, d.after),
                "-" if d.change is None else f"{d.change:+.3f}",
                _status(d),
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines += [f"note: {n}" for n in result.notes]
    lines += [f"NOT COMPARABLE: {p}" for p in result.problems]
    if result.problems:
        lines.append("verdict: not comparable (exit 2)")
    elif result.regressions:
        names = ", ".join(f"{d.task}/{d.metric}" for d in result.regressions)
        lines.append(f"verdict: REGRESSION beyond tolerance in {names} (exit 1)")
    else:
        lines.append("verdict: no regression beyond tolerance (exit 0)")
    return "\n".join(lines)


def _current_names(scores: dict[str, float], result: Comparison) -> dict[str, float]:
    """The scores under today's metric names, noting each old name read (once per run pair)."""
    for old in sorted(set(scores) & set(RENAMED)):
        note = f"metric {old} is read as {RENAMED[old]} (renamed)"
        if note not in result.notes:
            result.notes.append(note)
    return {RENAMED.get(metric, metric): value for metric, value in scores.items()}


def _incomparable(name: str, a: dict[str, Any], b: dict[str, Any]) -> str | None:
    if a["version"] != b["version"]:
        return f"{name}: task version {a['version']} vs {b['version']}"
    if a["dataset_sha256"] != b["dataset_sha256"]:
        return f"{name}: the dataset changed without a version bump"
    if a["example_ids"] != b["example_ids"]:
        return (
            f"{name}: different examples ({a['examples']} vs {b['examples']}); "
            "run both with the same --limit"
        )
    return None


def _task_deltas(
    task: str, system: str, before: dict[str, float], after: dict[str, float]
) -> list[Delta]:
    names = [m for m in METRICS if m in before or m in after]
    names += sorted((set(before) | set(after)) - set(names))
    out = []
    for metric in names:
        a, b = before.get(metric), after.get(metric)
        spec = METRICS.get(metric, MetricSpec("", "info"))
        # A gated metric that disappears (the system stopped producing it) is a regression too.
        vanished = a is not None and b is None and spec.better != "info"
        regressed = system in GATED_SYSTEMS and (
            vanished or (a is not None and b is not None and spec.regressed(a, b))
        )
        out.append(Delta(task, system, metric, a, b, regressed))
    return out


def _moved(delta: Delta) -> bool:
    """Whether an ungated row is worth showing: it moved beyond its tolerance, either way."""
    if delta.before is None or delta.after is None:
        return delta.before != delta.after
    spec = METRICS.get(delta.metric, MetricSpec("", "info"))
    if spec.better == "info":
        return abs(delta.after - delta.before) > 1e-12
    # Tolerances are one-sided; an improvement as large as a regression is news too.
    mirror = MetricSpec(
        spec.description,
        "lower" if spec.better == "higher" else "higher",
        spec.abs_tol,
        spec.rel_tol,
    )
    return spec.regressed(delta.before, delta.after) or mirror.regressed(delta.before, delta.after)


def _status(delta: Delta) -> str:
    if delta.regressed:
        return "REGRESSION"
    spec = METRICS.get(delta.metric)
    change = delta.change
    if spec is None or spec.better == "info" or change is None or abs(change) < 1e-12:
        return ""
    improved = change > 0 if spec.better == "higher" else change < 0
    return "better" if improved else "worse, within tolerance"
