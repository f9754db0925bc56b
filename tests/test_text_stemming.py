"""One stemmer: Snowball's, shared by the verifier's word keys and grouping's content words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import ArticleInput
from service.ingest.grouping import score_request
from service.ingest.segment import ingest_article
from service.text.normalize import word_key
from service.text.stemming import _BRITISH, american_spelling, stem


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


def _every_rule(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


# Every ending a rule rewrites, generated from the rule's own pattern (its lookbehind cut off),
# and endings no rule rewrites.
_RULE_ENDINGS = st.one_of(
    *(st.from_regex(p.pattern.split(")", 1)[1].rstrip("$"), fullmatch=True) for p, _ in _BRITISH)
)
_ENDINGS = st.one_of(_RULE_ENDINGS, st.sampled_from(["", "ize", "or", "ense", "er", "ation"]))


@settings(max_examples=500)
@given(stem_part=st.text(alphabet="abcdeimnorstu", max_size=7), ending=_ENDINGS)
def test_the_fold_is_every_rule_applied_in_turn(stem_part: str, ending: str) -> None:
    word = stem_part + ending
    american_spelling.cache_clear()
    assert american_spelling(word) == _every_rule(word)
