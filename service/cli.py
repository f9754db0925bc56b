"""Command line: the same pipeline as the API, without a server.

python -m service summarize PATH... [--json]
python -m service verify --articles PATH... SENTENCE... [--json]
python -m service serve [--host H] [--port P]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.api.errors import field_path
from service.api.mapping import summarize_request, verify_request
from service.api.schemas import (
    ArticleIn,
    SentenceOut,
    SummarizeOptions,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
    VerifyResponse,
)
from service.config import Settings, get_settings
from service.errors import ClientError, ConfigError, ModelError
from service.registry import build_model

EXIT_INPUT = 2
EXIT_MODEL = 3


class InputError(Exception):
    """A file or argument the user gave cannot be used."""


def _article_objects(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".txt":
        return [{"id": path.stem, "text": path.read_text(encoding="utf-8")}]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if isinstance(data, dict) and "articles" in data:
        data = data["articles"]
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise InputError(f"{path}: expected an article object or a list of them")
    return items


def load_articles(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Article objects from files and folders: `.txt` (id = file stem) and `.json`."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".txt", ".json"))
            if not found:
                raise InputError(f"{path}: no .txt or .json files in this folder")
            files.extend(found)
        elif path.is_file():
            if path.suffix not in (".txt", ".json"):
                raise InputError(f"{path}: only .txt and .json files are read")
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    articles: list[dict[str, Any]] = []
    for file in files:
        try:
            articles.extend(_article_objects(file))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot be read ({exc})") from exc
    return articles


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{field_path(tuple(e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors()[:5]
    )


def _cite(sentence: SentenceOut, sources: dict[str, str]) -> str:
    names = dict.fromkeys(sources.get(c.article_id, c.article_id) for c in sentence.citations)
    return ", ".join(names)


def render_text(response: SummarizeResponse) -> str:
    """A human-readable view of a summary and its verification."""
    sources = {a.id: a.source or a.id for a in response.articles}
    summary = response.summary
    wrap = textwrap.TextWrapper(width=96, initial_indent="  ", subsequent_indent="    ")
    lines: list[str] = []
    if summary.headline:
        lines += [summary.headline.text, f"  [{_cite(summary.headline, sources)}]", ""]
    if summary.event:
        event = summary.event
        parts = [
            f"who: {', '.join(event.who)}" if event.who else "",
            f"where: {event.where}" if event.where else "",
            f"when: {event.when}" if event.when else "",
        ]
        lines += ["Event", wrap.fill(event.text), "    " + " | ".join(p for p in parts if p), ""]
    lines.append("Key points")
    for point in summary.key_points:
        lines.append(wrap.fill(f"- {point.text}"))
        lines.append(f"    [{_cite(point, sources)}; {point.sources} independent]")
    if summary.quotes:
        lines += ["", "Quotes"]
        for quote in summary.quotes:
            lines.append(wrap.fill(f"“{quote.text}” — {quote.speaker} [{_cite(quote, sources)}]"))
    report, run = response.verification, response.run
    lines += [
        "",
        f"Verification: {report.checked} checked, {report.passed} passed, "
        f"{report.repaired} repaired, {len(report.dropped)} dropped.",
        f"Model: {run.model} ({run.strategy}, {run.calls} call(s), {run.prompt_tokens} prompt + "
        f"{run.completion_tokens} completion tokens)"
        + (f"; FALLBACK to extractive: {run.fallback_reason}" if run.fallback else ""),
    ]
    for item in report.dropped:
        lines.append(wrap.fill(f"dropped {item.field}: {item.text} — {'; '.join(item.reasons)}"))
    return "\n".join(lines)


def _verify_text(response: VerifyResponse) -> str:
    lines = []
    for result in response.results:
        mark = "SUPPORTED" if result.supported else "UNSUPPORTED"
        lines.append(f"{mark} ({result.score:.2f}) {result.text}")
        for c in result.citations:
            lines.append(f"    {c.article_id}[{c.start}:{c.end}] {c.text[:120]}")
        for reason in result.reasons:
            lines.append(f"    - {reason}")
    return "\n".join(lines)


def _cmd_summarize(args: argparse.Namespace, settings: Settings) -> str:
    try:
        request = SummarizeRequest(
            articles=[ArticleIn.model_validate(a) for a in load_articles(args.paths)],
            options=SummarizeOptions(
                max_key_points=args.max_key_points, max_quotes=args.max_quotes
            ),
        )
    except ValidationError as exc:
        raise InputError(_validation_message(exc)) from exc
    started = time.monotonic()

    def report(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    model = build_model(settings)
    progress = report if model.profile.reports_progress and not args.quiet else None
    response = asyncio.run(
        summarize_request(request, model=model, settings=settings, progress=progress)
    )
    if args.json:
        return response.model_dump_json(indent=2)
    return render_text(response)


def _cmd_verify(args: argparse.Namespace, settings: Settings) -> str:
    sentences: list[str] = list(args.sentences)
    if args.sentences_file:
        text = Path(args.sentences_file).read_text(encoding="utf-8")
        sentences += [line.strip() for line in text.splitlines() if line.strip()]
    if not sentences:
        raise InputError("give sentences to verify as arguments or with --sentences-file")
    try:
        request = VerifyRequest(
            articles=[ArticleIn.model_validate(a) for a in load_articles(args.articles)],
            sentences=list(sentences),
        )
    except ValidationError as exc:
        raise InputError(_validation_message(exc)) from exc
    response = verify_request(request, settings)
    return response.model_dump_json(indent=2) if args.json else _verify_text(response)


def _cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from service.api.app import create_app

    app = create_app()
    # SIGTERM: requests in flight get the grace period, then are cancelled (their worker
    # threads stop at their next check), so the process stops in bounded time.
    grace = app.state.settings.shutdown_grace_s
    uvicorn.run(app, host=args.host, port=args.port, timeout_graceful_shutdown=grace)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summarize", help="summarise articles from files or folders")
    s.add_argument(
        "paths", nargs="+", help=".txt (id = file stem) or .json article files, or folders"
    )
    s.add_argument("--json", action="store_true", help="print the exact /summarize response body")
    s.add_argument("--max-key-points", type=int, default=8)
    s.add_argument("--max-quotes", type=int, default=4)
    s.add_argument(
        "--quiet", action="store_true", help="no progress lines on stderr (real models only)"
    )
    v = sub.add_parser("verify", help="check sentences against articles")
    v.add_argument("--articles", nargs="+", required=True, help="article files or folders")
    v.add_argument("sentences", nargs="*", help="sentences to check")
    v.add_argument("--sentences-file", help="a file with one sentence per line")
    v.add_argument("--json", action="store_true", help="print the exact /verify response body")
    r = sub.add_parser("serve", help="run the HTTP API")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, default=8000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(args_list)
    try:
        settings = get_settings()
        if args.command == "summarize":
            print(_cmd_summarize(args, settings))
        elif args.command == "verify":
            print(_cmd_verify(args, settings))
        else:
            _cmd_serve(args)
    except (InputError, ClientError, ValidationError) as exc:
        detail = exc.detail if isinstance(exc, ClientError) else str(exc)
        where = f" ({exc.field})" if isinstance(exc, ClientError) and exc.field else ""
        print(f"error: {detail}{where}", file=sys.stderr)
        return EXIT_INPUT
    except ModelError as exc:
        print(f"model error ({exc.type}): {exc.detail}", file=sys.stderr)
        return EXIT_MODEL
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    return 0
