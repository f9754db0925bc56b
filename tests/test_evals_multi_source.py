"""The multi-source eval task: its labelled sets hold together, and its metrics count right."""

from __future__ import annotations

import pytest

from evals.adapter import SystemRun
from evals.metrics import (
    CitedSentence,
    conflict_matches,
    conflict_quality,
    corroboration,
    matched_fact,
    source_groups,
    states,
    syndication,
)
from evals.runner import multi_source_scores
from evals.tasks import ConflictSide, Example, Fact, LabelledConflict, load_task
from service.api.schemas import ArticleIn, CitationOut


def cite(article_id: str, text: str = "span") -> CitationOut:
    return CitationOut(
        article_id=article_id, start=0, end=len(text), text=text, start_utf16=0, end_utf16=len(text)
    )


def point(text: str, *articles: str, sources: int | None = None) -> CitedSentence:
    return CitedSentence(text, tuple(cite(a) for a in articles), sources=sources)


# --- keyword matching


def test_keywords_match_whole_words_case_insensitively_with_alternatives() -> None:
    assert states("At least 13 people were KILLED.", ["13", "killed|dead"])
    assert states("Six people died.", ["six|6", "died|killed"])
    assert not states("At least 113 people were killed.", ["13", "killed"])
    assert not states("12,000 people fled", ["2,000"])
    assert not states("a magnitude 6.8 quake", ["6"])
    assert not states("1,600 homes", ["1"])
    assert states("magnitude 6.8.", ["6.8"])
    # A phrase matches across any run of spaces, and all keywords must be there.
    assert states("it knew of no\n injuries", ["no injuries"])
    assert not states("13 people were injured", ["13", "killed"])
    assert not states("anything", [])


def test_the_most_specific_matching_fact_wins() -> None:
    general = Fact("toll", "people were killed", keywords=("killed",))
    specific = Fact("toll_13", "13 were killed", keywords=("13", "killed"))
    assert matched_fact("13 people were killed", [general, specific]) is specific
    assert matched_fact("people were killed", [general, specific]) is general
    assert matched_fact("the bridge fell", [general, specific]) is None


# --- corroboration

FACTS = (
    Fact("toll", "13 killed", keywords=("13", "killed"), sources=("wire", "copy", "herald")),
    Fact("magnitude", "magnitude 6.8", keywords=("6.8",), sources=("wire", "copy", "radio")),
)
IDS = ["wire", "copy", "herald", "radio"]
GROUPS = source_groups(IDS, [["wire", "copy"]])


def test_source_groups_put_copies_together() -> None:
    assert GROUPS == {"wire": "wire", "copy": "wire", "herald": "herald", "radio": "radio"}


def test_corroboration_counts_cited_articles_and_cited_groups() -> None:
    points = [
        # States the toll; cites the copy (its group counts) and radio, which does not state it.
        point("13 people were killed", "copy", "radio", sources=2),
        # States the magnitude; cites every group that states it.
        point("The quake had magnitude 6.8", "wire", "radio", sources=2),
        # States no labelled fact: left out of precision and recall.
        point("Schools closed", "herald", sources=1),
    ]
    scores = corroboration(points, FACTS, GROUPS)
    assert scores["points_matched"] == pytest.approx(2 / 3)
    # Cited articles: copy (right), radio (wrong), wire (right), radio (right).
    assert scores["corroboration_precision"] == pytest.approx(3 / 4)
    # Groups stating the toll: wire, herald (wire's cited via the copy); magnitude: wire, radio.
    assert scores["corroboration_recall"] == pytest.approx(3 / 4)
    assert scores["sources_exact"] == 1.0


def test_a_copy_counted_as_a_second_source_is_not_exact() -> None:
    scores = corroboration(
        [point("13 people were killed", "wire", "copy", sources=2)], FACTS, GROUPS
    )
    assert scores["corroboration_precision"] == 1.0
    assert scores["corroboration_recall"] == pytest.approx(1 / 2)
    assert scores["sources_exact"] == 0.0


def test_corroboration_does_not_apply_without_labelled_facts_or_points() -> None:
    assert corroboration([], FACTS, GROUPS) == {}
    assert corroboration([point("13 killed", "wire")], (Fact("x", "x"),), GROUPS) == {}


# --- conflicts

TOLL = LabelledConflict(
    "toll",
    "how many were killed",
    (ConflictSide(("wire", "copy"), ("13",)), ConflictSide(("herald",), ("30",))),
)
DAY = LabelledConflict(
    "day",
    "when",
    (ConflictSide(("wire", "copy"), ("tuesday",)), ConflictSide(("radio",), ("monday",))),
)


def test_a_reported_conflict_matches_when_each_claim_states_a_side_from_its_articles() -> None:
    right = (point("13 were killed", "wire"), point("30 were killed", "herald"))
    assert conflict_matches(right, TOLL)
    # The same side twice is no disagreement.
    assert not conflict_matches((point("13 killed", "wire"), point("13 killed", "copy")), TOLL)
    # A claim cited from an article of the other side does not match.
    assert not conflict_matches((point("13 killed", "wire"), point("30 killed", "radio")), TOLL)
    # Nor a claim whose text does not state its side.
    assert not conflict_matches((point("13 killed", "wire"), point("many killed", "herald")), TOLL)
    # Citing also an article outside the side spoils the claim.
    assert not conflict_matches(
        (point("13 killed", "wire", "herald"), point("30 killed", "herald")), TOLL
    )


