"""One bound on model calls for all the processes of `serve --workers N`.

`SUMMARIZER_MAX_CONCURRENT_MODEL_CALLS` bounds the calls at the model. Held per process, N
workers would each need bound / N, and uvicorn hands connections to whichever worker accepts
first: a worker given more of them queues at its share while the other's slots stand idle.
So the supervisor holds the bound (`SlotBroker`, a thread listening on a Unix socket in a
private directory) and every worker asks it for a slot around each call (`SharedSlots`): one
connection a call; a byte back grants the slot, closing the connection returns it. Slots are
granted in the order they were asked for, whichever process asks. A worker that dies holding
slots closes its connections with it (the kernel does so), so no slot is lost; a waiter that
gives up (its request cancelled) closes its connection and leaves the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import shutil
import socket
import tempfile
import threading
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path

from service.errors import ModelUnavailable

GRANTED = b"1"


class SlotBroker:
    """Grants `slots` call slots at once to whoever connects to `path`, first come first."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a slot broker needs at least one slot")
        self.slots = slots
        self._directory = tempfile.mkdtemp(prefix="summarizer-slots-")  # mode 0700
        self.path = str(Path(self._directory) / "slots.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(1024)
        self._listener.setblocking(False)
        self._stop_read, self._stop_write = socket.socketpair()
        self._selector = selectors.DefaultSelector()
        self._waiting: deque[socket.socket] = deque()
        self._holding: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._run, name="call-slots", daemon=True)

    def __enter__(self) -> SlotBroker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def held(self) -> int:
        """Slots granted now (read from another thread: a moment's figure)."""
        return len(self._holding)

    def close(self) -> None:
        """Stop granting, close every connection and remove the socket."""
        if self._thread.is_alive():
            self._stop_write.send(b"x")
            self._thread.join(5)
        self._stop_write.close()
        shutil.rmtree(self._directory, ignore_errors=True)

    def _run(self) -> None:
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._selector.register(self._stop_read, selectors.EVENT_READ)
        try:
            while True:
                for key, _ in self._selector.select():
                    if key.fileobj is self._stop_read:
                        return
                    if key.fileobj is self._listener:
                        self._accept()
                    else:
                        self._closed(key.fileobj)  # type: ignore[arg-type]
                self._grant()
        finally:
            for conn in [*self._waiting, *self._holding, self._listener, self._stop_read]:
                conn.close()
            self._selector.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            conn.setblocking(False)
            self._waiting.append(conn)
            self._selector.register(conn, selectors.EVENT_READ)

    def _closed(self, conn: socket.socket) -> None:
        """A client's connection became readable: it closed (a client sends nothing)."""
        self._selector.unregister(conn)
        conn.close()
        if conn in self._holding:
            self._holding.discard(conn)
        else:
            with contextlib.suppress(ValueError):
                self._waiting.remove(conn)

    def _grant(self) -> None:
        while self._waiting and len(self._holding) < self.slots:
            conn = self._waiting.popleft()
            try:
                conn.send(GRANTED)
            except OSError:
                self._selector.unregister(conn)
                conn.close()
                continue
            self._holding.add(conn)


class SharedSlots:
    """A worker's side of the broker at `path`: `async with slots.slot():` around each call."""

    def __init__(self, path: str) -> None:
        self.path = path

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a slot, hold it for the block, give it back (also when cancelled)."""
        try:
            reader, writer = await asyncio.open_unix_connection(self.path)
        except OSError as e:
            raise ModelUnavailable(f"the server's shared bound on model calls is gone: {e}") from e
        try:
            if await reader.read(1) != GRANTED:
                raise ModelUnavailable("the server's shared bound on model calls closed")
            yield
        finally:
            writer.close()
