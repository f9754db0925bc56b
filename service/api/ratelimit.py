"""Rate limits per client, by the `limits` library: moving windows in Redis when configured.

With `SUMMARIZER_REDIS_URL` every replica counts in the same windows; without it, the windows
live in this process's memory. A Redis that cannot be reached lets requests through (the
service stays up) and says so in the log: a limit is about fairness, not about safety.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass

import limits
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string

from service.config import Settings
from service.errors import ConfigError

log = logging.getLogger("service.ratelimit")

_SCHEMES = {"redis://": "async+redis://", "rediss://": "async+rediss://"}
_SCHEMES["unix://"] = "async+redis+unix://"
# Redis must answer fast or not at all: a limit check may not stall every request.
_REDIS_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Refusal:
    """A request over a limit: which limit, and in how many seconds a slot frees."""

    limit: str
    retry_after_s: int


def limits_uri(redis_url: str) -> str:
    """The `limits` storage URI (asyncio, redis-py) for a redis:// / rediss:// / unix:// URL."""
    for scheme, replacement in _SCHEMES.items():
        if redis_url.startswith(scheme):
            return replacement + redis_url.removeprefix(scheme)
    raise ConfigError(f"SUMMARIZER_REDIS_URL: unsupported scheme in {redis_url.split(':')[0]!r}")


class RateLimiter:
    """Counts each client's requests against every configured limit."""

    def __init__(self, rate_limit: str, redis_url: str | None = None) -> None:
        self.items = limits.parse_many(rate_limit)
        self.redis_url = redis_url
        self._memory = MemoryStorage() if redis_url is None else None
        # A Redis client belongs to the event loop it was made on: one per loop.
        self._redis: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Storage] = (
            weakref.WeakKeyDictionary()
        )
        if redis_url is not None:
            self._new_redis_storage()  # a missing driver or a bad URL stops start-up

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """The configured limiter, or None when no limit is set."""
        if settings.rate_limit is None:
            return None
        return cls(settings.rate_limit, settings.redis_url)

    @property
    def backend(self) -> str:
        """Where the windows live, for the start-up log (no password)."""
        if self.redis_url is None:
            return "memory"
        return "redis " + self.redis_url.rsplit("@", 1)[-1]

    def _new_redis_storage(self) -> Storage:
        assert self.redis_url is not None
        try:
            storage = storage_from_string(
                limits_uri(self.redis_url),
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="summarizer-ratelimit",
                socket_timeout=_REDIS_TIMEOUT_S,
                socket_connect_timeout=_REDIS_TIMEOUT_S,
            )
        except ConfigurationError as exc:
            raise ConfigError(
                f"SUMMARIZER_REDIS_URL is set but cannot be used ({exc}); the Redis driver "
                "comes with the extra: pip install 'grounded-summarizer[redis]'"
            ) from exc
        assert isinstance(storage, Storage)
        return storage

    def _storage(self) -> Storage:
        if self._memory is not None:
            return self._memory
        loop = asyncio.get_running_loop()
        storage = self._redis.get(loop)
        if storage is None:
            storage = self._redis[loop] = self._new_redis_storage()
        return storage

    async def hit(self, client: str) -> Refusal | None:
        """Count one request by `client`; a `Refusal` when it is over a limit."""
        limiter = MovingWindowRateLimiter(self._storage())
        try:
            for item in self.items:
                if not await limiter.hit(item, client):
                    stats = await limiter.get_window_stats(item, client)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    return Refusal(str(item), wait)
        except StorageError as exc:
            log.warning(
                "rate limit not applied: %s unreachable (%s)",
                self.backend,
                type(exc.storage_error).__name__,
            )
        return None
