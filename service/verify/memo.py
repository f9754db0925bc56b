"""Verdicts already reached by one verifier, kept so the same claim is decided once.

A verifier's verdict is a function of its documents (fixed when it is built) and the claim
(text, evidence, kind, speaker, parts) alone, so a claim asked again gets the verdict it got
before: the same draft sentence in a repeated request for a prepared set (a model repeats the
source sentences it copies), `/verify` of a summary just written, a repair's unchanged
sentences. The memo belongs to the verifier, so a different set of articles (another
verifier) never sees it. It is bounded by the size of the sources (one entry per source
sentence, at least `MIN_ENTRIES`), least recently used out first, so it grows with the text
as the prepared set holding it does. Thread-safe: nothing is computed under its lock (two
threads asking for one new claim both compute it, and get equal verdicts).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from service.telemetry import cache_lookup
from service.verify.types import Claim, Verdict

MIN_ENTRIES = 64


class VerdictMemo:
    """Verdicts by claim, the oldest dropped past `max_entries`."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(max_entries, MIN_ENTRIES)
        self._entries: OrderedDict[Claim, Verdict] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def verdict(self, claim: Claim, decide: Callable[[Claim], Verdict]) -> Verdict:
        """The verdict on `claim`: the one reached before, else `decide(claim)`, kept."""
        with self._lock:
            kept = self._entries.get(claim)
            if kept is not None:
                self._entries.move_to_end(claim)
        cache_lookup("verdict", hit=kept is not None)
        if kept is None:
            kept = decide(claim)
            with self._lock:
                self._entries[claim] = kept
                self._entries.move_to_end(claim)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return _copy(kept)


def _copy(verdict: Verdict) -> Verdict:
    """The verdict with its own lists: what one caller does with it reaches no other."""
    return replace(
        verdict,
        citations=list(verdict.citations),
        reasons=list(verdict.reasons),
        details=dict(verdict.details),
    )
