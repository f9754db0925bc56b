"""A persistent cache of model replies, wrapped around any model (same interface).

Real model calls are slow and paid for; the same prompt at temperature 0 with the same seed
gets the stored reply instead. The key covers everything that shapes the reply: model name,
task, messages, output schema, temperature, seed and token limit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import diskcache

from service.llm.base import Model, ModelReply, ModelRequest, OutputT, Usage
from service.telemetry import cache_lookup


def cache_key(model_name: str, request: ModelRequest[OutputT]) -> str:
    """A stable digest of everything that determines the reply."""
    material = {
        "model": model_name,
        "task": request.task,
        "messages": [[m.role, m.content] for m in request.messages],
        "schema": request.output_type.model_json_schema(),
        "temperature": request.temperature,
        "seed": request.seed,
        "max_output_tokens": request.max_output_tokens,
        "max_items": request.max_items,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class CachedModel:
    """Serves repeated requests from disk; a hit reports zero calls and zero tokens."""

    def __init__(self, inner: Model, directory: Path, ttl_s: float = 7 * 24 * 3600) -> None:
        self.inner = inner
        self.name = inner.name
        self.profile = inner.profile
        self.context_tokens = inner.context_tokens
        self.ttl_s = ttl_s
        self._store = diskcache.Cache(str(directory))

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """The stored reply when there is one (re-validated), else the inner model's."""
        key = cache_key(self.inner.name, request)
        stored = self._store.get(key)
        cache_lookup("model_reply", hit=isinstance(stored, dict))
        if isinstance(stored, dict):
            output = request.output_type.model_validate_json(stored["raw"])
            return ModelReply(
                output=output, raw=stored["raw"], model=stored["model"], usage=Usage()
            )
        reply = await self.inner.execute(request)
        self._store.set(
            key, {"raw": reply.output.model_dump_json(), "model": reply.model}, expire=self.ttl_s
        )
        return reply

    async def aclose(self) -> None:
        """Close the store, then the wrapped model."""
        self._store.close()
        await self.inner.aclose()
