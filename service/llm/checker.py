"""The independent checker: an OpenAI-compatible model asked only whether a document supports
one claim, never the model that wrote the claim.

Two kinds of model answer the same prompt. Fact-checking models trained to say "Yes" or "No"
(Bespoke-MiniCheck-7B served by Ollama or llama.cpp) are asked in plain text (`OpenAIChecker`):
a grammar forcing JSON on them would push them off what they were trained on, and the reply,
a word or a JSON verdict, is validated here. Instruct models may instead be asked through the
writer's structured-output client (`StructuredChecker`: `json_schema`, else `json_object`, with
re-asks), which constrains the reply to `{"supported": bool, "reason": str}`. One check per
claim, at temperature 0, bounded by its timeout and the request's deadline; a reply that is no
verdict is a `ModelOutputError`, never a guess.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ConfigDict, ValidationError

from service.config import DEFAULT_OPENAI_BASE_URL
from service.errors import ModelError, ModelOutputError, ModelTimeout, ModelUnavailable
from service.llm.base import ChatMessage, Model, ModelRequest
from service.llm.deadline import seconds_left
from service.llm.openai_client import LoopStates, chat_completion

# Local servers ignore the key, but the SDK insists on one.
_PLACEHOLDER_API_KEY = "sk-no-key-required"
# A verdict and a sentence of reason; a model that writes more is cut off, not waited for.
MAX_ANSWER_TOKENS = 200
# A call stops this long before the request's deadline, so the request can still answer.
DEADLINE_MARGIN_S = 0.25
_YES_NO_RE = re.compile(r"^\W*(yes|no|true|false)\b", re.IGNORECASE)


class CheckAnswer(BaseModel):
    """The JSON an instruct model is asked to answer with."""

    model_config = ConfigDict(extra="forbid")

    supported: bool
    reason: str = ""


@dataclass(frozen=True)
class CheckReply:
    """One checker answer: the decision, its reason, and the model that gave it."""

    supported: bool
    reason: str
    model: str


class Checker(Protocol):
    """Anything that answers a check prompt; raises `ModelError` subclasses on failure."""

    name: str

    async def check(self, messages: Sequence[ChatMessage]) -> CheckReply:
        """Ask whether the document in `messages` supports their claim."""
        ...

    async def aclose(self) -> None:
        """Release what the checker holds (HTTP connections)."""
        ...


def parse_check_answer(text: str) -> tuple[bool, str]:
    """A reply as (supported, reason): a leading yes or no, else a JSON verdict in the text."""
    stripped = text.strip()
    match = None if stripped.startswith("{") else _YES_NO_RE.match(stripped)
    if match is not None:
        supported = match.group(1).lower() in ("yes", "true")
        rest = stripped[match.end() :].strip(" .,:;-\n")
        return supported, rest or f"answered {match.group(1).lower()}"
    start = stripped.find("{")
    if start < 0:
        raise ValueError(f"neither yes or no nor a JSON verdict: {_clip(stripped)!r}")
    try:
        value, _ = json.JSONDecoder().raw_decode(stripped, start)
        answer = CheckAnswer.model_validate(value)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"not a JSON verdict: {_clip(stripped)!r}") from exc
    return answer.supported, answer.reason or ("supported" if answer.supported else "no reason")


class OpenAIChecker:
    """A checker model behind an OpenAI-compatible chat API."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_concurrent_calls: int = 4,
    ) -> None:
        self.name = model
        self.server_url = (base_url or DEFAULT_OPENAI_BASE_URL).rstrip("/")
        self._api_key = api_key or _PLACEHOLDER_API_KEY
        self._timeout_s = timeout_s
        # Per event loop, as in the writer's client: a pool or semaphore cannot cross loops.
        self._states = LoopStates(self._new_client, max_concurrent_calls)

    async def check(self, messages: Sequence[ChatMessage]) -> CheckReply:
        """One call, bounded by the checker's timeout and the request's deadline."""
        state = self._states.get()
        client = state.client
        async with state.semaphore:
            budget = check_budget(self._timeout_s, self.name)
            try:
                async with asyncio.timeout(budget):
                    response = await chat_completion(
                        client,
                        {
                            "model": self.name,
                            "messages": _wire(messages),
                            "max_tokens": MAX_ANSWER_TOKENS,
                            "temperature": 0.0,
                            "seed": 0,
                        },
                        budget,
                    )
            except (TimeoutError, openai.APITimeoutError) as exc:
                raise ModelTimeout(
                    f"checker {self.name} did not answer within {budget:.3g}s"
                ) from exc
            except openai.APIConnectionError as exc:
                raise ModelUnavailable(
                    f"checker {self.name} at {self.server_url} is unreachable: {exc}"
                ) from exc
            except openai.APIStatusError as exc:
                raise ModelError(
                    f"checker {self.name} answered {exc.status_code}: {str(exc.message)[:300]}"
                ) from exc
            except openai.OpenAIError as exc:
                raise ModelError(f"checker {self.name} failed: {exc}") from exc
        text = (response.choices[0].message.content or "") if response.choices else ""
        try:
            supported, reason = parse_check_answer(text)
        except ValueError as exc:
            raise ModelOutputError(
                f"checker {self.name} gave no verdict: {exc}", last_completion=text, attempts=1
            ) from exc
        return CheckReply(supported, reason, response.model or self.name)

    async def aclose(self) -> None:
        """Close the HTTP client of the running event loop."""
        await self._states.aclose()

    def _new_client(self) -> AsyncOpenAI:
        # One retry, by the SDK, for a dropped connection or a 5xx: a checker is optional, and
        # its failure costs only the second opinion.
        return AsyncOpenAI(api_key=self._api_key, base_url=self.server_url, max_retries=1)


class StructuredChecker:
    """A checker asked for `CheckAnswer` through a structured-output model (an instruct model)."""

    def __init__(self, model: Model, timeout_s: float = 30.0) -> None:
        self.model = model
        self.name = model.name
        self._timeout_s = timeout_s

    async def check(self, messages: Sequence[ChatMessage]) -> CheckReply:
        """One check, re-asks included, within its timeout and the request's deadline."""
        request = ModelRequest(
            task="check",
            messages=list(messages),
            output_type=CheckAnswer,
            max_output_tokens=MAX_ANSWER_TOKENS,
        )
        budget = check_budget(self._timeout_s, self.name)
        try:
            async with asyncio.timeout(budget):
                reply = await self.model.execute(request)
        except TimeoutError as exc:
            raise ModelTimeout(f"checker {self.name} did not answer within {budget:.3g}s") from exc
        answer = reply.output
        reason = answer.reason or ("supported" if answer.supported else "no reason")
        return CheckReply(answer.supported, reason, reply.model)

    async def aclose(self) -> None:
        """Close the model's connections."""
        await self.model.aclose()


def check_budget(timeout_s: float, name: str) -> float:
    """Seconds one check may take: its timeout, within what the request has left."""
    left = seconds_left()
    if left is None:
        return timeout_s
    budget = min(timeout_s, left - DEADLINE_MARGIN_S)
    if budget <= 0:
        raise ModelTimeout(f"checker {name}: no time left in the request's deadline")
    return budget


def _wire(messages: Sequence[ChatMessage]) -> list[ChatCompletionMessageParam]:
    return cast(
        list[ChatCompletionMessageParam], [{"role": m.role, "content": m.content} for m in messages]
    )


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
