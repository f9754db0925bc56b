"""Facts independent sources disagree on: found, cited from each side, never between copies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from devtools.fake_openai_server import CheckerAnswer, serve_in_thread
from devtools.fake_openai_server import create_app as create_mock_server
from service.api.app import create_app
from service.api.mapping import summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest, SummarizeResponse
from service.config import Settings
from service.domain import SourceGroups
from service.drafting.drafts import DraftConflict, SummaryDraft
from service.verify.conflicts import independent_groups
from tests.test_checker_stage import checker_at, checker_server
from tests.test_pipeline import ScriptedModel, _sentence

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

QUAKE_SOURCES = "\n".join(
    [
        "<source_sentences>",
        *(f"[A] {s}." for s in QUAKE_A.rstrip(".").split(". ")),
        *(f"[B] {s}." for s in QUAKE_B.rstrip(".").split(". ")),
        "</source_sentences>",
    ]
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


# --- conflicts a model reports: verified like any sentence ---------------------------------

TOLL_A = "Officials said 13 people were killed in the quake, most of them in collapsed homes."
TOLL_B = "Local authorities said 30 people were killed in the quake."
STRUCK = "A magnitude 6.8 earthquake struck the coastal province early on Tuesday."
SEARCH = "Rescue teams searched the rubble through the night as aftershocks shook the region."


def _draft(conflicts: list[DraftConflict]) -> SummaryDraft:
    return SummaryDraft(
        headline=_sentence(STRUCK, "outlet0", STRUCK),
        key_points=[_sentence(SEARCH, "outlet0", SEARCH)],
        conflicts=conflicts,
    )


async def _summarize_with(draft: SummaryDraft, *texts: str) -> SummarizeResponse:
    request = SummarizeRequest(
        articles=[
            ArticleIn.model_validate({"id": f"outlet{i}", "text": t}) for i, t in enumerate(texts)
        ],
        options={"repair": False},
    )
    return await summarize_request(request, model=ScriptedModel(draft), settings=Settings())


async def test_a_conflict_the_model_reports_is_verified_and_kept_once() -> None:
    reported = DraftConflict(
        about="the death toll",
        claims=[_sentence(TOLL_A, "outlet0", TOLL_A), _sentence(TOLL_B, "outlet1", TOLL_B)],
    )
    response = await _summarize_with(_draft([reported]), QUAKE_A, QUAKE_B)
    assert not response.run.fallback
    (conflict,) = response.summary.conflicts  # the sources' own finding is the same one
    assert conflict.about == "the death toll"
    assert [c.text for claim in conflict.claims for c in claim.citations] == [TOLL_A, TOLL_B]
    assert response.verification.checked == response.verification.passed + len(
        response.verification.dropped
    )


async def test_a_reported_conflict_with_an_unsupported_side_is_dropped_and_said() -> None:
    invented = "Local authorities said 300 people were killed in the quake."
    reported = DraftConflict(
        about="the death toll",
        claims=[_sentence(TOLL_A, "outlet0", TOLL_A), _sentence(invented, "outlet1", TOLL_B)],
    )
    response = await _summarize_with(_draft([reported]), QUAKE_A, QUAKE_B)
    dropped = {d.field: d.text for d in response.verification.dropped}
    assert dropped == {"conflicts[0].claims[1]": invented}
    # What the sources show is still reported; the invented side never is.
    (conflict,) = response.summary.conflicts
    assert invented not in {claim.text for claim in conflict.claims}


async def test_a_reported_conflict_between_a_story_and_its_copy_is_not_kept() -> None:
    copy = QUAKE_A + " Copyright 2026 Wire Service."
    reported = DraftConflict(
        about="the search",
        claims=[_sentence(SEARCH, "outlet0", SEARCH), _sentence(SEARCH, "outlet1", SEARCH)],
    )
    response = await _summarize_with(_draft([reported]), QUAKE_A, copy)
    assert not response.run.fallback
    assert response.verification.dropped == []  # both sides verify: they are one source
    assert response.summary.conflicts == []


async def test_one_passage_in_two_independent_articles_is_no_conflict() -> None:
    # The same sentence stands in two otherwise different reports: it agrees with itself
    # (its citations span both articles, so the sides share their sources).
    other = QUAKE_B + " " + SEARCH
    reported = DraftConflict(
        about="the search",
        claims=[_sentence(SEARCH, "outlet0", SEARCH), _sentence(SEARCH, "outlet1", SEARCH)],
    )
    response = await _summarize_with(_draft([reported]), QUAKE_A, other)
    assert response.verification.dropped == []
    assert "the search" not in {c.about for c in response.summary.conflicts}


async def test_an_approving_checker_never_brings_back_a_conflict_side() -> None:
    """A side the rules refuse stays refused whatever the checker says: it has no place in
    the summary but its conflict, which needs every side."""
    # Words no source states, which only a checker could accept (a soft rejection).
    invented = "Local authorities said 30 people were killed in the quake, mostly children."
    reported = DraftConflict(
        about="the death toll",
        claims=[_sentence(TOLL_A, "outlet0", TOLL_A), _sentence(invented, "outlet1", TOLL_B)],
    )
    request = SummarizeRequest(
        articles=[
            ArticleIn.model_validate({"id": f"outlet{i}", "text": t})
            for i, t in enumerate((QUAKE_A, QUAKE_B))
        ],
        options={"repair": False},
    )
    with checker_server(CheckerAnswer.YES) as (url, _):
        response = await summarize_request(
            request,
            model=ScriptedModel(_draft([reported])),
            settings=Settings(checker_confirm_below=1.0),
            checker=checker_at(url),
        )
    returned = {p.text for p in response.summary.key_points} | {
        claim.text for c in response.summary.conflicts for claim in c.claims
    }
    assert invented not in returned
    assert "conflicts[0].claims[1]" in {d.field for d in response.verification.dropped}


def test_through_the_mock_server_the_written_conflicts_are_verified_and_kept_once() -> None:
    """The mock server's model writes the conflicts part as a real model is asked to; the
    service verifies each side, and the same finding of its own is not listed twice."""
    articles = [{"id": f"outlet{i}", "text": t} for i, t in enumerate((QUAKE_A, QUAKE_B))]
    app = create_mock_server(model_name="served")
    with serve_in_thread(app) as url:
        direct = TestClient(app).post(
            "/v1/chat/completions",
            json={
                "model": "served",
                "messages": [{"role": "user", "content": QUAKE_SOURCES}],
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "SummaryDraft", "schema": {}},
                },
            },
        )
        settings = Settings(model="served", openai_base_url=url, repair=False)
        reply = TestClient(create_app(settings)).post("/summarize", json={"articles": articles})
    written = SummaryDraft.model_validate_json(direct.json()["choices"][0]["message"]["content"])
    (conflict,) = written.conflicts
    assert [e.article_id for claim in conflict.claims for e in claim.evidence] == ["A", "B"]
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["run"]["model"] == "served" and not body["run"]["fallback"]
    (kept,) = body["summary"]["conflicts"]
    assert kept["about"] == conflict.about
    assert [c["article_id"] for claim in kept["claims"] for c in claim["citations"]] == [
        "outlet0",
        "outlet1",
    ]
    _assert_grounded_conflicts(body)
