"""The labelled syndication pairs grouping is calibrated on, and the calibration's fit."""

from __future__ import annotations

import random
from dataclasses import replace

from evals.grouping_pairs import (
    GRID,
    UNSCORED,
    Counts,
    Request,
    build_requests,
    calibrations,
    fit,
    load_articles,
    reword,
    score_groups,
)
from service.domain import SentenceGroup, SourceGroups


def _requests() -> list[Request]:
    return build_requests(load_articles()[:4])


def test_the_set_is_deterministic_and_never_uses_the_seeds() -> None:
    first, second = _requests(), _requests()
    assert [r.labels for r in first] == [r.labels for r in second]
    for request in first:
        original, copy, related = request.documents
        assert copy.id == f"{original.id}-copy" and related.id.endswith("-related")
        assert "Takaichi" not in original.text + copy.text + related.text


def test_a_copy_is_mostly_its_originals_sentences_and_the_related_article_is_not() -> None:
    for request in _requests():
        original, copy, related = request.documents
        mine = {request.labels[(original.id, s.index)] for s in original.content_sentences}
        copied = [request.labels[(copy.id, s.index)] for s in copy.content_sentences]
        shared = [label for label in copied if label in mine]
        assert len(shared) >= 0.5 * len(copied)
        theirs = [request.labels[(related.id, s.index)] for s in related.content_sentences]
        assert sum(label in mine for label in theirs) <= 1  # at most the borrowed sentence


def test_rewording_keeps_a_sentence_recognisable_but_changes_it() -> None:
    text = "The council said on Monday that it will finalise the new harbour budget, he said."
    changed = {reword(text, random.Random(seed)) for seed in range(20)}
    assert len(changed) > 5
    assert all("harbour" in c or "harbor" in c for c in changed)


def _grouped_by_label(request: Request) -> SourceGroups:
    by_label: dict[str, SentenceGroup] = {}
    for document in request.documents:
        for s in document.content_sentences:
            label = request.labels[(s.article_id, s.index)]
            key = label if label != UNSCORED else f"{UNSCORED}:{s.article_id}:{s.index}"
            by_label.setdefault(key, SentenceGroup(id=key, members=[])).members.append(s)
    original, copy, _ = request.documents
    return SourceGroups(
        groups=list(by_label.values()),
        duplicates_of={original.id: [copy.id], copy.id: [original.id]},
    )


def test_pair_scores_are_perfect_for_the_labels_and_miss_everything_for_singletons() -> None:
    for request in _requests():
        perfect = score_groups(request, _grouped_by_label(request)).metrics()
        assert perfect == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "copies_exact": 1.0}
        singletons = SourceGroups(
            groups=[
                SentenceGroup(id=f"{s.article_id}:{s.index}", members=[s])
                for d in request.documents
                for s in d.content_sentences
            ]
        )
        counts = score_groups(request, singletons)
        assert counts.tp == 0 and counts.fp == 0 and counts.fn > 0


def test_the_fit_takes_the_middle_of_the_plateau_of_fewest_errors() -> None:
    # Errors fall to 10 for an overlap bar from 0.35 to 0.50 and rise outside it.
    table = {}
    for calibration in calibrations():
        errors = 10 if 0.35 <= calibration.overlap <= 0.50 else 30
        errors += 0 if calibration.copy_overlap == 0.25 else 5
        errors += 0 if calibration.fuzzy_ratio == 90.0 else 5
        errors += 0 if calibration.same_article_overlap == 0.7 else 5
        table[calibration] = [Counts(tp=100, fp=errors, requests=1)]
    chosen = fit(table, [0])
    best = replace(calibrations()[0], overlap=0.425, copy_overlap=0.25, fuzzy_ratio=90.0)
    assert chosen == replace(best, same_article_overlap=0.7)
    assert set(GRID) == {"fuzzy_ratio", "overlap", "copy_overlap", "same_article_overlap"}
