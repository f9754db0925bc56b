"""Command line: the same pipeline as the API, without a server.

python -m service summarize PATH... [--json] [--max-key-points N] [--max-quotes N]
    [--on-model-failure error|extractive] [--no-repair] [--quiet]
python -m service verify --articles PATH... [SENTENCE...] [--sentences-file FILE] [--json]
python -m service serve [--host H] [--port P] [--workers N]
python -m service worker [--concurrency N] [--check]

Exit codes: 0 done; 1 `worker --check` found no live worker on this host; 2 bad input or
configuration; 3 the model failed; 4 the address is in use.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import math
import os
import re
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from service.api.mapping import summarize_request, verify_request
from service.api.schemas import (
    ArticleIn,
    SummarizeOptions,
    SummarizeRequest,
    SummarizeResponse,
    VerifyRequest,
)
from service.cli.progress import Reporter, ReportingModel
from service.cli.render import render_text, render_verify
from service.cli.sources import (
    InputError,
    Sources,
    load_articles,
    looks_like_path,
    read_sources,
    read_text,
    validated_articles,
)
from service.config import Settings, get_settings, startup_warnings
from service.errors import ClientError, ConfigError, ModelError
from service.llm.base import Model
from service.pipeline.warm_up import warm_up
from service.registry import build_checker, build_model

__all__ = ["InputError", "build_parser", "load_articles", "main", "render_text"]

EXIT_INPUT = 2
EXIT_MODEL = 3
EXIT_ADDRESS_IN_USE = 4

# Option of the /summarize body -> the flag that overrides it.
_OPTION_FLAGS = {
    "max_key_points": "--max-key-points",
    "max_quotes": "--max-quotes",
    "repair": "--no-repair",
    "on_model_failure": "--on-model-failure",
}
_ARTICLE_FIELD = re.compile(r"^articles\[(\d+)\]")


class ModelFailed(Exception):
    """The model failed the summary; the message says how, and what else may be asked."""


class AddressInUse(Exception):
    """`serve` cannot listen: another process holds the port."""


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line on stderr and exit 2, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"error: {message} (see {self.prog} --help)\n")


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65_535:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a port: give 1 to 65535 (or 0 for any free port)"
        )
    return port


def _report_reading(sources: Sources, quiet: bool) -> None:
    if not quiet:
        for line in sources.report:
            print(line, file=sys.stderr)


def _with_origin(exc: ClientError, articles: Sequence[str]) -> InputError:
    """A pipeline error about `articles[i]` told as the file that article came from."""
    match = _ARTICLE_FIELD.match(exc.field or "")
    if match is not None and int(match[1]) < len(articles):
        return InputError(f"{articles[int(match[1])]}: {exc.detail}")
    return InputError(exc.detail + (f" ({exc.field})" if exc.field else ""))


def _options(args: argparse.Namespace, sources: Sources) -> SummarizeOptions:
    """A request body's options, each overridden by its flag where the flag is given."""
    given: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for where, options in sources.options:
        for key, value in options.items():
            if key in given and given[key] != value:
                raise InputError(
                    f"{where}: options.{key} is {value!r} but {origin[key]} is "
                    f"{given[key]!r}; give it once (or as {_OPTION_FLAGS.get(key, 'a flag')})"
                )
            given[key], origin[key] = value, f"{where}: options.{key}"
    for key, flag in _OPTION_FLAGS.items():
        value = getattr(args, key)
        if value is not None:
            given[key], origin[key] = value, flag
    try:
        return SummarizeOptions.model_validate(given)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else ""
        where = origin.get(key, "options")
        if error["type"] == "extra_forbidden":
            known = ", ".join(SummarizeOptions.model_fields)
            raise InputError(f"{where}: not an option (the options are {known})") from exc
        raise InputError(f"{where}: {error['msg']}") from exc


async def _summarize(
    request: SummarizeRequest, model: Model, settings: Settings, quiet: bool
) -> SummarizeResponse:
    progress = None
    if model.profile.reports_progress and not quiet:
        progress = Reporter()
        progress(
            f"{model.name}: each call may take {settings.model_timeout_s:g}s an attempt; "
            f"the whole request {settings.request_deadline_s:g}s (SUMMARIZER_MODEL_TIMEOUT_S, "
            "SUMMARIZER_REQUEST_DEADLINE_S)"
        )
        model = ReportingModel(model, progress)
    try:
        response = await summarize_request(
            request,
            model=model,
            settings=settings,
            progress=progress,
            checker=build_checker(settings),
        )
    finally:
        await model.aclose()
    return response


