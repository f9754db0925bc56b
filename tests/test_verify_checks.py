"""The verifier's checks one by one: each returns typed, immutable findings."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.verify.analysis import TextFacts, analyse
from service.verify.checks import (
    dropped_hedges,
    first_person_without_speaker,
    unlinked_connectives,
)
from service.verify.findings import Finding
from service.verify.index import SourceIndex, Unit
from service.verify.support import (
    Pool,
    Support,
    check_negation,
    check_numbers,
    check_polar_words,
    check_support,
    cover,
    weighted_coverage,
)
from tests.test_verify import make_document


def _index(*texts: str) -> SourceIndex:
    return SourceIndex([make_document(f"a{i}", t) for i, t in enumerate(texts)])


def _claim(index: SourceIndex, text: str) -> TextFacts:
    return analyse(text, index.known_names, index.vocabulary)


def _units(index: SourceIndex) -> list[Unit]:
    return list(index.units)


def test_a_changed_number_is_a_contradiction_a_missing_one_an_omission() -> None:
    changed = _index("The plant employs 200 people.")
    found = check_numbers(
        changed, _claim(changed, "The plant employs 300 people."), Pool.of(_units(changed))
    )
    assert found.findings == (Finding("number", "300 not in cited spans", omission=False),)
    assert found.unsupported == ("300",)
    absent = _index("The plant employs many people.")
    found = check_numbers(
        absent, _claim(absent, "The plant employs 300 people."), Pool.of(_units(absent))
    )
    assert found.findings == (Finding("number", "300 not in cited spans", omission=True),)


@pytest.mark.parametrize(
    ("source", "claim", "unsupported"),
    [
        # Each number is stated, but not as this score.
        (
            "Rovers won 3-1 at home, then lost 4-2 away to the 1st placed side.",
            "Rovers won 1-4.",
            ("1-4",),
        ),
        ("Rovers won 3-1 at home after a 2-0 defeat.", "Rovers won 3-2 at home.", ("3-2",)),
        # The same score either way round, and in another dash.
        ("Rovers won 3-1 at home.", "Rovers won 3\u20131 at home.", ()),
        ("Rovers won 3-1 at home.", "Rovers lost 1-3 away.", ()),
        # Sentences with no such pair leave the numbers to be checked one by one.
        ("The survey asked people aged 18 to 24.", "The survey asked people aged 18-24.", ()),
    ],
)
def test_a_score_must_be_one_the_sentences_give(
    source: str, claim: str, unsupported: tuple[str, ...]
) -> None:
    index = _index(source)
    found = check_numbers(index, _claim(index, claim), Pool.of(_units(index)))
    assert found.unsupported == unsupported


def test_a_negation_the_sources_lack_is_found() -> None:
    index = _index("The council approved the housing plan on Tuesday.")
    claim = _claim(index, "The council did not approve the housing plan on Tuesday.")
    kinds = {f.kind for f in check_negation(claim, Pool.of(_units(index)))}
    assert kinds == {"negation"}


def _negation_kinds(source: str, claim: str) -> set[str]:
    index = _index(source)
    return {f.kind for f in check_negation(_claim(index, claim), Pool.of(_units(index)))}


@pytest.mark.parametrize(
    ("source", "claim"),
    [
        # "unable to" negates the verb after it, as "failed to" does.
        (
            "Medics were unable to revive the climber, who was declared dead on the ridge.",
            "The climber could not be revived and was declared dead on the ridge.",
        ),
        # The negated word's antonym: "not experienced" is what "inexperienced" says.
        (
            "Her brother is an inexperienced pilot but flew the glider alone.",
            "Her brother is not an experienced pilot but flew the glider alone.",
        ),
        # The sources negate the same verb; the rest of the scope is theirs to reach.
        (
            "The driver pleaded not guilty to three charges of insurance fraud on Monday.",
            "The driver pleaded not guilty to three fraud charges on Monday.",
        ),
        # "No more than" makes a bound, not a negation.
        (
            "A survey found that at most 30 per cent of the members attended.",
            "A survey found that no more than 30 per cent of the members attended.",
        ),
    ],
)
def test_a_negation_said_in_other_words_is_no_flip(source: str, claim: str) -> None:
    assert "negation" not in _negation_kinds(source, claim)


@pytest.mark.parametrize(
    ("source", "claim"),
    [
        # "unable to revive" is a negation the claim drops.
        (
            "Medics were unable to revive the climber on the ridge.",
            "Medics revived the climber on the ridge.",
        ),
        # An antonym does not excuse the negation where the sources state the word itself.
        (
            "The home side won the final and the visitors lost the replay.",
            "The home side did not win the final.",
        ),
    ],
)
def test_a_negation_flip_is_still_found(source: str, claim: str) -> None:
    assert "negation" in _negation_kinds(source, claim)


def test_bounds_and_additions_are_not_negation_scopes() -> None:
    assert (
        analyse(
            "no more than 30 per cent of members voted", frozenset(), frozenset()
        ).negation_scopes
        == []
    )
    assert analyse("not only the mayor resigned", frozenset(), frozenset()).negation_scopes == []
    assert analyse("the mayor did not resign", frozenset(), frozenset()).negation_scopes


def _polar_kinds(source: str, claim: str) -> set[str]:
    index = _index(source)
    return {f.kind for f in check_polar_words(_claim(index, claim), Pool.of(_units(index)))}


@pytest.mark.parametrize(
    ("source", "claim", "found"),
    [
        # The preposition against the preposition, and the adverb against the adverb.
        ("The ferry left before the storm.", "The ferry left after the storm.", True),
        ("The ferry left shortly before.", "The ferry left shortly after.", True),
        # "before" ending a clause means "previously": no opposite of "after the storm".
        (
            "The ferry had never left late before, the operator said.",
            "The ferry left late after the storm.",
            False,
        ),
        ("The ferry came first in the race.", "The ferry came last in the race.", True),
    ],
)
def test_polar_words_are_opposed_as_they_are_used(source: str, claim: str, found: bool) -> None:
    assert ("polarity" in _polar_kinds(source, claim)) is found


def test_a_dropped_hedge_is_found() -> None:
    index = _index("The bridge could reopen to traffic in May.")
    findings = dropped_hedges(
        _claim(index, "The bridge will reopen to traffic in May."), _units(index)
    )
    assert {f.kind for f in findings} == {"hedge"}
    assert any("'reopen'" in f.reason for f in findings)


def test_a_link_no_source_makes_is_found() -> None:
    index = _index("The mayor resigned on Friday.", "The river flooded the town centre.")
    claim = _claim(index, "The mayor resigned after the river flooded the town centre.")
    findings = unlinked_connectives(claim, _units(index))
    assert [f.kind for f in findings] == ["link"]
    assert "'after'" in findings[0].reason


def test_first_person_outside_quotes_is_found() -> None:
    index = _index("The coach said the team would win the match.")
    findings = first_person_without_speaker(_claim(index, "We will win the match."))
    assert [f.kind for f in findings] == ["first_person"]
    assert first_person_without_speaker(_claim(index, "The team will win the match.")) == ()


def test_findings_and_support_are_immutable() -> None:
    index = _index("The plant employs 200 people.")
    support = check_support(index, _claim(index, "The plant employs 300 people."), [0], frozenset())
    assert isinstance(support, Support)
    assert support.findings and all(isinstance(f, Finding) for f in support.findings)
    assert support.features.failures == float(len(support.findings))
    with pytest.raises(dataclasses.FrozenInstanceError):
        support.findings[0].reason = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        support.features.coverage = 1.0  # type: ignore[misc]


# Words that exercise every way a claim word counts as stated: the sentence's own word, a
# synonym or more specific word, another part of a name, a descriptor the sources give.
_VOCABULARY = (
    "Mayor Ilse Varnholt the mayor council approved endorsed backed rejected a new tram plan "
    "scheme budget vehicle car bought purchased leaders president premier city of Norhaven "
    "on Tuesday 240 million euros not said"
).split()
_SENTENCES = st.lists(st.sampled_from(_VOCABULARY), min_size=2, max_size=14).map(
    lambda words: " ".join(words) + "."
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SENTENCES, min_size=1, max_size=4), _SENTENCES)
def test_what_coverage_measures_is_what_check_support_measures(
    sources: list[str], claim_text: str
) -> None:
    # The verifier rules out corroborating sentences by the weighted coverage, and ranks
    # candidate sentences (alone and stitched) by `rank`, before it runs the checks: each
    # must be the checks' own measure exactly, or it would drop sentences they pass.
    index = _index(*sources)
    claim = _claim(index, claim_text)
    ids = [u.index for u in index.units]
    for units in [*([i] for i in ids), ids]:
        coverage = cover(index, claim, units)
        support = check_support(index, claim, units, frozenset())
        measured = support.features
        assert weighted_coverage(index, claim, units) == measured.weighted_coverage
        assert coverage.rank == (measured.match, measured.trigram_coverage)
        assert coverage.uncovered == support.uncovered
        assert check_support(index, claim, units, frozenset(), coverage) == support
