"""A set of articles prepared once: ingested, grouped, and indexed for the verifier.

Preparing is most of a request's own CPU, and `/verify` after `/summarize`, or a summary asked
again with other options, sends the same articles. So prepared sets are kept in this process,
least recently used out first, within a bound on the article characters they hold
(`SUMMARIZER_PREPARED_CACHE_CHARS`; memory grows with the text). The key is a digest of every
field of every article in order: nothing else shapes what preparing gives (the input limits,
the only settings it reads, are enforced before any lookup, so they hold on a hit too), and
the cache lives in the memory of the process whose code filled it.

A prepared set is shared by concurrent requests: it is never changed once built, and its
verifier, built on first use under a lock (once, however many wait for it), is re-entrant.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import astuple
from typing import Any

from service.config import Settings
from service.domain import ArticleInput, Document, SourceGroups
from service.errors import ClientError
from service.ingest.grouping import group_sentences
from service.ingest.segment import check_input_limits
from service.pipeline.processes import ingest
from service.pipeline.worker import raise_if_cancelled
from service.telemetry import cache_lookup, timed
from service.verify import Verifier


class Prepared:
    """A request's articles after ingest and grouping; the verifier is built on first use."""

    def __init__(self, documents: list[Document], groups: SourceGroups) -> None:
        self.documents = documents
        self.groups = groups
        self._verifier: Verifier | None = None
        self._lock = threading.Lock()
        # Results that depend on these sources alone (Assembler.memo), computed once.
        self.memo: dict[str, Any] = {}

    @property
    def indexed(self) -> bool:
        """Whether the verifier's index has been built."""
        return self._verifier is not None

    @property
    def verifier(self) -> Verifier:
        """The verifier of these documents, built once."""
        with self._lock:
            if self._verifier is None:
                self._verifier = Verifier(self.documents, self.groups)
            return self._verifier


def prepare(articles: Sequence[ArticleInput], settings: Settings) -> Prepared:
    """Ingest, exclude planted instructions, group near-duplicates (no cache)."""
    with timed("ingest"):
        documents = ingest(articles, settings)
    if not any(doc.content_sentences for doc in documents):
        raise ClientError(
            "no article has any sentence to summarise (only page boilerplate was found)",
            field="articles",
        )
    raise_if_cancelled()
    with timed("grouping"):
        groups = group_sentences(documents)
    raise_if_cancelled()
    return Prepared(documents, groups)


def articles_key(articles: Sequence[ArticleInput]) -> str:
    """The digest of every field of every article, in order."""
    encoded = json.dumps([astuple(a) for a in articles], ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


class PreparedCache:
    """Prepared sets by key, least recently used dropped first past `max_chars` of article
    text. Thread-safe; nothing is built under its lock (two first requests for one set may
    both build it, and the last one is kept)."""

    def __init__(self) -> None:
        self.chars = 0
        self._entries: OrderedDict[str, tuple[int, Prepared]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Prepared | None:
        """The prepared set under `key`, now the most recently used, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, prepared: Prepared, chars: int, max_chars: int) -> None:
        """Keep `prepared` (`chars` of article text), dropping the oldest past `max_chars`."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.chars -= old[0]
            if chars > max_chars:
                return
            self._entries[key] = (chars, prepared)
            self.chars += chars
            while self.chars > max_chars:
                _, (dropped, _) = self._entries.popitem(last=False)
                self.chars -= dropped

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self.chars = 0


# Process-wide: every request of this process shares what an earlier one prepared.
PREPARED = PreparedCache()


def prepared_for(
    articles: Sequence[ArticleInput],
    settings: Settings,
    cache: PreparedCache = PREPARED,
) -> Prepared:
    """The articles prepared: from the cache when the same set was prepared before."""
    check_input_limits(articles, settings)
    if settings.prepared_cache_chars == 0:
        return prepare(articles, settings)
    key = articles_key(articles)
    prepared = cache.get(key)
    cache_lookup("prepared", hit=prepared is not None)
    if prepared is None:
        prepared = prepare(articles, settings)
        chars = sum(len(a.body) for a in articles)
        cache.put(key, prepared, chars, settings.prepared_cache_chars)
    return prepared
