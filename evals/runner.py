"""Run tasks: summarise each example with our system and the baselines, score, aggregate."""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from evals import adapter, baselines, metrics
from evals.adapter import Sources, SystemRun
from evals.metrics import METRICS, CitedSentence
from evals.tasks import Example, Task
from service.config import Settings
from service.domain import Document, SourceGroups
from service.errors import ServiceError
from service.llm.base import Model

REPORT_SCHEMA = 1
# Report keys of the systems, in display order; "system" is ours and the only one CI gates.
SYSTEMS = ("system", "lead", "lexrank")
Baseline = Callable[[Sequence[Document], SourceGroups, int], list[CitedSentence]]
BASELINES: dict[str, Baseline] = {"lead": baselines.lead, "lexrank": baselines.lexrank}


def eval_settings(model: str | None, seed: int) -> Settings:
    """The service settings for an eval run: temperature 0 and a fixed seed, whatever the env."""
    overrides: dict[str, Any] = {"temperature": 0.0, "seed": seed}
    if model is not None:
        overrides["model"] = model
    return Settings(**overrides)


async def run_tasks(
    tasks: Sequence[Task], *, model: Model, settings: Settings, limit: int | None
) -> dict[str, Any]:
    """Score every example of every task and return the report (see evals/README.md)."""
    started = time.perf_counter()
    total = sum(len(t.examples) for t in tasks)
    task_reports: dict[str, Any] = {}
    with tqdm(total=total, file=sys.stderr, unit="example", dynamic_ncols=True) as progress:
        for task in tasks:
            progress.set_description(task.name)
            records = []
            for example in task.examples:
                records.append(await score_example(example, model=model, settings=settings))
                progress.update(1)
            task_reports[task.name] = _task_report(task, records)
    return {
        "schema": REPORT_SCHEMA,
        "run": {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": model.name,
            "seed": settings.seed,
            "temperature": settings.temperature,
            "limit": limit,
            "commit": _git_commit(),
            "python": platform.python_version(),
            "duration_s": round(time.perf_counter() - started, 3),
        },
        "systems": {
            "system": f"ours ({model.name})",
            "lead": "lead (first sentences)",
            "lexrank": "LexRank (sumy)",
        },
        "metric_specs": {
            name: {
                "description": spec.description,
                "better": spec.better,
                "abs_tol": spec.abs_tol,
                "rel_tol": spec.rel_tol,
            }
            for name, spec in METRICS.items()
        },
        "tasks": task_reports,
    }


async def score_example(example: Example, *, model: Model, settings: Settings) -> dict[str, Any]:
    """One example's record: per system its metrics, its summary and the facts it covers."""
    sources = adapter.load_sources(example.articles, settings)
    error = None
    try:
        ours = await adapter.run_system(
            example.articles, example.options, model=model, settings=settings
        )
    except ServiceError as e:
        # One failed example (a provider outage, say) is reported, not fatal to the run.
        error = f"{type(e).__name__}: {e.detail}"
        ours = SystemRun(sentences=[], summary=[], drafted=0, dropped=0, notes=[error])
    # Baselines get the sentence count our system returned: ROUGE F1 moves with length.
    budget = len(ours.summary)
    runs = {"system": ours}
    runs.update({name: run_baseline(pick, sources, budget) for name, pick in BASELINES.items()})
    return {
        "id": example.id,
        "tags": example.tags,
        "error": error,
        "systems": {name: _system_record(run, example, sources) for name, run in runs.items()},
    }


def run_baseline(pick: Baseline, sources: Sources, budget: int) -> SystemRun:
    """Pick sentences, then drop those the verifier rejects, as the service would."""
    started = time.perf_counter()
    picked = pick(sources.documents, sources.groups, budget)
    kept = [s for s in picked if sources.supports(s, s.citations)]
    return SystemRun(
        sentences=kept,
        summary=[s.text for s in kept],
        drafted=len(picked),
        dropped=len(picked) - len(kept),
        latency_s=time.perf_counter() - started,
        key_points=kept,
    )


def score_run(run: SystemRun, example: Example, sources: Sources) -> dict[str, float]:
    """Every metric of one system's output on one example."""
    scores: dict[str, float] = {}
    scores |= metrics.rouge(run.summary, example.reference)
    scores |= metrics.fact_coverage(example.facts, run.summary, adapter.covers)
    scores |= metrics.self_verification(run.drafted, run.dropped)
    scores |= metrics.citation_quality(run.sentences, sources.texts, sources.supports)
    scores |= metrics.verification_counts(run.dropped, run.repaired)
    scores |= metrics.cost(run.calls, run.prompt_tokens, run.completion_tokens, run.latency_s)
    scores |= metrics.length(run.summary)
    if example.multi_source:
        scores |= multi_source_scores(run, example)
    return scores


def multi_source_scores(run: SystemRun, example: Example) -> dict[str, float]:
    """Corroboration of the key points, and (for a system that reports them) conflicts and
    syndication, against the example's labels."""
    ids = [a.id for a in example.articles]
    groups = metrics.source_groups(ids, example.syndication)
    scores = metrics.corroboration(run.key_points, example.facts, groups)
    if run.conflicts is not None:
        scores |= metrics.conflict_quality(run.conflicts, example.conflicts)
    if run.duplicates_of is not None:
        scores |= metrics.syndication(run.duplicates_of, ids, example.syndication)
    return scores


def _system_record(run: SystemRun, example: Example, sources: Sources) -> dict[str, Any]:
    record: dict[str, Any] = {
        "metrics": score_run(run, example, sources),
        "summary": run.summary,
    }
    if example.facts:
        covered = {
            f.id for f in example.facts if any(adapter.covers(p, run.summary) for p in f.phrasings)
        }
        record["facts_covered"] = [f.id for f in example.facts if f.id in covered]
        record["core_facts_missed"] = [
            f.id for f in example.facts if f.core and f.id not in covered
        ]
    if example.contested:
        record["contested_stated"] = [
            {"id": c.id, "claim": claim.text, "sources": list(claim.sources)}
            for c in example.contested
            for claim in c.claims
            if adapter.covers(claim.text, run.summary)
        ]
    if example.multi_source and run.conflicts is not None:
        record["conflicts"] = [
            {
                "claims": [claim.text for claim in claims],
                "matches": [c.id for c in example.conflicts if metrics.conflict_matches(claims, c)],
            }
            for claims in run.conflicts
        ]
    if run.notes:
        record["notes"] = run.notes
    return record


def _task_report(task: Task, records: list[dict[str, Any]]) -> dict[str, Any]:
    tag_values = sorted({f"{k}={v}" for r in records for k, v in r["tags"].items()})
    return {
        "version": task.version,
        "description": task.description,
        "dataset_sha256": task.dataset_sha256,
        "examples": len(records),
        "example_ids": [r["id"] for r in records],
        "errors": sum(r["error"] is not None for r in records),
        "metrics": _means(records),
        "by_tag": {
            tag: _means([r for r in records if tag in {f"{k}={v}" for k, v in r["tags"].items()}])
            for tag in tag_values
        },
        "per_example": records,
    }


def _means(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {
        name: metrics.mean_by_metric([r["systems"][name]["metrics"] for r in records])
        for name in SYSTEMS
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
