"""One stemmer: Snowball's, shared by the verifier's word keys and grouping's content words."""

from __future__ import annotations

from service.domain import ArticleInput
from service.ingest.grouping import score_request
from service.ingest.segment import ingest_article
from service.text.normalize import word_key
from service.text.stemming import american_spelling, stem


def test_stem_is_snowball() -> None:
    assert stem("cooperation") == stem("cooperating") == stem("cooperated") == "cooper"
    assert stem("agencies") == stem("agency")


def test_british_spellings_fold_onto_american_ones() -> None:
    assert american_spelling("organised") == "organized"
    assert american_spelling("defence") == "defense"
    assert american_spelling("programmes") == "programs"


def test_the_verifier_keys_words_by_the_shared_stem() -> None:
    for word in ("harbours", "inspections", "reopening"):
        assert word_key(word) == stem(american_spelling(word))


def test_grouping_compares_words_by_the_same_stem() -> None:
    document = ingest_article(
        ArticleInput(id="a", body="Cooperating harbours organised cooperation with harbors.")
    )
    (unit,) = score_request([document]).units
    expected = {stem(american_spelling(w)) for w in ("cooperating", "harbours", "organised")}
    assert unit.features.words == expected
