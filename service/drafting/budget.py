"""Token budgets: fit the grouped sources into the model's context, in as few calls as possible."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

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
    weight: Callable[[ItemT], int] | None = None,
) -> list[list[ItemT]]:
    """Split `items` into consecutive runs whose rendered prompt fits the budget.

    One run when everything fits. Items are never split: a sentence (or a candidate point) is
    the unit, so chunks stay sentence-aligned. Every run is counted as it will be sent, so it
    fits exactly; there are as few runs as the budget allows, of about equal size. `weight`
    (by default the length of an item rendered alone) only guides where each run's end is
    tried.
    """
    room = budget_tokens - overhead_tokens
    if room <= 0:
        # No request could be served: the operator's window or reply budget is at fault.
        raise ConfigError(
            "the prompt's fixed part does not fit the model's context window; "
            "raise SUMMARIZER_CONTEXT_TOKENS"
        )
    used = count(render(items))
    if used <= room:
        return [list(items)]
    weigh = weight or (lambda item: len(render([item])))
    reach = list(accumulate((max(1, weigh(item)) for item in items), initial=0))
    packing = _Packing(items, reach, render, count, room, used / reach[-1])
    # As many runs as the whole needs, of about equal size: no run is fuller than it must be,
    # so the replies keep room to spare (a reply cut off at its limit costs a whole round,
    # where one more run in parallel costs none), and the calls end at about the same time.
    fewest = -(-used // room)
    runs = packing.runs(min(room, int(used / fewest * _EVEN)))
    if len(runs) > fewest:
        # The items did not split evenly: runs filled to the room may need fewer.
        full = packing.runs(room)
        runs = full if len(full) < len(runs) else runs
    return runs


# Room an even share is given over the whole's count divided by the runs: each run repeats the
# block's tags, and runs end between items.
_EVEN = 1.04
# A run is aimed at this share of the room, and accepted once it fills at least the lower one.
_AIM, _ENOUGH = 0.98, 0.95


@dataclass(frozen=True)
class _Packing(Generic[ItemT]):
    """The items to split, with their cumulative weights (`reach[i]`: the items before i)."""

    items: Sequence[ItemT]
    reach: list[int]
    render: Callable[[Sequence[ItemT]], str]
    count: Callable[[str], int]
    room: int
    rate: float  # tokens per unit of weight over the whole: where the first search starts

    def runs(self, share: int) -> list[list[ItemT]]:
        """Consecutive runs, each counted to fit `share` (an item alone: the room)."""
        rate = self.rate
        runs: list[list[ItemT]] = []
        start = 0
        while start < len(self.items):
            end, rate = self._fit(start, share, rate)
            runs.append(list(self.items[start:end]))
            start = end
        return runs

    def _fit(self, start: int, share: int, rate: float) -> tuple[int, float]:
        """The end of the run from `start`, and the rate last measured.

        A bracketed search: `fits` is the longest end counted to fit, `over` the shortest
        counted not to. Each try is where the weights say the aim falls, kept strictly between
        the two, so the bracket narrows with every count and the search ends.
        """
        items, reach = self.items, self.reach
        fits, over = start, len(items) + 1
        while over - fits > 1:
            aim = reach[start] + share * _AIM / rate
            end = min(max(bisect_right(reach, aim) - 1, fits + 1), over - 1)
            used = self.count(self.render(items[start:end]))
            rate = used / (reach[end] - reach[start])
            if used <= share:
                fits = end
                if end == len(items) or used >= share * _ENOUGH:
                    break
            else:
                over = end
        if fits == start:
            # An item larger than the share goes alone, as long as it fits the room at all.
            if self.count(self.render(items[start : start + 1])) > self.room:
                raise ClientError(
                    "one source sentence alone exceeds the model's context window",
                    field="articles",
                )
            fits = start + 1
        return fits, rate
