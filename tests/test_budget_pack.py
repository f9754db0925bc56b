"""`pack`: runs of items that fit the prompt budget exactly, filled close to it, in order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.drafting.budget import pack
from service.errors import ClientError, ConfigError
from service.text.token_count import count_tokens

# Lines as the sources block writes them, in several scripts: tokens per character differ
# threefold between them, which is what the search for each run's end has to absorb.
WORDS = ["council", "budget", "approved", "2026", "Tōkyō", "会议", "στρατός", "مجلس", "🙂", "—"]
LINE = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join)


def render(items: Sequence[str]) -> str:
    return "\n".join(["<sources>", *items, "</sources>"])


def counted(items: Sequence[str]) -> int:
    return count_tokens(render(items))


def fewest_runs(items: Sequence[str], room: int) -> int:
    """The fewest runs possible: each as long as fits, counted prefix by prefix."""
    runs, start = 0, 0
    while start < len(items):
        end = start + 1
        while end < len(items) and counted(items[start : end + 1]) <= room:
            end += 1
        runs, start = runs + 1, end
    return runs


@settings(max_examples=100, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=50), st.integers(80, 900), st.booleans())
def test_runs_keep_the_order_fit_the_room_and_are_as_few_as_possible(
    items: list[str], room: int, guided: bool
) -> None:
    overhead = 50
    weight = len if guided else None
    if max(counted([item]) for item in items) > room:
        with pytest.raises(ClientError):
            pack(items, render, overhead, overhead + room, weight=weight)
        return
    runs = pack(items, render, overhead, overhead + room, weight=weight)
    assert [item for run in runs for item in run] == items
    assert all(run and counted(run) <= room for run in runs)
    assert (len(runs) == 1) == (counted(items) <= room)
    # A run's end is searched for within a few counts, not proved the longest: at most one
    # run more than the fewest possible.
    assert len(runs) <= fewest_runs(items, room) + 1


def test_a_set_that_fits_is_one_run_counted_once() -> None:
    seen: list[str] = []

    def count(text: str) -> int:
        seen.append(text)
        return count_tokens(text)

    assert pack(["a b", "c d"], render, 10, 1_000, count=count) == [["a b", "c d"]]
    assert seen == [render(["a b", "c d"])]


def test_runs_are_as_few_as_the_room_needs_and_of_about_equal_size() -> None:
    # Counted alone, each line would pay the block's tags again: runs packed on those counts
    # came out about 20% short of the room, and one call more. Counted as sent, the runs are
    # as few as the whole needs, and even, so that each reply keeps room to spare.
    items = [f"The council met on day {n} and approved item {n} of the budget." for n in range(400)]
    room = 1_000
    runs = pack(items, render, 0, room)
    assert len(runs) == -(-counted(items) // room)
    sizes = [counted(run) for run in runs]
    assert max(sizes) <= room and max(sizes) - min(sizes) <= 0.1 * room
    counted_alone = sum(counted([item]) for item in items)
    assert len(runs) < 0.85 * counted_alone / room


def test_an_item_larger_than_an_even_share_goes_alone_when_it_fits_the_room() -> None:
    # 3 runs are needed; an even share is about a third of the whole, which the long line
    # exceeds, yet it fits the room: it is a run of its own, not an error.
    short = ["council"] * 6
    long = " ".join(["council"] * 30)
    items = [*short, long, *short, *short]
    room = counted([long]) + 2
    assert counted(items) > 2 * room
    runs = pack(items, render, 0, room)
    assert [item for run in runs for item in run] == items
    assert [long] in runs and all(counted(run) <= room for run in runs)


def test_a_fixed_part_larger_than_the_window_is_the_operators_error() -> None:
    with pytest.raises(ConfigError):
        pack(["a"], render, 500, 400)
