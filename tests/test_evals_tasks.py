"""Eval task registry and datasets: loading, versions, limits and the FRANK import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.frank import DEFAULT_SOURCE, frank_examples, split_reference
from evals.tasks import TaskError, load_task, read_articles, task_names

SEED_IDS = [
    "000_0569614cbb78359c",
    "001_ec6f5beddeab66db",
    "002_8947275ea8fd0681",
    "003_b93beab6d5cb87c1",
    "004_cf31b5b404e68b4a",
]


def test_both_tasks_are_registered_with_a_version() -> None:
    assert task_names() == ["frank_valid", "multi_source", "seed_summit"]
    for name in task_names():
        task = load_task(name, limit=1)
        assert task.name == name
        assert task.version >= 1
        assert len(task.dataset_sha256) == 64


def test_the_seed_task_reads_the_repository_seeds() -> None:
    (example,) = load_task("seed_summit").examples
    assert [a.id for a in example.articles] == SEED_IDS
    assert all(a.text and a.source for a in example.articles)
    assert len(example.reference) == 12
    core = {f.id for f in example.facts if f.core}
    for needed in (
        "partnership_upgrade",
        "critical_minerals",
        "fighter_jet_with_uk",
        "fighter_jet_2035",
        "space_body",
        "indo_pacific",
        "ukraine",
        "anniversary_160",
        "trade_volume",
        "trading_partner",
        "from_oman",
        "to_south_korea",
        "first_female_pms",
    ):
        assert needed in core
    # Every fact and contested claim names the seed articles that state it.
    for fact in example.facts:
        assert fact.sources and set(fact.sources) <= set(SEED_IDS), fact.id
    assert {c.kind for c in example.contested} == {"disagree", "one_source", "off_topic"}
    for contested in example.contested:
        for claim in contested.claims:
            assert set(claim.sources) <= set(SEED_IDS), contested.id


def test_frank_has_one_example_per_article_and_limit_takes_the_first() -> None:
    task = load_task("frank_valid")
    assert len(task.examples) == 144
    assert len({e.id for e in task.examples}) == 144
    assert {e.tags["source"] for e in task.examples} == {"cnndm", "bbc"}
    first = load_task("frank_valid", limit=5).examples
    assert [e.id for e in first] == [e.id for e in task.examples[:5]]
    for example in task.examples:
        (article,) = example.articles
        assert article.id == example.id
        budget = 3 if example.tags["source"] == "cnndm" else 1
        assert example.options.max_key_points == budget


def test_the_frank_dataset_is_what_the_importer_builds() -> None:
    if not DEFAULT_SOURCE.is_file():
        pytest.skip("the shared FRANK file is not on this machine")
    built = frank_examples(DEFAULT_SOURCE.read_text(encoding="utf-8").splitlines())
    committed = [json.loads(line) for line in load_task("frank_valid").dataset.open()]
    assert built == committed


def test_cnndm_highlights_split_into_sentences() -> None:
    assert split_reference("a b . c d . e f .", "cnndm") == ["a b .", "c d .", "e f ."]
    assert split_reference(" One lede, kept whole. ", "bbc") == ["One lede, kept whole."]


def test_frank_rows_of_the_same_article_collapse() -> None:
    row = {"doc_id": "d1", "source": "bbc", "article": "Text.", "reference": "Lede."}
    lines = [json.dumps(row), json.dumps({**row, "model": "other"}), ""]
    (example,) = frank_examples(lines)
    assert example["reference"] == [{"text": "Lede."}]
    assert example["options"] == {"max_key_points": 1, "max_quotes": 0}


def registry(tmp_path: Path, spec: dict[str, object], lines: list[str]) -> Path:
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "demo.json").write_text(json.dumps(spec))
    (tmp_path / "demo.jsonl").write_text("\n".join(lines) + "\n")
    return folder


EXAMPLE = {
    "id": "x",
    "articles": [{"id": "a", "text": "Alpha beta."}],
    "reference": [{"text": "Alpha."}],
}
SPEC = {"name": "demo", "version": 3, "description": "d", "dataset": "demo.jsonl"}


def test_a_registry_file_declares_name_version_and_dataset(tmp_path: Path) -> None:
    task = load_task("demo", registry=registry(tmp_path, SPEC, [json.dumps(EXAMPLE)]))
    assert (task.name, task.version, len(task.examples)) == ("demo", 3, 1)
    assert task.examples[0].reference == ("Alpha.",)
    assert task.examples[0].options.max_key_points == 8  # the service default


@pytest.mark.parametrize(
    ("spec", "lines", "message"),
    [
        ({**SPEC, "version": 0}, [json.dumps(EXAMPLE)], "version"),
        ({**SPEC, "version": "1"}, [json.dumps(EXAMPLE)], "version"),
        ({k: v for k, v in SPEC.items() if k != "version"}, [json.dumps(EXAMPLE)], "version"),
        ({**SPEC, "name": "other"}, [json.dumps(EXAMPLE)], "name"),
        ({**SPEC, "dataset": "missing.jsonl"}, [], "does not exist"),
        (SPEC, ["{not json"], "demo.jsonl:1"),
        (SPEC, [json.dumps({**EXAMPLE, "articles": [{"id": "a"}]})], "demo.jsonl:1"),
        (SPEC, [""], "no examples"),
    ],
)
def test_malformed_tasks_fail_loudly(
    tmp_path: Path, spec: dict[str, object], lines: list[str], message: str
) -> None:
    with pytest.raises(TaskError, match=message):
        load_task("demo", registry=registry(tmp_path, spec, lines))


def test_unknown_task_names_the_registered_ones() -> None:
    with pytest.raises(TaskError, match="seed_summit"):
        load_task("nope")


def test_article_folders_read_json_objects_and_txt_bodies(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"id": "b", "text": "Bee.", "source": "S"}))
    (tmp_path / "c.json").write_text(json.dumps([{"id": "c1", "text": "C."}]))
    (tmp_path / "a.txt").write_text("Plain text.")
    (tmp_path / "notes.md").write_text("ignored")
    assert [a.id for a in read_articles(tmp_path)] == ["a", "b", "c1"]
