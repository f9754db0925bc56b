"""CPU-heavy work off the event loop, and stopping it when nobody waits for it any more.

Every stage that computes (ingest, grouping, the verifier's index, the offline model, checking
sentences) runs in a worker thread through `in_worker`, so the server keeps answering
(`/healthz`) while a long request works. When the task awaiting the work is cancelled (the
client disconnected, see `until_disconnected`; the request's deadline passed; the server's
graceful shutdown ran out), the work's flag is set and the thread stops at its next
`raise_if_cancelled`, between stages and between sentences.

Worker threads are daemon threads: a process told to stop does not wait for work whose caller
has been cancelled (a pool's threads would be joined at exit, however long they still run).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from service.config import get_settings
from service.errors import ServiceError
from service.llm.base import Model, ModelReply, ModelRequest, OutputT

P = ParamSpec("P")
T = TypeVar("T")

# How often a waiting request asks whether its client is still connected, and how often an
# offline model's loop in a worker thread looks at its caller's flag.
DISCONNECT_POLL_S = 0.25
_WORKER_POLL_S = 0.05

# How many worker threads compute at once in this process (SUMMARIZER_COMPUTE_THREADS): the
# rest wait their turn. Python threads share one interpreter lock, so more of them only switch
# more often and starve the event loop (the health probe); the cores are used by more
# processes (`serve --workers N`). Sized from the settings at first use.
_compute: threading.BoundedSemaphore | None = None
_compute_lock = threading.Lock()


def _compute_slots() -> threading.BoundedSemaphore:
    global _compute
    with _compute_lock:
        if _compute is None:
            _compute = threading.BoundedSemaphore(get_settings().compute_threads)
        return _compute


# The flags of the work this thread does for its callers (outermost first).
_cancelled: contextvars.ContextVar[tuple[threading.Event, ...]] = contextvars.ContextVar(
    "cancelled", default=()
)


class Cancelled(Exception):
    """The work's caller is gone: raised inside a worker thread, never seen by a client."""


class ClientDisconnected(ServiceError):
    """The client closed the connection before the answer was ready (nginx's 499)."""

    status_code = 499
    type = "client_disconnected"


def cancelled() -> bool:
    """Whether the caller of the work this thread does was cancelled."""
    return any(flag.is_set() for flag in _cancelled.get())


def raise_if_cancelled() -> None:
    """Stop here if the caller of this work was cancelled."""
    if cancelled():
        raise Cancelled


def _deliver(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    # A closed loop (RuntimeError) means nobody waits for this result any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _succeed(future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[T], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


async def in_worker(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `function` in a worker thread; cancelling the caller sets the work's flag."""
    loop = asyncio.get_running_loop()
    flag = threading.Event()
    context = contextvars.copy_context()
    context.run(_cancelled.set, (*_cancelled.get(), flag))
    future: asyncio.Future[T] = loop.create_future()
    slots = _compute_slots()

    def run() -> None:
        try:
            with slots:
                if flag.is_set():
                    raise Cancelled
                result = context.run(function, *args, **kwargs)
        except BaseException as error:  # handed to the awaiting task, whatever it is
            _deliver(loop, _fail, future, error)
        else:
            _deliver(loop, _succeed, future, result)

    threading.Thread(target=run, name="pipeline-worker", daemon=True).start()
    try:
        return await future
    except asyncio.CancelledError:
        flag.set()
        raise


async def until_disconnected(
    work: Coroutine[Any, Any, T],
    disconnected: Callable[[], Awaitable[bool]],
    poll_s: float = DISCONNECT_POLL_S,
) -> T:
    """Await the work, cancelling it (and its worker threads) if the client disconnects."""
    task = asyncio.get_running_loop().create_task(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=poll_s)
            if done:
                return task.result()
            if await disconnected():
                break
    finally:
        if not task.done():
            task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise ClientDisconnected("the client closed the connection; its work was cancelled")


async def _until_cancelled(work: Coroutine[Any, Any, T]) -> T:
    """Run the work on this worker thread's loop; cancel it once its caller is cancelled."""
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait({task}, timeout=_WORKER_POLL_S)
        if cancelled() and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise Cancelled
    return task.result()


class InWorkerModel:
    """An offline model (it computes, it waits on nothing) whose calls run in a worker thread."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name = inner.name
        self.profile = inner.profile
        self.context_tokens = inner.context_tokens

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """The wrapped model's reply, computed on a loop of the worker thread's own."""
        reply: ModelReply[OutputT] = await in_worker(
            lambda: asyncio.run(_until_cancelled(self.inner.execute(request)))
        )
        return reply

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()
