"""The seed task's golden data holds up under the service's own verifier."""

from __future__ import annotations

import pytest

from evals.adapter import Sources, covers, load_sources
from evals.tasks import Example, load_task
from service.config import Settings
from service.verify import Claim


@pytest.fixture(scope="module")
def example() -> Example:
    (only,) = load_task("seed_summit").examples
    return only


@pytest.fixture(scope="module")
def sources(example: Example) -> Sources:
    return load_sources(example.articles, Settings())


def content_of(sources: Sources, article_id: str) -> list[str]:
    (doc,) = [d for d in sources.documents if d.id == article_id]
    return [s.text for s in doc.content_sentences]


def test_every_golden_sentence_is_supported_by_the_articles(
    example: Example, sources: Sources
) -> None:
    for sentence in example.reference:
        verdict = sources.verifier.verify(Claim(text=sentence))
        assert verdict.supported, (sentence, verdict.reasons)


def test_the_golden_summary_covers_every_core_fact(example: Example) -> None:
    summary = list(example.reference)
    missed = [
        f.id for f in example.facts if f.core and not any(covers(p, summary) for p in f.phrasings)
    ]
    assert missed == []


def test_every_fact_and_contested_claim_is_stated_by_a_source_it_names(
    example: Example, sources: Sources
) -> None:
    # Which articles state a fact is a human judgement; the verifier, being lexical, must at
    # least find each fact (some wording of it) in one of them.
    unfound = [
        fact.id
        for fact in example.facts
        if not any(covers(p, content_of(sources, a)) for a in fact.sources for p in fact.phrasings)
    ]
    unfound += [
        claim.text
        for contested in example.contested
        for claim in contested.claims
        if not any(covers(claim.text, content_of(sources, a)) for a in claim.sources)
    ]
    assert unfound == []


def test_coverage_credits_a_source_sentence_and_nothing_it_does_not_say(
    sources: Sources, example: Example
) -> None:
    (upgrade,) = [s for s in content_of(sources, example.articles[1].id) if "upgraded" in s]
    covered = {f.id for f in example.facts if any(covers(p, [upgrade]) for p in f.phrasings)}
    assert "partnership_upgrade" in covered
    assert not covered & {"trade_volume", "from_oman", "fighter_jet_2035", "ukraine"}
