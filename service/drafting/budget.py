"""Token budgets: fit the grouped sources into the model's context, in as few calls as possible."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from service.errors import ClientError, ConfigError
from service.text.token_count import count_tokens

ItemT = TypeVar("ItemT")

# Room kept free for the reply and for tokenizer differences between us and the server.
SAFETY_MARGIN = 0.10


def prompt_budget(context_tokens: int, max_output_tokens: int) -> int:
    """Tokens a prompt may use: the window less the reply and a safety margin."""
    return int((context_tokens - max_output_tokens) * (1 - SAFETY_MARGIN))


def reply_budget(context_tokens: int, prompt_tokens: int, reserved: int, needed: int) -> int:
    """Tokens a reply may use: what the request needs, within what the window leaves after the
    prompt (less the margin), and never less than the reserve the prompt was packed around."""
    room = int((context_tokens - prompt_tokens) * (1 - SAFETY_MARGIN))
    return max(reserved, min(needed, room))


def pack(
    items: Sequence[ItemT],
    render: Callable[[Sequence[ItemT]], str],
    overhead_tokens: int,
    budget_tokens: int,
    count: Callable[[str], int] = count_tokens,
) -> list[list[ItemT]]:
    """Split `items` into consecutive runs whose rendered prompt fits the budget.

    One run when everything fits. Items are never split: a sentence (or a candidate
    point) is the unit, so chunks stay sentence-aligned.
    """
    room = budget_tokens - overhead_tokens
    if room <= 0:
        # No request could be served: the operator's window or reply budget is at fault.
        raise ConfigError(
            "the prompt's fixed part does not fit the model's context window; "
            "raise SUMMARIZER_CONTEXT_TOKENS"
        )
    if count(render(items)) <= room:
        return [list(items)]
    chunks: list[list[ItemT]] = []
    current: list[ItemT] = []
    used = 0
    for item in items:
        # Per-item counts add up to slightly more than the whole rendering: a safe bound.
        cost = count(render([item]))
        if cost > room:
            raise ClientError(
                "one source sentence alone exceeds the model's context window",
                field="articles",
            )
        if current and used + cost > room:
            chunks.append(current)
            current, used = [], 0
        current.append(item)
        used += cost
    if current:
        chunks.append(current)
    return chunks