def _cmd_summarize(args: argparse.Namespace, settings: Settings) -> str:
    sources = read_sources(args.paths)
    if sources.sentences:
        where = sources.sentences[0][0]
        raise InputError(f"{where}: `sentences` belong to a /verify body; use verify for them")
    request = SummarizeRequest(
        articles=validated_articles(sources.articles), options=_options(args, sources)
    )
    _report_reading(sources, args.quiet)
    try:
        model = build_model(settings)
        # A server's start-up: what the run needs loaded, then the garbage collector set for
        # it (100 FRANK articles: 6.9 -> 6.1 s in all; the seeds unchanged).
        warm_up(settings)
        response = asyncio.run(_summarize(request, model, settings, args.quiet))
    except ClientError as exc:
        raise _with_origin(exc, [a.origin for a in sources.articles]) from exc
    except ModelError as exc:
        hint = ""
        if request.options.on_model_failure == "error":
            hint = "; --on-model-failure extractive prints the extractive summary instead"
        raise ModelFailed(f"model error ({exc.type}): {exc.detail}{hint}") from exc
    return response.model_dump_json(indent=2) if args.json else render_text(response)


def _split_articles(arguments: Sequence[str]) -> tuple[list[str], list[str]]:
    """`--articles a.json seeds/ "A sentence."`: the leading paths, then the sentences."""
    paths = list(arguments)
    first_sentence = next((i for i, a in enumerate(paths) if not looks_like_path(a)), len(paths))
    if first_sentence == 0:
        raise InputError(f"--articles: {paths[0]!r} is not a file or folder")
    return paths[:first_sentence], paths[first_sentence:]


def _verify_sentences(
    args: argparse.Namespace, sources: Sources, arguments: list[str]
) -> tuple[list[Any], list[str]]:
    """The sentences to verify, from a body, the arguments and a file, each with its origin."""
    sentences: list[Any] = []
    origins: list[str] = []
    for where, items in sources.sentences:
        sentences += items
        origins += [f"{where}: sentences[{i}]" for i in range(len(items))]
    for i, sentence in enumerate(arguments):
        sentences.append(sentence)
        origins.append(f"sentence argument {i + 1}")
    if args.sentences_file:
        path = Path(args.sentences_file)
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            if line.strip():
                sentences.append(line.strip())
                origins.append(f"{path}: line {number}")
    return sentences, origins


def _cmd_verify(args: argparse.Namespace, settings: Settings) -> str:
    paths, sentence_arguments = _split_articles(args.articles)
    sources = read_sources(paths)
    if sources.options:
        where = sources.options[0][0]
        raise InputError(f"{where}: `options` belong to a /summarize body; use summarize")
    sentences, origins = _verify_sentences(args, sources, sentence_arguments + args.sentences)
    if not sentences:
        raise InputError("give sentences to verify as arguments or with --sentences-file")
    articles: list[ArticleIn] = validated_articles(sources.articles)
    _report_reading(sources, args.quiet)
    try:
        request = VerifyRequest(articles=articles, sentences=sentences)
    except ValidationError as exc:
        # With a union (a sentence as text or as an object) the deepest error is the one meant.
        error = max(exc.errors(), key=lambda e: len(e["loc"]))
        index = next((p for p in error["loc"][1:2] if isinstance(p, int)), None)
        where = origins[index] if index is not None and index < len(origins) else "sentences"
        inner = ".".join(str(p) for p in error["loc"][2:] if p != "SentenceIn")
        message = error["msg"].removeprefix("Value error, ")
        raise InputError(f"{where}: {inner + ': ' if inner else ''}{message}") from exc
    try:
        checker = build_checker(settings)
        warm_up(settings)
        response = asyncio.run(verify_request(request, settings, checker))
    except ClientError as exc:
        raise _with_origin(exc, [a.origin for a in sources.articles]) from exc
    return response.model_dump_json(indent=2) if args.json else render_verify(response)


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, so that a busy port is told apart from other failures."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: not an address to listen on ({exc.strerror})") from exc
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise AddressInUse(
                f"{host}:{port} is already in use: stop what listens there or give another --port"
            ) from exc
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    return listener


def _cmd_serve(args: argparse.Namespace, settings: Settings, warnings: list[str]) -> None:
    import uvicorn

    from service.api.app import create_app
    from service.api.logs import configure_logging

    # JSON from the first line: the server's own logging set-up is replaced by the service's.
    configure_logging(settings.log_format, settings.log_level)
    app = create_app(settings)  # a configuration that cannot work stops here, in every case
    listener = _listening_socket(args.host, args.port)
    if args.workers > 1:
        listener.close()
        _serve_processes(args, settings, warnings)
        return
    # SIGTERM: requests in flight get the grace period, then are cancelled (their worker
    # threads stop at their next check), so the process stops in bounded time.
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
    )
    for warning in warnings:
        logging.getLogger("service.cli").warning(warning)
    # Said here, as uvicorn says it: it does so only for the sockets it binds itself.
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, port
    )
    uvicorn.Server(config).run(sockets=[listener])


