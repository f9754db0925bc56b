"""The model interface: one async method, implemented by the extractive model and OpenAI client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

OutputT = TypeVar("OutputT", bound=BaseModel)


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class ModelRequest(Generic[OutputT]):
    """One structured-output call: the messages and the pydantic type the reply must fit.

    The limits are the caps the prompt states in words, also given as data for a model that
    does not read prompts; None where the task has none. The pipeline enforces them either way.
    `max_items` caps the output's lists by property name, wherever they sit, in the schema a
    server is sent (JSON Schema's maxItems): a model whose output a server constrains to the
    schema is made to stop. Replies are not refused for exceeding them.
    """

    task: str
    messages: list[ChatMessage]
    output_type: type[OutputT]
    max_output_tokens: int = 2_048
    temperature: float = 0.0
    seed: int = 0
    max_key_points: int | None = None
    max_quotes: int | None = None
    max_items: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelProfile:
    """What a model is good for, declared by the model so callers never ask for its type."""

    # Answers without a server: always ready, nothing to reach.
    offline: bool = False
    # Its calls take long enough (seconds) that the CLI prints progress lines.
    reports_progress: bool = True
    # A failed sentence sent back to it may come back grounded.
    can_repair: bool = True
    # When none of its key points verify, the extractive summary is a different answer to give.
    extractive_fallback: bool = True


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: Usage) -> None:
        """Accumulate another call's usage into this one."""
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass
class ModelReply(Generic[OutputT]):
    """A validated reply; `raw` is the completion text it was parsed from."""

    output: OutputT
    raw: str
    model: str
    usage: Usage = field(default_factory=Usage)


class Model(Protocol):
    """Anything that turns a structured request into a validated reply."""

    name: str
    profile: ModelProfile
    context_tokens: int

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Run one call; raise `service.errors.ModelError` subclasses on failure."""
        ...

    async def aclose(self) -> None:
        """Release what the model holds (HTTP connections); called once, at shutdown."""
        ...


class MeteredModel:
    """Wraps a model and adds up the usage of every call made through it."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name = inner.name
        self.profile = inner.profile
        self.context_tokens = inner.context_tokens
        self.usage = Usage()
        self.last_model = inner.name
        # Set when the first call starts (work that can wait for it: `pipeline.summarize`).
        self.called = asyncio.Event()

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Delegate, then record the call's usage and the model that answered."""
        self.called.set()
        reply = await self.inner.execute(request)
        self.usage.add(reply.usage)
        self.last_model = reply.model
        return reply

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()
