"""Eval metrics on hand-made examples with exact expected numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from evals.metrics import (
    METRICS,
    CitedSentence,
    citation_quality,
    cost,
    fact_coverage,
    length,
    mean_by_metric,
    rouge,
    self_verification,
    verification_counts,
)
from evals.tasks import Fact
from service.api.schemas import CitationOut


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def supported_by_union(sentence: CitedSentence, citations: Sequence[CitationOut]) -> bool:
    """A fake judge: every word of the sentence appears in the cited spans together."""
    return words(sentence.text) <= set().union(*(words(c.text) for c in citations))


def covered_by_one(claim: str, summary: Sequence[str]) -> bool:
    """A fake judge: every word of the claim appears in one summary sentence."""
    return any(words(claim) <= words(s) for s in summary)


def test_rouge_counts_unigrams_bigrams_and_lcs() -> None:
    scores = rouge(["the cat lay on the mat"], ["the cat sat on the mat"])
    # 5 of 6 unigrams match, 3 of 5 bigrams, and the LCS "the cat on the mat" has 5 words.
    assert scores == pytest.approx({"rouge1": 5 / 6, "rouge2": 3 / 5, "rougeLsum": 5 / 6})


def test_rouge_stems_and_ignores_case_and_punctuation() -> None:
    scores = rouge(["Leaders AGREED, on minerals."], ["leader agrees on mineral"])
    assert scores["rouge1"] == pytest.approx(1.0)


def test_rouge_of_an_empty_summary_is_zero() -> None:
    assert rouge([], ["a reference sentence"]) == {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}


def test_fact_coverage_counts_a_fact_when_any_phrasing_is_supported() -> None:
    facts = [
        Fact("jet", "fighter jet with Britain", variants=("fighter jet with the UK",), core=True),
        Fact("space", "consultative body for space", core=True),
        Fact("trade", "trade at 11.6 billion"),
        Fact("oman", "flew from Oman"),
    ]
    summary = ["They build a fighter jet with the UK.", "Trade stands at 11.6 billion."]
    scores = fact_coverage(facts, summary, covered_by_one)
    assert scores == {"fact_coverage": 2 / 4, "core_fact_coverage": 1 / 2}


def test_fact_coverage_without_facts_does_not_apply() -> None:
    assert fact_coverage([], ["anything"], covered_by_one) == {}


def test_fact_coverage_without_core_facts_reports_only_the_total() -> None:
    assert fact_coverage([Fact("a", "alpha")], ["alpha"], covered_by_one) == {"fact_coverage": 1.0}


def test_self_verified_rate_is_the_share_the_verifier_kept() -> None:
    assert self_verification(drafted=8, dropped=2) == {"self_verified_rate": 0.75}
    assert self_verification(drafted=0, dropped=0) == {}


ARTICLE = "Alpha beta. Gamma delta."


def cite(start: int, end: int, text: str | None = None) -> CitationOut:
    return CitationOut(
        article_id="a",
        start=start,
        end=end,
        text=ARTICLE[start:end] if text is None else text,
        start_utf16=start,
        end_utf16=end,
    )


AB, GD = cite(0, 11), cite(12, 24)


def test_citation_recall_and_precision_follow_alce() -> None:
    sentences = [
        CitedSentence("alpha beta", (AB,)),  # supported; its only citation is needed
        CitedSentence("alpha gamma", (AB, GD)),  # needs both: each citation is precise
        CitedSentence("alpha beta", (AB, GD)),  # GD neither supports alone nor is needed
        CitedSentence("omega", (AB,)),  # unsupported: its citation is not precise
        CitedSentence("alpha", (cite(12, 17, "Alpha"),)),  # offsets do not match the text
    ]
    scores = citation_quality(sentences, {"a": ARTICLE}, supported_by_union)
    assert scores == {
        "invalid_citations": 1.0,
        "self_judged_citation_recall": 3 / 5,
        "self_judged_citation_precision": 4 / 7,
    }


def test_citations_to_unknown_articles_or_out_of_range_are_invalid() -> None:
    sentences = [
        CitedSentence(
            "alpha",
            (
                CitationOut(
                    article_id="zz", start=0, end=5, text="Alpha", start_utf16=0, end_utf16=5
                ),
            ),
        ),
        CitedSentence(
            "alpha",
            (
                CitationOut(
                    article_id="a", start=20, end=99, text="lta.", start_utf16=20, end_utf16=99
                ),
            ),
        ),
    ]
    scores = citation_quality(sentences, {"a": ARTICLE}, supported_by_union)
    assert scores == {
        "invalid_citations": 2.0,
        "self_judged_citation_recall": 0.0,
        "self_judged_citation_precision": 0.0,
    }


def test_a_sentence_without_citations_lowers_recall_only() -> None:
    scores = citation_quality([CitedSentence("alpha", ())], {"a": ARTICLE}, supported_by_union)
    assert scores == {"invalid_citations": 0.0, "self_judged_citation_recall": 0.0}


def test_counts_cost_and_length() -> None:
    assert verification_counts(dropped=2, repaired=1) == {"dropped": 2.0, "repaired": 1.0}
    assert cost(1, 900, 300, 0.25) == {
        "calls": 1.0,
        "prompt_tokens": 900.0,
        "completion_tokens": 300.0,
        "latency_s": 0.25,
    }
    assert length(["Japan's trade: $11.6 billion.", "Two words"]) == {
        "sentences": 2.0,
        "words": 6.0,
    }


def test_mean_by_metric_averages_only_where_present() -> None:
    rows = [{"rouge1": 0.5, "self_verified_rate": 1.0}, {"rouge1": 0.25}]
    assert mean_by_metric(rows) == {"rouge1": 0.375, "self_verified_rate": 1.0}


def test_every_metric_is_documented_with_a_direction() -> None:
    for name, spec in METRICS.items():
        assert spec.description, name
        assert spec.better in {"higher", "lower", "info"}


@pytest.mark.parametrize(
    ("metric", "before", "after", "regressed"),
    [
        ("rouge2", 0.30, 0.295, False),  # within 0.01
        ("rouge2", 0.30, 0.28, True),
        ("fact_coverage", 0.50, 0.49, True),  # no tolerance: one lost fact is a regression
        ("self_verified_rate", 1.0, 1.0, False),
        ("prompt_tokens", 1000, 1090, False),  # within 10 %
        ("prompt_tokens", 1000, 1200, True),
        ("latency_s", 0.2, 0.8, False),  # 0.5 s + 100 %: machines differ
        ("latency_s", 0.2, 1.0, True),
        ("words", 100, 10, False),  # informational, never gated
    ],
)
def test_tolerances(metric: str, before: float, after: float, regressed: bool) -> None:
    assert METRICS[metric].regressed(before, after) is regressed
