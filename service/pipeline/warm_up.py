"""Start-up work: what every request needs, loaded before a server takes traffic, and the
garbage collector set for a long-lived process."""

from __future__ import annotations

import gc

from service.config import Settings
from service.domain import ArticleInput
from service.pipeline.prepared import prepare
from service.text.token_count import count_tokens
from service.verify.types import Claim

# Allocations between two young collections in a started server (CPython's default: 700).
GC_YOUNG_THRESHOLD = 10_000

# Two made-up articles for `warm_up`: ordinary news prose that reaches the stages with
# something to load (numbers, a date, a quotation, a hedge, a negation, a status verb).
_WARM_UP_ARTICLES = (
    ArticleInput(
        id="warm-up-a",
        body=(
            "The city council approved a budget of 4.2 million dollars on Tuesday. "
            '"We did not expect it to pass," a spokesperson said. '
            "The vote may be challenged, officials added."
        ),
    ),
    ArticleInput(
        id="warm-up-b",
        body=(
            "On Tuesday the council approved a 4.2 million dollar budget. "
            "A second vote was postponed until March."
        ),
    ),
)


def warm_up(settings: Settings) -> None:
    """Load once, before a server takes traffic, what the first request would otherwise pay
    for: the token encoding (about 300 ms: read and hash-checked), the lexical tables and the
    calibration, by ingesting, grouping and verifying two made-up articles; then set the
    garbage collector for a server's life (what was loaded frozen, young collections rarer)."""
    count_tokens(_WARM_UP_ARTICLES[0].body)
    prepared = prepare(_WARM_UP_ARTICLES, settings)
    prepared.verifier.verify(Claim(text="The council approved a budget of 4.2 million dollars."))
    # What is loaded now lives as long as the process: out of the collector's sight, so that
    # its full collections, which a large set's millions of objects set off, no longer walk
    # the tables too (a 30-times-the-seeds set: index 1.31 -> 0.98 s, grouping 0.74 -> 0.63 s).
    gc.freeze()
    # And collections a tenth as often: the pipeline makes few reference cycles (reference
    # counting frees the rest at once), while an index of a large set allocates millions of
    # objects, each 700 of which set off a young collection (index 0.88 -> 0.73 s more).
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
