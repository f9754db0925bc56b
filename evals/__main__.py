"""`python -m evals run|compare|import-frank`: offline evals against golden summaries."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from evals.compare import NOT_COMPARABLE, compare_reports, render_comparison
from evals.frank import DEFAULT_SOURCE, import_frank
from evals.report import load_report, render_table, write_report
from evals.tasks import EVALS_DIR, TaskError, load_task, task_names

RUNS_DIR = EVALS_DIR / "runs"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="score our system and the baselines on eval tasks")
    run.add_argument("--model", help="model name (default: SUMMARIZER_MODEL, else mock)")
    run.add_argument(
        "--task",
        action="append",
        choices=task_names(),
        help="task to run; repeat for several (default: all)",
    )
    run.add_argument("--limit", type=int, help="score only the first N examples of each task")
    run.add_argument("--out", type=Path, help="report folder (default: evals/runs/<time>-<model>)")
    run.add_argument("--seed", type=int, default=0, help="seed passed to the model (default 0)")

    compare = commands.add_parser("compare", help="show what changed between two runs")
    compare.add_argument("before", type=Path, help="run folder or report.json (the baseline)")
    compare.add_argument("after", type=Path, help="run folder or report.json (the candidate)")
    compare.add_argument("--all", action="store_true", help="also list unchanged baseline rows")

    frank = commands.add_parser("import-frank", help="rebuild evals/data/frank_valid.jsonl")
    frank.add_argument("source", type=Path, nargs="?", default=DEFAULT_SOURCE)

    args = parser.parse_args(argv)
    _quiet_logging()
    if args.command == "run":
        return _run(args)
    if args.command == "compare":
        return _compare(args)
    count = import_frank(args.source, EVALS_DIR / "data" / "frank_valid.jsonl")
    print(f"wrote {count} examples; bump the version in evals/registry/frank_valid.json")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        print("--limit must be at least 1", file=sys.stderr)
        return 2
    try:
        tasks = [load_task(name, limit=args.limit) for name in args.task or task_names()]
    except TaskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    # Imported here so that `compare` and `import-frank` need nothing from the service.
    from evals.runner import eval_settings, run_tasks
    from service.registry import build_model

    settings = eval_settings(args.model, args.seed)
    model = build_model(settings)
    report = asyncio.run(run_tasks(tasks, model=model, settings=settings, limit=args.limit))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = args.out or RUNS_DIR / f"{stamp}-{_safe(model.name)}"
    path = write_report(report, out_dir)
    print(render_table(report))
    print(f"\nreport: {path} (and report.md beside it)")
    return 0


def _compare(args: argparse.Namespace) -> int:
    try:
        before, after = load_report(args.before), load_report(args.after)
    except (OSError, ValueError) as e:
        print(f"error: cannot read a report: {e}", file=sys.stderr)
        return NOT_COMPARABLE
    result = compare_reports(before, after)
    print(render_comparison(result, show_all=args.all))
    return result.exit_code


def _quiet_logging() -> None:
    """Show warnings and errors only, on stderr."""
    # bm25s sets its own logger to DEBUG, and absl (imported by rouge-score) would otherwise
    # install a root handler that prints every one of those lines: the handler filters them.
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.WARNING, handlers=[handler], format="%(levelname)s %(name)s: %(message)s"
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


if __name__ == "__main__":
    sys.exit(main())
