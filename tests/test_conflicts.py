"""Facts independent sources disagree on: found, cited from each side, never between copies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.domain import SourceGroups
from service.verify.conflicts import independent_groups

QUAKE_A = (
    "A magnitude 6.8 earthquake struck the coastal province early on Tuesday. "
    "Officials said 13 people were killed in the quake, most of them in collapsed homes. "
    "Rescue teams searched the rubble through the night as aftershocks shook the region. "
    "The national weather agency lifted its tsunami warning two hours after the quake."
)
QUAKE_B = (
    "Rescuers dug through collapsed buildings on Tuesday after a strong earthquake hit the "
    "coastal province. Local authorities said 30 people were killed in the quake. "
    "Hospitals in the provincial capital were treating dozens of injured residents. "
    "Power was restored to most of the province by the evening."
)
QUAKE_AGREES = (
    "An earthquake shook the coastal province on Tuesday. "
    "Officials said 13 people were killed in the quake. "
    "Schools in the province will stay closed for the rest of the week."
)
TREATY_A = (
    "The two foreign ministers met in the capital on Monday to discuss the border dispute. "
    "The ministers announced a joint declaration on fishing rights after the meeting. "
    "Both sides said talks on the remaining issues would resume next month."
)
TREATY_B = (
    "Talks between the two neighbours on their border dispute continued on Monday. "
    "Diplomats said the governments were preparing a joint declaration on fishing rights. "
    "A final agreement on the disputed islands is not expected this year."
)


def _summarize(*texts: str) -> dict[str, Any]:
    client = TestClient(create_app(Settings()))
    articles = [{"id": f"outlet{i}", "text": t} for i, t in enumerate(texts)]
    response = client.post("/summarize", json={"articles": articles})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _assert_grounded_conflicts(result: dict[str, Any]) -> None:
    texts = {a["id"]: a["text"] for a in result["articles"]}
    for conflict in result["summary"]["conflicts"]:
        assert len(conflict["claims"]) >= 2
        outlets = set()
        for claim in conflict["claims"]:
            assert claim["citations"]
            for c in claim["citations"]:
                assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]
                outlets.add(c["article_id"])
        assert len(outlets) >= 2


def test_two_outlets_with_different_death_tolls_conflict_with_both_spans() -> None:
    result = _summarize(QUAKE_A, QUAKE_B)
    conflicts = result["summary"]["conflicts"]
    assert len(conflicts) == 1, conflicts
    (conflict,) = conflicts
    assert "13" in conflict["about"] and "30" in conflict["about"]
    cited = {c["text"] for claim in conflict["claims"] for c in claim["citations"]}
    assert (
        "Officials said 13 people were killed in the quake, most of them in collapsed homes."
        in (cited)
    )
    assert "Local authorities said 30 people were killed in the quake." in cited
    _assert_grounded_conflicts(result)


def test_two_outlets_that_agree_give_no_conflict() -> None:
    assert _summarize(QUAKE_A, QUAKE_AGREES)["summary"]["conflicts"] == []


def test_announced_against_being_prepared_is_a_conflict_of_status() -> None:
    result = _summarize(TREATY_A, TREATY_B)
    (conflict,) = result["summary"]["conflicts"]
    assert "announced" in conflict["about"] and "preparing" in conflict["about"]
    _assert_grounded_conflicts(result)


def test_a_copy_with_a_changed_number_is_one_source_not_a_conflict() -> None:
    copy = QUAKE_A.replace("13 people", "14 people") + " Copyright 2026 Wire Service."
    result = _summarize(QUAKE_A, copy)
    duplicates = {a["id"]: a["duplicates_of"] for a in result["articles"]}
    assert duplicates["outlet1"] == ["outlet0"], duplicates
    assert result["summary"]["conflicts"] == []


def test_independent_groups_follow_the_syndication_links() -> None:
    groups = SourceGroups(groups=[], duplicates_of={"b": ["a"], "a": ["b"], "d": ["c"]})
    sources = independent_groups(["a", "b", "c", "d", "e"], groups)
    assert sources["a"] == sources["b"]
    assert sources["c"] == sources["d"]
    assert len(set(sources.values())) == 3


def test_conflicts_are_an_empty_list_when_there_is_one_article() -> None:
    assert _summarize(QUAKE_A)["summary"]["conflicts"] == []
