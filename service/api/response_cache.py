"""Identical /summarize requests answered from a cache: in this process, or shared in Redis.

This sits above the model-reply cache (`service/llm/cache.py`): a hit here skips the whole
pipeline, ingest and verification included. The key is a digest of everything that decides
the body: the request as validated (articles, options), the model (its name, window and
server), the settings that shape a summary, the prompt versions, and a digest of the code
and data files of the service (the verifier, the extractive model, the word lists), so any
change to them is a new key. Only successful bodies are kept; a hit is the stored bytes,
so it is byte for byte the body the fresh run answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from service.api.mapping import summarize_request
from service.api.schemas import SummarizeRequest, SummarizeResponse
from service.config import Settings
from service.drafting.drafter import Progress
from service.drafting.prompts import prompts_dir
from service.errors import ConfigError
from service.llm.base import Model
from service.llm.checker import Checker
from service.telemetry import cache_lookup

log = logging.getLogger("service.api")

_PACKAGE = Path(__file__).resolve().parent.parent
_PROMPT_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.txt$")
# Redis must answer fast or not at all: a miss costs one pipeline run, an outage costs all.
_REDIS_TIMEOUT_S = 1.0
REDIS_PREFIX = "summarizer:response:"


def prompt_versions() -> dict[str, int]:
    """The version of each prompt that would be used: the highest of each name."""
    versions: dict[str, int] = {}
    for path in prompts_dir().iterdir():
        match = _PROMPT_FILE.match(path.name)
        if match:
            name, version = match["name"], int(match["version"])
            versions[name] = max(version, versions.get(name, 0))
    return versions


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the service's code and data files and of the prompts."""
    digest = hashlib.sha256()
    files = [p for p in _PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [p for p in prompts_dir().iterdir() if p.is_file()]
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def response_key(
    request: SummarizeRequest, model: Model, settings: Settings, checker: Checker | None = None
) -> str:
    """The digest that identical requests share and any difference that matters changes."""
    material = {
        "request": request.model_dump(mode="json"),
        "model": [model.name, model.context_tokens, settings.model, settings.openai_base_url],
        "checker": None
        if checker is None
        else [
            checker.name,
            settings.checker_base_url,
            settings.checker_confirm_below,
            settings.checker_structured,
        ],
        "settings": [
            settings.max_output_tokens,
            settings.temperature,
            settings.seed,
            settings.repair,
            settings.judge,
        ],
        "prompts": prompt_versions(),
        "code": code_version(),
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


class BodyStore(Protocol):
    """Where cached bodies live."""

    backend: str

    async def get(self, key: str) -> bytes | None:
        """The stored body, or None."""
        ...

    async def put(self, key: str, body: bytes) -> None:
        """Keep `body` under `key` for the store's time to live."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class MemoryStore:
    """This process's bodies: least recently used out first, within a byte bound."""

    backend = "memory"

    def __init__(
        self, max_bytes: int, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self.clock = clock
        self.size = 0
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        """The body if it is there and fresh."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body = entry
        if self.clock() >= expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return body

    async def put(self, key: str, body: bytes) -> None:
        """Keep the body, dropping the least recently used ones past the byte bound."""
        if len(body) > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (self.clock() + self.ttl_s, body)
        self.size += len(body)
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        _, body = self._entries.pop(key)
        self.size -= len(body)

    async def aclose(self) -> None:
        """Nothing to release."""


class RedisStore:
    """Bodies in Redis, shared by every replica; Redis down means a miss, not an error."""

    backend = "redis"

    def __init__(self, redis_url: str, ttl_s: int) -> None:
        from redis import asyncio as aioredis

        self._connect = aioredis.from_url
        self.redis_url = redis_url
        self.ttl_s = ttl_s
        # A Redis client belongs to the event loop it was made on: one per loop.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._connect(
                self.redis_url,
                socket_timeout=_REDIS_TIMEOUT_S,
                socket_connect_timeout=_REDIS_TIMEOUT_S,
            )
        return client

    async def get(self, key: str) -> bytes | None:
        """The stored body, or None (also when Redis cannot be reached)."""
        from redis.exceptions import RedisError

        try:
            body = await self._client().get(REDIS_PREFIX + key)
        except (RedisError, OSError) as exc:
            log.warning("response cache not read: Redis unreachable (%s)", type(exc).__name__)
            return None
        return body if isinstance(body, bytes) else None

    async def put(self, key: str, body: bytes) -> None:
        """Store the body with its time to live (skipped when Redis cannot be reached)."""
        from redis.exceptions import RedisError

        try:
            await self._client().set(REDIS_PREFIX + key, body, ex=self.ttl_s)
        except (RedisError, OSError) as exc:
            log.warning("response cache not written: Redis unreachable (%s)", type(exc).__name__)

    async def aclose(self) -> None:
        """Close this loop's connection."""
        try:
            client = self._clients.pop(asyncio.get_running_loop(), None)
        except RuntimeError:
            return
        if client is not None:
            await client.aclose()


def build_store(settings: Settings) -> BodyStore | None:
    """The configured store: Redis when set, else memory; None when the cache is off."""
    if not settings.response_cache or settings.response_cache_max_bytes == 0:
        return None
    if settings.redis_url is not None:
        try:
            return RedisStore(settings.redis_url, settings.response_cache_ttl_s)
        except ImportError as exc:
            raise ConfigError(
                "SUMMARIZER_REDIS_URL is set but the Redis driver is not installed: "
                "pip install 'grounded-summarizer[redis]'"
            ) from exc
    return MemoryStore(settings.response_cache_max_bytes, settings.response_cache_ttl_s)


@dataclass(frozen=True)
class Answer:
    """A /summarize body, and the response it was made from when it was not a hit."""

    body: bytes
    fresh: SummarizeResponse | None


async def answer_summarize(
    request: SummarizeRequest,
    *,
    model: Model,
    settings: Settings,
    store: BodyStore | None,
    progress: Progress | None = None,
    checker: Checker | None = None,
) -> Answer:
    """The /summarize body: from the cache when an identical request was answered. A body
    whose checker calls failed is not kept: the next identical request asks again."""
    key = response_key(request, model, settings, checker) if store is not None else ""
    if store is not None:
        cached = await store.get(key)
        cache_lookup("response", hit=cached is not None)
        if cached is not None:
            return Answer(cached, None)
    response = await summarize_request(
        request, model=model, settings=settings, progress=progress, checker=checker
    )
    body = response.model_dump_json().encode()
    checked = response.verification.checker
    if store is not None and (checked is None or checked.failed == 0):
        await store.put(key, body)
    return Answer(body, response)
