"""Ingest of a large set in worker processes, so that it uses the cores.

Sentence splitting (pysbd) and the boilerplate marks are pure Python: in a thread they hold the
interpreter's one lock, so a 100-article set took its 2.6 s on one core however many the
machine has. Articles are ingested independently, so a set of at least
`SUMMARIZER_INGEST_POOL_MIN_CHARS` characters is ingested by `SUMMARIZER_INGEST_PROCESSES`
processes, an article a task, and comes back in request order, identical to the ingest in a
thread (tested). Smaller sets stay in the thread: sending them costs more than it saves.

The processes are started (`spawn`: no copy of a threaded server's state) once per process,
when a server starts or at the first set large enough to repay their start (a one-shot CLI run
ingests a smaller one in its thread), and live as long as it, not longer: each
watches its parent and exits when it is gone. The interpreter's exit hooks that stop a pool
do not run when a server is killed outright, nor after SIGTERM (uvicorn ends the process by
raising the signal again once it has shut down). A pool whose process
died (killed, out of memory) is replaced, and that request's set ingested in the thread
instead: no request fails for it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.queues
import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from service.config import Settings
from service.domain import ArticleInput, Document
from service.errors import ClientError
from service.ingest.prompt_injection import exclude_planted_instructions
from service.ingest.segment import check_input_limits, ingest_article, ingest_articles
from service.pipeline.worker import raise_if_cancelled

# How often a request waiting on the processes looks at its cancellation flag.
_POLL_S = 0.05

_pool: ProcessPoolExecutor | None = None
# Where the pool's processes say they are started (`_start_worker`).
_ready: multiprocessing.queues.Queue[int] | None = None
# The processes of the pool that said so, read from `_ready`.
_started_ids: list[int] = []
# How long a server waits for its processes to start, at most.
_START_TIMEOUT_S = 60.0
_pool_size = 0
_pool_lock = threading.Lock()
# Whether this process has started its pool (a server does before it takes traffic; a broken
# pool is replaced, so this stays true).
_started = False

# A process that has not started its pool (a CLI run) starts it only for a set this large:
# starting takes about 0.6 s on 2 cores (1.2 s of CPU: `python -m service summarize seeds/`
# 2.8 -> 3.5 s when the seeds went to the processes), and there they save about 4 ms per 1,000
# characters (`python benchmarks/bench_ingest.py`), so a smaller set would wait longer for
# their start than they save it.
_START_MIN_CHARS = 150_000


def _ingest_one(article: ArticleInput) -> Document | tuple[str, str | None]:
    """In a worker process: the article's Document with its planted instructions marked, or
    its ClientError's detail and field (exceptions with keyword arguments do not survive
    pickling)."""
    try:
        return exclude_planted_instructions([ingest_article(article)])[0]
    except ClientError as e:
        return (e.detail, e.field)


def _exit_with_parent() -> None:
    """In a worker process, at its start: exit as soon as the process that started it is gone.

    A pool's processes share their task queue's pipe with one another, so a parent killed
    outright leaves them blocked on it for ever: each would hold its memory (about 65 MiB) until
    the machine restarts."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, args=(parent.sentinel,), daemon=True).start()


def _start_worker(ready: multiprocessing.queues.Queue[int]) -> None:
    """In a worker process, at its start: exit with the parent, import and run the ingest
    once, before any request needs it, then say so."""
    _exit_with_parent()
    ingest_article(ArticleInput(id="warm-up", body="A first sentence. And a second one."))
    ready.put(os.getpid())


def _nothing() -> None:
    """A task that starts a process: a spawned pool starts one per task while none is idle."""


def _pool_of(size: int) -> ProcessPoolExecutor:
    global _pool, _pool_size, _started, _ready
    with _pool_lock:
        _started = True
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            context = multiprocessing.get_context("spawn")
            _ready = context.Queue()
            _started_ids.clear()
            _pool = ProcessPoolExecutor(
                size, mp_context=context, initializer=_start_worker, initargs=(_ready,)
            )
            _pool_size = size
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    """Forget a broken pool (the next request starts a new one)."""
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def start_pool(settings: Settings) -> list[int]:
    """Start the ingest processes and wait until each has imported and run the ingest once
    (their process ids): a server calls this before it takes traffic, so that no request
    shares the cores with their start (about a second of CPU each).

    Each process says when it is ready: waiting for tasks, one per process, was not enough,
    as the first process to start could take them all while the other was still starting
    (a fresh server's first request then took 54 to 168 ms to reach the model)."""
    size = settings.ingest_processes
    if size <= 1:
        return []
    pool = _pool_of(size)
    ready = _ready
    deadline = time.monotonic() + _START_TIMEOUT_S
    try:
        wait([pool.submit(_nothing) for _ in range(size)])
        while ready is not None and len(_started_ids) < size and time.monotonic() < deadline:
            try:
                _started_ids.append(ready.get(timeout=_POLL_S))
            except queue.Empty:
                # A process that died while starting breaks the pool: a submission says so.
                pool.submit(_nothing)
    except BrokenProcessPool:
        _discard(pool)  # the first large set starts a new pool, or is ingested in the thread
        return []
    return list(_started_ids)


def uses_processes(articles: Sequence[ArticleInput], settings: Settings) -> bool:
    """Whether this set is ingested in the worker processes."""
    if settings.ingest_processes <= 1 or len(articles) <= 1:
        return False
    chars = sum(len(a.body) for a in articles)
    return chars >= settings.ingest_pool_min_chars and (_started or chars >= _START_MIN_CHARS)


def ingest(articles: Sequence[ArticleInput], settings: Settings) -> list[Document]:
    """The articles as Documents with their planted instructions marked, in request order: in
    the worker processes for a large set, in this thread otherwise (and whenever the
    processes fail)."""
    if not uses_processes(articles, settings):
        return _in_thread(articles, settings)
    check_input_limits(articles, settings)
    pool = _pool_of(settings.ingest_processes)
    try:
        futures = [pool.submit(_ingest_one, article) for article in articles]
        results = _results(futures)
    except BrokenProcessPool:
        _discard(pool)
        return _in_thread(articles, settings)
    documents = []
    for i, result in enumerate(results):
        if isinstance(result, tuple):
            detail, field = result
            where = f"articles[{i}]" + (f".{field}" if field else "")
            raise ClientError(detail, field=where)
        documents.append(result)
    return documents


def _in_thread(articles: Sequence[ArticleInput], settings: Settings) -> list[Document]:
    """The set ingested here, stopping between articles once the request's caller is gone
    (a large set lands here when the processes fail)."""
    return exclude_planted_instructions(
        ingest_articles(articles, settings, before_each=raise_if_cancelled)
    )


def _results(
    futures: list[Future[Document | tuple[str, str | None]]],
) -> list[Document | tuple[str, str | None]]:
    """Every task's result, in order; stopping (and dropping what has not started) when the
    request's caller is gone."""
    try:
        pending = set(futures)
        while pending:
            raise_if_cancelled()
            _, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_EXCEPTION)
        return [future.result() for future in futures]
    finally:
        for future in futures:
            future.cancel()