def test_conflict_precision_and_recall_with_a_wrong_and_a_repeated_report() -> None:
    right = (point("13 were killed", "wire"), point("30 were killed", "herald"))
    again = (point("13 were killed", "copy"), point("30 were killed", "herald"))
    wrong = (point("13 were killed", "wire"), point("6.8 magnitude", "radio"))
    scores = conflict_quality([right, again, wrong], [TOLL, DAY])
    # The repeat tells the same disagreement again: one of three reports is right.
    assert scores["conflict_precision"] == pytest.approx(1 / 3)
    assert scores["conflict_recall"] == pytest.approx(1 / 2)
    assert scores["conflicts_reported"] == 3.0


def test_no_report_where_none_is_labelled_leaves_both_ratios_out() -> None:
    assert conflict_quality([], []) == {"conflicts_reported": 0.0}
    assert conflict_quality([], [TOLL]) == {"conflicts_reported": 0.0, "conflict_recall": 0.0}
    false_alarm = (point("13 were killed", "wire"), point("30 were killed", "herald"))
    assert conflict_quality([false_alarm], [])["conflict_precision"] == 0.0


# --- syndication


def test_duplicates_must_name_exactly_the_other_members_of_each_group() -> None:
    groups = [["a", "b", "c"]]
    ids = ["a", "b", "c", "d"]
    exact = {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]}
    assert syndication(exact, ids, groups) == {"duplicates_exact": 1.0}
    assert syndication({**exact, "c": ["a"]}, ids, groups) == {"duplicates_exact": 0.0}
    assert syndication({**exact, "d": ["a"]}, ids, groups) == {"duplicates_exact": 0.0}
    assert syndication({}, ["a", "b"], []) == {"duplicates_exact": 1.0}
    assert syndication({}, ids, groups) == {"duplicates_exact": 0.0}


def test_the_runner_scores_conflicts_only_for_a_system_that_reports_them() -> None:
    example = Example(
        id="x",
        articles=tuple(ArticleIn(id=i, text=f"{i} text.") for i in IDS),
        reference=(),
        facts=FACTS,
        syndication=(("wire", "copy"),),
        conflicts=(TOLL,),
        multi_source=True,
    )
    points = [point("13 people were killed", "wire", "herald", sources=2)]
    baseline = SystemRun(sentences=[], summary=[], drafted=1, dropped=0, key_points=points)
    assert set(multi_source_scores(baseline, example)) == {
        "points_matched",
        "corroboration_precision",
        "corroboration_recall",
        "sources_exact",
    }
    ours = SystemRun(
        sentences=[],
        summary=[],
        drafted=1,
        dropped=0,
        key_points=points,
        conflicts=[],
        duplicates_of={"wire": ["copy"], "copy": ["wire"]},
    )
    scores = multi_source_scores(ours, example)
    assert scores["conflict_recall"] == 0.0
    assert scores["duplicates_exact"] == 1.0


# --- the labelled sets


@pytest.fixture(scope="module")
def examples() -> tuple[Example, ...]:
    return load_task("multi_source").examples


def test_there_are_at_least_twenty_varied_sets_of_three_to_six_articles(
    examples: tuple[Example, ...],
) -> None:
    assert len(examples) >= 20
    assert len({e.id for e in examples}) == len(examples)
    for example in examples:
        assert 3 <= len(example.articles) <= 6, example.id
        assert example.multi_source
    # Most sets have wire copies and most have a labelled disagreement; some have none.
    assert sum(bool(e.syndication) for e in examples) >= 0.8 * len(examples)
    assert sum(bool(e.conflicts) for e in examples) >= 0.8 * len(examples)
    assert any(not e.conflicts for e in examples)


def test_every_label_names_articles_of_its_set_that_contain_its_keywords(
    examples: tuple[Example, ...],
) -> None:
    for example in examples:
        texts = {a.id: a.text or "" for a in example.articles}
        grouped = [m for group in example.syndication for m in group]
        assert len(grouped) == len(set(grouped)), example.id
        assert set(grouped) <= set(texts), example.id
        for fact in example.facts:
            assert fact.keywords and fact.sources, (example.id, fact.id)
            for article in fact.sources:
                assert states(texts[article], fact.keywords), (example.id, fact.id, article)
        for conflict in example.conflicts:
            assert len(conflict.sides) >= 2, (example.id, conflict.id)
            sides = [set(side.articles) for side in conflict.sides]
            assert not set.intersection(*sides), (example.id, conflict.id)
            for side in conflict.sides:
                for article in side.articles:
                    assert states(texts[article], side.keywords), (example.id, conflict.id)
            # A disagreement is between independent sources, never inside one wire story.
            groups = source_groups(list(texts), example.syndication)
            roots = [{groups[a] for a in side.articles} for side in conflict.sides]
            assert not set.intersection(*roots), (example.id, conflict.id)


def test_the_sets_are_not_about_the_seed_event(examples: tuple[Example, ...]) -> None:
    for example in examples:
        text = " ".join(a.text or "" for a in example.articles)
        assert "Takaichi" not in text and "Meloni" not in text, example.id
