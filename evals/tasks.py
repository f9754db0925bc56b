"""Eval tasks: a versioned registry file per task, pointing at a JSONL dataset of examples."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.api.schemas import ArticleIn, SummarizeOptions

EVALS_DIR = Path(__file__).resolve().parent
REPO_ROOT = EVALS_DIR.parent
REGISTRY_DIR = EVALS_DIR / "registry"


class TaskError(Exception):
    """A registry file or dataset line is malformed (the data needs fixing, not the code)."""


@dataclass(frozen=True)
class Fact:
    """One atomic fact a good summary states; any of its phrasings may be supported."""

    id: str
    text: str
    # Other wordings of the same fact, as different sources put it: the verifier matches
    # words, so a summary copying any one source should be able to support one phrasing.
    variants: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    core: bool = False
    # What a sentence must contain to state this fact (multi-source task): each entry is a word
    # or phrase, or alternatives joined by "|"; see `evals.metrics.states`.
    keywords: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical text first, then the variants."""
        return (self.text, *self.variants)


@dataclass(frozen=True)
class SourcedClaim:
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Contested:
    """Something the sources disagree on, state alone, or state off-topic."""

    id: str
    kind: str
    note: str
    claims: tuple[SourcedClaim, ...]


@dataclass(frozen=True)
class ConflictSide:
    """One version of a disputed fact: the articles that state it and what a claim of it says."""

    articles: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class LabelledConflict:
    """A fact independent sources state differently, with each version's articles."""

    id: str
    about: str
    sides: tuple[ConflictSide, ...]


@dataclass(frozen=True)
class Example:
    """One input to summarise and what a good summary of it contains."""

    id: str
    articles: tuple[ArticleIn, ...]
    reference: tuple[str, ...]
    facts: tuple[Fact, ...] = ()
    contested: tuple[Contested, ...] = ()
    options: SummarizeOptions = field(default_factory=SummarizeOptions)
    tags: dict[str, str] = field(default_factory=dict)
    # Multi-source labels: the groups of articles that copy one story (singletons left out),
    # and the disagreements between independent sources.
    syndication: tuple[tuple[str, ...], ...] = ()
    conflicts: tuple[LabelledConflict, ...] = ()
    # Whether the example carries those labels (a set may have no copies and no conflict).
    multi_source: bool = False


@dataclass(frozen=True)
class Task:
    """A named, versioned dataset; bump `version` whenever examples or golden data change."""

    name: str
    version: int
    description: str
    dataset: Path
    examples: tuple[Example, ...]

    @property
    def dataset_sha256(self) -> str:
        """Content hash of the dataset, so a report records exactly what it scored (a folder
        dataset: its files' names and contents, in name order)."""
        if not self.dataset.is_dir():
            return hashlib.sha256(self.dataset.read_bytes()).hexdigest()
        digest = hashlib.sha256()
        for path in _dataset_files(self.dataset):
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


def task_names(registry: Path = REGISTRY_DIR) -> list[str]:
    """Every registered task, in name order."""
    return sorted(path.stem for path in registry.glob("*.json"))


def load_task(name: str, *, limit: int | None = None, registry: Path = REGISTRY_DIR) -> Task:
    """Read a task's registry file and its dataset (the first `limit` examples when given).

    The dataset path in the registry file is relative to the registry folder's parent: a JSONL
    file (one example a line) or a folder of `.json` files (one example each, in name order).
    """
    registry_file = registry / f"{name}.json"
    if not registry_file.is_file():
        known = ", ".join(task_names(registry))
        raise TaskError(f"unknown task {name!r}; registered: {known}")
    spec = _read_json(registry_file)
    try:
        version = spec["version"]
        dataset = registry.parent / spec["dataset"]
        description = spec["description"]
    except KeyError as e:
        raise TaskError(f"{registry_file}: missing key {e}") from e
    if spec.get("name") != name:
        raise TaskError(f"{registry_file}: name {spec.get('name')!r} does not match the file")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TaskError(f"{registry_file}: version must be a positive integer")
    if dataset.is_dir():
        examples = [
            _parse_example(path.read_text(encoding="utf-8"), str(path))
            for path in _dataset_files(dataset)[:limit]
        ]
    elif dataset.is_file():
        examples = _read_lines(dataset, limit)
    else:
        raise TaskError(f"{registry_file}: dataset {dataset} does not exist")
    if not examples:
        raise TaskError(f"{dataset}: no examples")
    return Task(name, version, description, dataset, tuple(examples))


def _dataset_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def _read_lines(dataset: Path, limit: int | None) -> list[Example]:
    examples: list[Example] = []
    with dataset.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if limit is not None and len(examples) >= limit:
                break
            if line.strip():
                examples.append(_parse_example(line, f"{dataset}:{number}"))
    return examples


def read_articles(folder: Path) -> tuple[ArticleIn, ...]:
    """Article objects from a folder as the service CLI reads it: `.json` objects, `.txt` bodies."""
    articles: list[ArticleIn] = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".json":
            loaded = _read_json_any(path)
            items = loaded if isinstance(loaded, list) else [loaded]
            articles.extend(ArticleIn.model_validate(item) for item in items)
        elif path.suffix == ".txt":
            articles.append(ArticleIn(id=path.stem, text=path.read_text(encoding="utf-8")))
    if not articles:
        raise TaskError(f"{folder}: no .json or .txt articles")
    return tuple(articles)


def _parse_example(line: str, where: str) -> Example:
    try:
        raw = json.loads(line)
        if "articles_dir" in raw:
            articles = read_articles(REPO_ROOT / raw["articles_dir"])
        else:
            articles = tuple(ArticleIn.model_validate(a) for a in raw["articles"])
        facts = tuple(
            Fact(
                id=f["id"],
                text=f["text"],
                variants=tuple(f.get("variants", ())),
                sources=tuple(f.get("sources", ())),
                core=bool(f.get("core", False)),
                keywords=tuple(f.get("keywords", ())),
            )
            for f in raw.get("facts", ())
        )
        # Without a written reference, the facts' plain statements are the golden summary.
        reference = raw["reference"] if "reference" in raw else [{"text": f.text} for f in facts]
        return Example(
            id=raw["id"],
            articles=articles,
            reference=tuple(item["text"] for item in reference),
            facts=facts,
            contested=tuple(
                Contested(
                    id=c["id"],
                    kind=c["kind"],
                    note=c["note"],
                    claims=tuple(
                        SourcedClaim(text=claim["text"], sources=tuple(claim["sources"]))
                        for claim in c["claims"]
                    ),
                )
                for c in raw.get("contested", ())
            ),
            options=SummarizeOptions.model_validate(raw.get("options", {})),
            tags={str(k): str(v) for k, v in raw.get("tags", {}).items()},
            syndication=tuple(tuple(group) for group in raw.get("syndication", ())),
            conflicts=tuple(
                LabelledConflict(
                    id=c["id"],
                    about=c["about"],
                    sides=tuple(
                        ConflictSide(tuple(side["articles"]), tuple(side["keywords"]))
                        for side in c["sides"]
                    ),
                )
                for c in raw.get("conflicts", ())
            ),
            multi_source="syndication" in raw or "conflicts" in raw,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise TaskError(f"{where}: {e}") from e


def _read_json(path: Path) -> dict[str, Any]:
    loaded = _read_json_any(path)
    if not isinstance(loaded, dict):
        raise TaskError(f"{path}: expected a JSON object")
    return loaded


def _read_json_any(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise TaskError(f"{path}: {e}") from e
