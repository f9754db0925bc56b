"""`python -m evals run` end to end with the mock model: report shape and determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.__main__ import main
from evals.metrics import METRICS, MULTI_SOURCE_METRICS

# Wall-clock fields: the only parts of a report allowed to differ between identical runs.
TIMING = {"latency_s"}


def without_timing(report: dict[str, Any]) -> dict[str, Any]:
    """The report minus run metadata and latencies."""
    tasks: dict[str, Any] = json.loads(json.dumps(report["tasks"]))
    for task in tasks.values():
        for by_system in [task["metrics"], *task["by_tag"].values()]:
            for scores in by_system.values():
                for key in TIMING:
                    scores.pop(key, None)
        for record in task["per_example"]:
            for entry in record["systems"].values():
                for key in TIMING:
                    entry["metrics"].pop(key, None)
    return tasks


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("run")
    assert main(["run", "--model", "mock", "--task", "seed_summit", "--out", str(out)]) == 0
    assert (out / "report.md").is_file()
    assert (out / "chart_seed_summit.svg").is_file()
    loaded: dict[str, Any] = json.loads((out / "report.json").read_text())
    return loaded


def test_the_report_scores_our_system_and_both_baselines_on_every_metric(
    seed_run: dict[str, Any],
) -> None:
    task = seed_run["tasks"]["seed_summit"]
    assert seed_run["run"]["model"] == "mock"
    assert seed_run["run"]["temperature"] == 0.0
    assert task["examples"] == 1 and task["errors"] == 0
    for system in ("system", "lead", "lexrank"):
        # The seed task has no multi-source labels, so those metrics do not apply to it.
        assert set(task["metrics"][system]) == set(METRICS) - MULTI_SOURCE_METRICS, system
    ours = task["metrics"]["system"]
    assert ours["calls"] >= 1 and ours["prompt_tokens"] > 0
    # Every citation the service returned resolves to its article's text.
    assert ours["invalid_citations"] == 0


def test_baselines_get_the_sentence_budget_of_our_system(seed_run: dict[str, Any]) -> None:
    metrics = seed_run["tasks"]["seed_summit"]["metrics"]
    assert metrics["lead"]["sentences"] <= metrics["system"]["sentences"]
    assert metrics["lexrank"]["sentences"] <= metrics["system"]["sentences"]


def test_a_second_run_gives_the_same_scores_and_compares_clean(
    seed_run: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps(seed_run))
    out = tmp_path / "again"
    assert main(["run", "--task", "seed_summit", "--out", str(out)]) == 0
    again = json.loads((out / "report.json").read_text())
    assert without_timing(again) == without_timing(seed_run)
    capsys.readouterr()
    assert main(["compare", str(first), str(out)]) == 0
    assert "no regression" in capsys.readouterr().out


def test_limit_takes_a_subset_and_breaks_frank_down_by_outlet(tmp_path: Path) -> None:
    assert main(["run", "--task", "frank_valid", "--limit", "3", "--out", str(tmp_path)]) == 0
    task = json.loads((tmp_path / "report.json").read_text())["tasks"]["frank_valid"]
    assert task["examples"] == 3
    assert set(task["by_tag"]) <= {"source=cnndm", "source=bbc"}
    assert "fact_coverage" not in task["metrics"]["system"]  # FRANK has no atomic facts


def test_a_bad_limit_is_refused() -> None:
    assert main(["run", "--limit", "0"]) == 2


def test_quotations_are_judged_as_quotations_by_their_speaker() -> None:
    from evals.adapter import load_sources
    from evals.metrics import CitedSentence
    from service.api.schemas import ArticleIn, CitationOut
    from service.config import Settings
    from service.text.utf16 import utf16_offset

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    articles = [
        ArticleIn.model_validate(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(seeds.glob("*.json"))
    ]
    sources = load_sources(articles, Settings())
    words = "I believe in the cooperative relationship between Italy and Japan."
    document = next(d for d in sources.documents if words in d.text)
    start = document.text.index(words)
    cited = (
        CitationOut(
            article_id=document.id,
            start=start,
            end=start + len(words),
            text=words,
            start_utf16=utf16_offset(document.text, start),
            end_utf16=utf16_offset(document.text, start + len(words)),
        ),
    )
    assert sources.supports(CitedSentence(words, cited, speaker="Meloni"), cited)
    assert not sources.supports(CitedSentence(words, cited, speaker="Takaichi"), cited)
    # The same words as the summary's own statement have no speaker.
    assert not sources.supports(CitedSentence(words, cited), cited)