def _serve_processes(args: argparse.Namespace, settings: Settings, warnings: list[str]) -> None:
    """Several server processes on one address, each building its app from the environment."""
    import uvicorn

    from service.llm.slots import SlotBroker

    if settings.redis_url is None:
        # A job taken by one process would be unknown to the others: jobs need Redis here.
        os.environ["SUMMARIZER_EMBEDDED_JOBS"] = "false"
    for warning in warnings:
        logging.getLogger("service.cli").warning(warning)
    # The bound on model calls holds for all the processes together: they take their slots
    # from this one (service.llm.slots), so no worker queues while another's slots are idle.
    with SlotBroker(settings.max_concurrent_model_calls) as slots:
        os.environ["SUMMARIZER_MODEL_CALL_SLOTS"] = slots.path
        uvicorn.run(
            "service.api.app:create_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_config=None,
            timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
        )


def _cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    from service.api.jobs import serve_worker
    from service.api.logs import configure_logging

    if settings.redis_url is None:
        raise ConfigError("a worker runs jobs queued in Redis: set SUMMARIZER_REDIS_URL")
    if args.check:
        _check_worker(settings.redis_url)
        return
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(serve_worker(settings, args.concurrency or settings.job_concurrency))


def _check_worker(redis_url: str) -> None:
    """`worker --check`, the worker's health check: a worker on this host is registered."""
    from service.jobs.redis_queue import workers_alive

    host = socket.gethostname()
    alive = workers_alive(redis_url, host)
    if not alive:
        print(f"no live worker on {host} is registered in Redis", file=sys.stderr)
        raise SystemExit(1)
    print(f"{alive} worker(s) alive on {host}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The `python -m service` command line."""
    parser = _Parser(prog="python -m service", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summarize", help="summarise articles from files or folders")
    s.add_argument(
        "paths", nargs="+", help=".txt (id = file stem) or .json article files, or folders"
    )
    s.add_argument("--json", action="store_true", help="print the exact /summarize response body")
    s.add_argument("--max-key-points", type=int, help="default 8, or the request file's options")
    s.add_argument("--max-quotes", type=int, help="default 4, or the request file's options")
    s.add_argument(
        "--no-repair",
        dest="repair",
        action="store_const",
        const=False,
        help="do not send failed sentences back to the model",
    )
    s.add_argument(
        "--on-model-failure",
        choices=["error", "extractive"],
        help="when the model fails or the deadline passes: exit 3 (error, the default) or "
        "print the extractive summary, marked as a fallback",
    )
    s.add_argument(
        "--quiet", action="store_true", help="no progress or folder lines on stderr (warnings stay)"
    )
    v = sub.add_parser("verify", help="check sentences against articles")
    v.add_argument(
        "--articles",
        nargs="+",
        required=True,
        help="article files or folders; sentences may follow them",
    )
    v.add_argument("sentences", nargs="*", help="sentences to check")
    v.add_argument("--sentences-file", help="a UTF-8 file with one sentence per line")
    v.add_argument("--json", action="store_true", help="print the exact /verify response body")
    v.add_argument("--quiet", action="store_true", help="no folder lines on stderr")
    r = sub.add_parser("serve", help="run the HTTP API")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=_port, default=8000, help="1 to 65535; 0 picks a free port")
    r.add_argument("--workers", type=_positive, default=1, help="server processes (uvicorn's)")
    w = sub.add_parser("worker", help="run jobs queued in Redis (SUMMARIZER_REDIS_URL)")
    w.add_argument("--concurrency", type=_positive, help="jobs run at once (default: settings)")
    w.add_argument(
        "--check",
        action="store_true",
        help="health check: exit 0 if a worker on this host is alive, else 1",
    )
    return parser


def _run(args: argparse.Namespace) -> None:
    settings = get_settings()
    warnings = startup_warnings(settings)
    if args.command == "serve":
        _cmd_serve(args, settings, warnings)
        return
    if args.command == "worker":
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        _cmd_worker(args, settings)
        return
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    command = _cmd_summarize if args.command == "summarize" else _cmd_verify
    print(command(args, settings))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        _run(args)
    except (InputError, ClientError) as exc:
        detail = exc.detail if isinstance(exc, ClientError) else str(exc)
        where = f" ({exc.field})" if isinstance(exc, ClientError) and exc.field else ""
        print(f"error: {detail}{where}", file=sys.stderr)
        return EXIT_INPUT
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ModelFailed as exc:
        print(exc, file=sys.stderr)
        return EXIT_MODEL
    except AddressInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ADDRESS_IN_USE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
