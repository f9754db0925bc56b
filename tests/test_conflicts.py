"""Facts independent sources disagree on: found, cited from each side, never between copies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.fake_openai_server import CheckerAnswer, serve_in_thread
from devtools.fake_openai_server import create_app as create_mock_server
from service.api.app import create_app
from service.api.mapping import article_input, summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest, SummarizeResponse
from service.config import Settings
from service.domain import SourceGroups
from service.drafting.drafts import DraftConflict, SummaryDraft
from service.pipeline.prepared import prepare
from service.verify.conflicts import Disagreement, find_disagreements, independent_groups
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


def test_postponed_against_launched_is_a_conflict_and_neither_version_is_lost() -> None:
    # "postponed the launch" names a launch it says did not happen: the two sentences read
    # alike but are two facts, so both reach the prompt and the disagreement is shown.
    postponed = (
        "The space agency postponed the launch of the Kestrel weather satellite on Friday "
        "because of high winds at the coastal site. Officials said a new date would be set."
    )
    launched = (
        "The space agency launched the Kestrel weather satellite on Friday despite high winds "
        "at the coastal site. The satellite will monitor storms over the ocean."
    )
    result = _summarize(postponed, launched)
    (conflict,) = result["summary"]["conflicts"]
    assert "postponed" in conflict["about"] and "launched" in conflict["about"]
    _assert_grounded_conflicts(result)
    # Two outlets that both say it was postponed agree.
    assert (
        _summarize(postponed, postponed.replace("Officials", "Engineers"))["summary"]["conflicts"]
        == []
    )


def test_a_copy_with_a_changed_number_is_one_source_not_a_conflict() -> None:
    copy = QUAKE_A.replace("13 people", "14 people") + " Copyright 2026 Wire Service."
    result = _summarize(QUAKE_A, copy)
    duplicates = {a["id"]: a["duplicates_of"] for a in result["articles"]}
    assert duplicates["outlet1"] == ["outlet0"], duplicates
    assert result["summary"]["conflicts"] == []


def test_sentences_repeated_word_for_word_give_the_same_conflicts_as_one_of_each() -> None:
    # Outlets that quote the same sentences verbatim (a roundup citing both tolls) add pairs
    # that cannot disagree; the conflict between the two tolls is found as before.
    roundup = (
        "Officials said 13 people were killed in the quake, most of them in collapsed homes. "
        "Local authorities said 30 people were killed in the quake. "
        "The region's airport reopened on Wednesday morning."
    )
    alone = _summarize(QUAKE_A, QUAKE_B)["summary"]["conflicts"]
    repeated = _summarize(QUAKE_A, QUAKE_B, roundup, roundup.replace("Wednesday", "Thursday"))
    abouts = {c["about"] for c in repeated["summary"]["conflicts"]}
    assert {c["about"] for c in alone} <= abouts
    assert any("13" in about and "30" in about for about in abouts)
    _assert_grounded_conflicts(repeated)


def test_independent_groups_follow_the_syndication_links() -> None:
    groups = SourceGroups(groups=[], duplicates_of={"b": ["a"], "a": ["b"], "d": ["c"]})
    sources = independent_groups(["a", "b", "c", "d", "e"], groups)
    assert sources["a"] == sources["b"]
    assert sources["c"] == sources["d"]
    assert len(set(sources.values())) == 3


def test_conflicts_are_an_empty_list_when_there_is_one_article() -> None:
    assert _summarize(QUAKE_A)["summary"]["conflicts"] == []


# --- dates, names and number words (synthetic sets, nothing from the seeds) -------------------


def _articles(*items: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [
        {"id": f"outlet{i}", "text": text, **({"published_at": day} if day else {})}
        for i, (text, day) in enumerate(items)
    ]


def _conflicts_of(*items: tuple[str, str | None]) -> list[dict[str, Any]]:
    client = TestClient(create_app(Settings()))
    response = client.post("/summarize", json={"articles": _articles(*items)})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    _assert_grounded_conflicts(result)
    conflicts: list[dict[str, Any]] = result["summary"]["conflicts"]
    return conflicts


def _finds(*items: tuple[str, str | None]) -> list[list[Disagreement]]:
    """The finder's raw output, straight from the pipeline's own prepared sources."""
    articles = [article_input(ArticleIn.model_validate(a)) for a in _articles(*items)]
    prepared = prepare(articles, Settings())
    return [find_disagreements(prepared.verifier.index, prepared.groups)]


BRIDGE_FRIDAY = (
    "The old road bridge over the river collapsed on Friday during heavy storms. "
    "Engineers had warned for years that its supports were failing. "
    "Traffic is being diverted through the town centre."
)
BRIDGE_THURSDAY = (
    "Divers searched the river after the old road bridge collapsed on Thursday. "
    "The regional transport office said repairs had been planned for the spring."
)


def test_two_days_for_the_same_event_are_a_conflict_with_both_spans() -> None:
    (conflict,) = _conflicts_of((BRIDGE_FRIDAY, "2026-03-13"), (BRIDGE_THURSDAY, "2026-03-13"))
    assert "Friday" in conflict["about"] and "Thursday" in conflict["about"]
    cited = {c["article_id"] for claim in conflict["claims"] for c in claim["citations"]}
    assert cited == {"outlet0", "outlet1"}


def test_a_weekday_and_the_date_it_names_agree() -> None:
    # 2026-03-13 is a Friday: "on Friday" and "on 13 March" are the same day.
    dated = BRIDGE_THURSDAY.replace("on Thursday", "on 13 March")
    assert _conflicts_of((BRIDGE_FRIDAY, "2026-03-13"), (dated, "2026-03-14")) == []


def test_a_weekday_against_a_different_date_is_a_conflict() -> None:
    dated = BRIDGE_THURSDAY.replace("on Thursday", "on 11 March")
    (conflict,) = _conflicts_of((BRIDGE_FRIDAY, "2026-03-13"), (dated, "2026-03-14"))
    assert "Friday" in conflict["about"] and "11 March" in conflict["about"]


def test_day_and_month_dates_that_differ_are_a_conflict() -> None:
    first = "The court will deliver its verdict on 12 March, a spokesman confirmed."
    second = "The court will deliver its verdict on 14 March, lawyers for the defence said."
    (conflict,) = _conflicts_of((first, None), (second, None))
    assert "12" in conflict["about"] and "14" in conflict["about"]


def test_dates_after_different_words_are_not_compared() -> None:
    rescue = (
        "Rescuers freed the last trapped workers on Monday. "
        "All of them were taken to the regional hospital."
    )
    assert _conflicts_of((rescue, "2026-03-16"), (BRIDGE_THURSDAY, "2026-03-16")) == []


def test_a_different_person_in_the_same_slot_is_a_conflict_of_names() -> None:
    first = (
        "Striker Lena Varga scored the winning goal in the final minute. "
        "The home side had trailed for most of the match."
    )
    second = (
        "Midfielder Rosa Brandt scored the winning goal in the final minute. "
        "Fans celebrated in the streets until late at night."
    )
    (conflict,) = _conflicts_of((first, None), (second, None))
    assert "Varga" in conflict["about"] and "Brandt" in conflict["about"]


def test_led_by_one_person_against_led_by_another_is_a_conflict() -> None:
    first = "The mountain rescue team was led by Karl Meier, officials confirmed."
    second = "The mountain rescue team was led by Jonas Falk throughout the night."
    (conflict,) = _conflicts_of((first, None), (second, None))
    assert "Meier" in conflict["about"] and "Falk" in conflict["about"]


def test_the_same_person_named_in_full_and_in_part_is_no_conflict() -> None:
    first = "Striker Lena Varga scored the winning goal in the final minute."
    second = "Varga scored the winning goal in the final minute, to the crowd's delight."
    assert _conflicts_of((first, None), (second, None)) == []


def test_different_speakers_saying_the_same_thing_are_no_conflict() -> None:
    first = "Mayor Lena Varga said the bridge would reopen next month."
    second = "Engineer Rosa Brandt said the bridge would reopen next month."
    assert _conflicts_of((first, None), (second, None)) == []


def test_number_words_are_numbers_and_a_shared_number_is_not_the_slot() -> None:
    first = "The ruling was backed by seven of the nine judges on the panel."
    second = "The ruling was backed by five of the nine judges, the court said."
    (conflict,) = _conflicts_of((first, None), (second, None))
    assert "7" in conflict["about"] and "5" in conflict["about"]
    agree = "Fourteen miners were brought out alive after three days underground."
    digits = "14 miners were brought out alive after three days underground, officials said."
    assert _conflicts_of((agree, None), (digits, None)) == []


def test_three_versions_of_one_figure_are_one_conflict_with_a_claim_from_each() -> None:
    third = (
        "Six people were killed in the quake, the civil defence agency said in a first report. "
        "Aid convoys reached the worst-hit villages by road later in the week."
    )
    (conflict,) = _conflicts_of((QUAKE_A, None), (QUAKE_B, None), (third, None))
    assert len(conflict["claims"]) == 3
    for figure in ("13", "30", "6"):
        assert figure in conflict["about"]


def test_a_claim_never_cites_a_source_of_the_other_side() -> None:
    signed = (
        "The leaders of Norland and Castavia signed a free trade agreement in Porto Lume on "
        "Friday, removing tariffs on 95 percent of goods. It enters into force in 2028."
    )
    preparing = (
        "Norland and Castavia are preparing a free trade agreement that would remove tariffs on "
        "most goods, officials said on Friday, with ratification expected next year."
    )
    also_signed = (
        "The free trade agreement between Norland and Castavia, signed on Friday, removes "
        "tariffs on 90 percent of goods, the trade ministry said."
    )
    conflicts = _conflicts_of((signed, None), (preparing, None), (also_signed, None))
    assert conflicts
    for conflict in conflicts:
        outlets = [{c["article_id"] for c in claim["citations"]} for claim in conflict["claims"]]
        for i, mine in enumerate(outlets):
            for j, theirs in enumerate(outlets):
                if i != j:
                    assert not mine & theirs, conflict


def test_one_disagreement_found_around_several_word_pairs_is_told_once() -> None:
    first = "The two leaders agreed to build an undersea power cable by 2030."
    second = "The two leaders agreed to build an undersea power cable by 2032, a ministry said."
    copy = first + " Copyright 2026 Wire Service. All rights reserved."
    (found,) = _finds((first, None), (second, None), (copy, None))
    assert len(found) == 1 and len(found[0].units) == 2


COPY_TEMPLATES = (
    QUAKE_A,
    BRIDGE_FRIDAY,
    TREATY_A,
    "Striker Lena Varga scored the winning goal in the final minute. The crowd of 40,000 cheered.",
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    story=st.sampled_from(COPY_TEMPLATES),
    change=st.sampled_from(
        [
            ("13", "14"),
            ("Friday", "Thursday"),
            ("announced", "were preparing"),
            ("Lena Varga", "Rosa Brandt"),
            ("40,000", "45,000"),
        ]
    ),
    boilerplate=st.sampled_from(["Copyright 2026 Wire Service.", "Sign up for our newsletter."]),
)
def test_a_story_and_its_own_syndicated_copy_never_conflict(
    story: str, change: tuple[str, str], boilerplate: str
) -> None:
    copy = f"By Staff Reporter\n{story.replace(*change)}\n{boilerplate}"
    (found,) = _finds((story, "2026-03-13"), (copy, "2026-03-13"))
    assert found == []
    # And an identical story from two outlets is an agreement, not a conflict.
    (same,) = _finds((story, "2026-03-13"), (story + " " + boilerplate, "2026-03-14"))
    assert same == []


def test_numbers_that_count_different_things_are_no_conflict() -> None:
    first = "Regulators approved the new malaria vaccine, which was 75 percent effective in trials."
    second = "Its maker said the new malaria vaccine could reach 20 million children next year."
    assert _conflicts_of((first, None), (second, None)) == []


def test_a_number_word_in_a_compound_is_not_a_count() -> None:
    first = (
        "The president began a three-day visit on Thursday, marking the 50th anniversary of "
        "relations between the two nations."
    )
    second = (
        "With 2026 marking the 50th anniversary of relations between the two nations, the "
        "governments are drafting an accord."
    )
    assert _conflicts_of((first, None), (second, None)) == []


def test_number_words_that_count_different_things_are_no_conflict() -> None:
    first = "Six of the train's eight carriages left the track on a bend outside the station."
    second = "Four people were killed when the train left the track near the station on Monday."
    assert _conflicts_of((first, None), (second, None)) == []


CEASEFIRE_AGREED = (
    "The government and the northern rebels agreed to a ceasefire on Thursday after talks in "
    "the capital. Aid convoys are expected to reach the region next week."
)
CEASEFIRE_FAILED = (
    "A government spokesman said on Thursday that negotiators had failed to agree on a "
    "ceasefire with the northern rebels. Fighting continued in two provinces overnight."
)


def test_agreed_against_failed_to_agree_is_a_conflict_of_status() -> None:
    (conflict,) = _conflicts_of((CEASEFIRE_AGREED, None), (CEASEFIRE_FAILED, None))
    assert "failed to agree" in conflict["about"] and "agreed" in conflict["about"]


def test_signed_against_did_not_sign_is_a_conflict_but_two_denials_agree() -> None:
    signed = "The prime minister signed the border treaty in the capital on Monday."
    refused = "The prime minister did not sign the border treaty, officials said on Monday."
    (conflict,) = _conflicts_of((signed, None), (refused, None))
    assert "not sign" in conflict["about"]
    also_refused = "The prime minister refused to sign the border treaty on Monday, aides said."
    assert _conflicts_of((refused, None), (also_refused, None)) == []


def test_a_copy_that_changes_agreed_to_failed_is_still_one_source() -> None:
    changed = CEASEFIRE_AGREED.replace("agreed to a", "failed to agree on a")
    copy = f"By Staff Reporter\n{changed}\nCopyright 2026 Wire Service."
    (found,) = _finds((CEASEFIRE_AGREED, None), (copy, None))
    assert found == []


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
