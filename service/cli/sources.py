"""Articles from files and folders, and every complaint about them naming the file.

`.txt` is one article (its id is the file stem), `.json` an article object, a list of them or a
request body (`{"articles": [...], "options"?: {...}}` for summarize, `"sentences"` for verify).
Suffixes are matched case-insensitively (`NOTES.TXT` is read); a folder is read one level deep,
and what it holds but does not read is reported with the reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from service.api.schemas import ArticleIn

ARTICLE_SUFFIXES = (".txt", ".json")
# The parts of a request body a file may carry besides its articles.
BODY_FIELDS = ("articles", "options", "sentences")
_ARTICLE_FIELDS = ", ".join(ArticleIn.model_fields)


class InputError(Exception):
    """A file or argument the user gave cannot be used."""


@dataclass(frozen=True)
class SourceArticle:
    """One article object and where it came from (`a.json`, `bundle.json[2]`)."""

    data: dict[str, Any]
    origin: str


@dataclass
class Sources:
    """Everything read from the paths given: articles, a request body's extras, a report."""

    articles: list[SourceArticle] = field(default_factory=list)
    # A request body's `options` and `sentences`, each with the file it came from.
    options: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sentences: list[tuple[str, list[Any]]] = field(default_factory=list)
    # One line per folder read: how many articles, which files were skipped and why.
    report: list[str] = field(default_factory=list)


def read_text(path: Path) -> str:
    """A UTF-8 file's text; a missing, unreadable or non-UTF-8 file is an InputError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a folder, not a file") from exc
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1].hex()
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{byte} at offset {exc.start}); save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def is_article_file(path: Path) -> bool:
    """Whether a file's name says it holds articles (`.txt`, `.json`, in any case)."""
    return path.suffix.lower() in ARTICLE_SUFFIXES


def looks_like_path(argument: str) -> bool:
    """Whether a command-line argument names a file or folder rather than being a sentence."""
    if os.path.exists(argument):
        return True
    written_as_path = argument.lower().endswith(ARTICLE_SUFFIXES) or argument.endswith(
        ("/", os.sep)
    )
    return written_as_path and not any(c.isspace() for c in argument)


def _skip_reason(path: Path) -> str | None:
    if path.name.startswith("."):
        return "hidden"
    if path.is_dir():
        return "a folder: give its path to read it"
    if not path.is_file():
        return "not a regular file"
    if not is_article_file(path):
        return "not .txt or .json"
    return None


def _folder_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The article files of a folder, in name order, and `name (why)` for everything else."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise InputError(f"{folder}: cannot be read ({exc.strerror or exc})") from exc
    files: list[Path] = []
    skipped: list[str] = []
    for entry in entries:
        reason = _skip_reason(entry)
        if reason is None:
            files.append(entry)
        else:
            skipped.append(f"{entry.name}{'/' if entry.is_dir() else ''} ({reason})")
    return files, skipped


def _json_objects(path: Path, sources: Sources) -> list[SourceArticle]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if isinstance(data, dict) and "articles" in data:
        unknown = sorted(set(data) - set(BODY_FIELDS))
        if unknown:
            raise InputError(
                f"{path}: unknown field {unknown[0]!r} in a request body "
                f"(it may hold {', '.join(BODY_FIELDS)})"
            )
        if "options" in data:
            if not isinstance(data["options"], dict):
                raise InputError(f"{path}: `options` must be an object")
            sources.options.append((str(path), data["options"]))
        if "sentences" in data:
            if not isinstance(data["sentences"], list):
                raise InputError(f"{path}: `sentences` must be a list")
            sources.sentences.append((str(path), data["sentences"]))
        data = data["articles"]
    if isinstance(data, dict):
        return [SourceArticle(data, str(path))]
    if not isinstance(data, list):
        raise InputError(f"{path}: expected an article object, a list of them or a request body")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(f"{path}[{i}]: expected an article object")
        out.append(SourceArticle(item, f"{path}[{i}]"))
    return out


def _file_articles(path: Path, sources: Sources) -> list[SourceArticle]:
    if path.suffix.lower() == ".txt":
        return [SourceArticle({"id": path.stem, "text": read_text(path)}, str(path))]
    return _json_objects(path, sources)


def read_sources(paths: Sequence[str]) -> Sources:
    """Articles (and a request body's extras) from files and folders, in the order given."""
    sources = Sources()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files, skipped = _folder_files(path)
            if not files:
                why = f"; skipped {', '.join(skipped)}" if skipped else ""
                raise InputError(f"{path}: no .txt or .json files in this folder{why}")
            found = [a for file in files for a in _file_articles(file, sources)]
            sources.articles += found
            line = f"{path}: read {len(found)} article(s) from {len(files)} file(s)"
            sources.report.append(line + (f"; skipped {', '.join(skipped)}" if skipped else ""))
        elif path.is_file():
            if not is_article_file(path):
                raise InputError(f"{path}: only .txt and .json files are read")
            sources.articles += _file_articles(path, sources)
        else:
            raise InputError(f"{path}: no such file or folder")
    return sources


def load_articles(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Article objects from files and folders: `.txt` (id = file stem) and `.json`."""
    return [article.data for article in read_sources(paths).articles]


def _article_problem(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"`{where}` is missing (an article needs `id` and `text` or `html`)"
    if error["type"] == "extra_forbidden":
        return f"unknown field `{where}` (an article has {_ARTICLE_FIELDS})"
    message = error["msg"].removeprefix("Value error, ")
    return f"`{where}`: {message}" if where else message


def validated_articles(articles: Sequence[SourceArticle]) -> list[ArticleIn]:
    """The articles as the API validates them; an error names the file and the field."""
    out: list[ArticleIn] = []
    seen: dict[str, str] = {}
    for article in articles:
        try:
            valid = ArticleIn.model_validate(article.data)
        except ValidationError as exc:
            problems = "; ".join(_article_problem(e) for e in exc.errors()[:3])
            raise InputError(f"{article.origin}: {problems}") from exc
        if valid.id in seen:
            raise InputError(
                f"duplicate article id {valid.id!r}: in {seen[valid.id]} and in {article.origin}"
            )
        seen[valid.id] = article.origin
        out.append(valid)
    return out
