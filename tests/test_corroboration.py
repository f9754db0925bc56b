"""Corroboration and selection on invented multi-outlet events (never the seeds).

Each set is built here: a wire story copied by several outlets, one fact told by three
outlets in their own words, an earthquake with several quoted people, a status every outlet
repeats. Corroboration counts independent outlets (copies once); each cited span supports its
point by itself; the summary gives one point per fact, an event block and the quotes asked for.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.api.app import create_app
from service.api.schemas import SummarizeResponse
from service.cli.render import render_text
from service.config import Settings
from service.domain import ArticleInput, Document, SourceGroups
from service.drafting.clauses import forms, strip_attribution
from service.drafting.corroboration import outlet_clusters
from service.ingest.segment import ingest_article
from service.verify import Claim, ClaimEvidence, Verifier

WIRE = (
    "The regional government of Kestrel Bay opened the new Marrow Bridge on Saturday after four "
    "years of construction. The bridge cost 310 million dollars and carries six lanes of traffic. "
    "Transport minister Odile Brannock cut the ribbon in front of a crowd of about 2,000 people. "
    "Engineers expect the crossing to cut commuting times across the bay by twenty minutes. "
    "Tolls will not be charged during the first month of operation."
)
# Three outlets run the wire story: a byline and a newsletter line added, the ending cropped
# and a word changed, a label put in front.
WIRE_COPIES = (
    "By Staff Reporter\n\n" + WIRE + "\n\nSubscribe to our newsletter for daily updates.",
    WIRE.rsplit(" Tolls", 1)[0].replace("about 2,000 people", "some 2,000 people"),
    "Wire report. " + WIRE,
)
WIRE_INDEPENDENT = (
    "Thousands of residents walked across the Marrow Bridge in Kestrel Bay on Saturday before "
    "it opened to cars. Odile Brannock, the transport minister, called the bridge a turning point "
    "for the region. Local shop owners said they hoped the crossing would bring more visitors.",
    "The Marrow Bridge in Kestrel Bay opened on Saturday, the regional government said. "
    "Critics of the project said its budget had doubled since construction began. "
    "The old ferry service across the bay will stop running at the end of the year.",
)

# Three outlets state that the council approved the tram line and when building starts, each
# with its own details around it; only the first gives the cost.
TRAM = (
    "Norhaven votes for tram line after long debate\n\n"
    "The city council of Norhaven approved a new tram line on Tuesday, after a debate that "
    "lasted six hours. The line will cost 240 million euros, the council said. "
    "Mayor Ilse Varnholt called the vote a victory for commuters. "
    "Construction of the tram line will begin in March, after the council approved the budget.",
    "Tram plan clears council\n\n"
    "Residents packed the public gallery as the city council of Norhaven approved a new tram "
    "line, ending years of delays. Construction of the new tram line will begin in March, "
    "officials said. Opponents said the money should have gone to buses instead.",
    "Harbour to campus by tram\n\n"
    "The city council of Norhaven approved a new tram line, the mayor's office said. "
    "The route will link the harbour with the university campus. "
    "The construction of the tram line will begin in March next year, with the first trams "
    "running in 2029. "
    "Shopkeepers along the route fear months of disruption during the works.",
)

# Four reports of one earthquake, each quoting someone the others do not name.
QUAKE = (
    "A strong earthquake struck the mountain province of Tavrin on Monday morning. "
    "Officials said six people were killed and dozens were injured. "
    "“The whole house shook and the walls cracked in front of my eyes,” said Petra Lindqvist, "
    "a shopkeeper in the town of Oska. "
    "A tsunami warning was issued for the coast of Tavrin after the quake.",
    "Rescue teams worked through the night in Tavrin after Monday's earthquake. "
    "“We are sending every available team to the villages that were cut off,” Interior Minister "
    "Arvid Holm told reporters. "
    "The tsunami warning for the coast of Tavrin remained in place on Monday evening. "
    "Roads into several valleys were blocked by landslides.",
    "Hospitals in Tavrin were overwhelmed with injured people on Monday. "
    "“Our wards are full and we urgently need blood donors,” said Dr. Mara Jensen, who runs the "
    "main hospital in Oska. "
    "Authorities said the tsunami warning for the coast of Tavrin was still in force. "
    "Schools across the province will stay closed for the rest of the week.",
    "The earthquake that hit Tavrin on Monday was the strongest in the region for decades, "
    "seismologists said. "
    "“Aftershocks are likely to continue for several days, so people should stay outdoors,” "
    "said Jonas Ekberg of the national seismology institute. "
    "The tsunami warning for the coast of Tavrin was lifted late on Monday.",
)
QUAKE_SPEAKERS = {"Petra Lindqvist", "Arvid Holm", "Mara Jensen", "Jonas Ekberg"}

# Every outlet repeats the warning's status, each with its own detail.
WARNING = (
    "A strong earthquake struck off the coast of Belmora on Thursday. "
    "The tsunami warning for the Belmora coast remained in force on Thursday night, the weather "
    "agency said. Officials said 13 people were killed. Ferries between the islands were "
    "suspended.",
    "Residents of Belmora spent the night on higher ground after Thursday's earthquake. "
    "The tsunami warning for the Belmora coast remained in force, with waves of up to one metre "
    "expected. Several hotels on the seafront were evacuated.",
    "Rescue workers searched collapsed buildings in Belmora on Thursday. "
    "The tsunami warning for the Belmora coast remained in force as aftershocks continued. "
    "Schools will stay closed on Friday.",
    "The earthquake in Belmora was felt hundreds of kilometres away. "
    "A tsunami warning for the Belmora coast remained in force late on Thursday, according to "
    "the coast guard. Airlines cancelled flights to the island.",
)

# Each outlet ends its sentences by naming who told it.
ATTRIBUTED = (
    "Flights at Westmere airport were cancelled on Friday after a fire in the control tower, "
    "the Courier reports, citing airport officials. "
    "About 40,000 passengers were affected by the cancellations, the airport operator said.",
    "A fire broke out in the control tower of Westmere airport on Friday morning, the Daily "
    "Ledger reports. Firefighters brought the blaze under control within two hours, "
    "according to the fire service.",
)

STORM = (
    "A storm flooded the harbour district of Port Alder on Sunday, cutting power to thousands "
    "of homes. Emergency crews pumped water from flooded streets through the night. "
    "The harbour will stay closed to shipping until the storm surge has passed."
)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


def _summarize(client: TestClient, texts: tuple[str, ...], **options: Any) -> dict[str, Any]:
    articles = [
        {"id": f"outlet{i}", "text": text, "source": f"Outlet {i}"} for i, text in enumerate(texts)
    ]
    body: dict[str, Any] = {"articles": articles}
    if options:
        body["options"] = options
    response = client.post("/summarize", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _sentences(result: dict[str, Any]) -> list[dict[str, Any]]:
    summary = result["summary"]
    found = [summary["headline"], summary["event"], *summary["key_points"], *summary["quotes"]]
    found += [claim for conflict in summary["conflicts"] for claim in conflict["claims"]]
    return [s for s in found if s is not None]


def _independent(result: dict[str, Any], cited: set[str]) -> int:
    duplicates = {a["id"]: a["duplicates_of"] for a in result["articles"]}
    return SourceGroups(groups=[], duplicates_of=duplicates).independent_sources(sorted(cited))


def _cited(sentence: dict[str, Any]) -> set[str]:
    return {c["article_id"] for c in sentence["citations"]}


def _assert_each_citation_supports(
    client: TestClient, result: dict[str, Any], sentence: dict[str, Any]
) -> None:
    """Every cited span supports the sentence by itself, checked one by one."""
    articles = [{"id": a["id"], "text": a["text"]} for a in result["articles"]]
    for citation in sentence["citations"]:
        one = {k: citation[k] for k in ("article_id", "start", "end")}
        response = client.post(
            "/verify",
            json={
                "articles": articles,
                "sentences": [{"text": sentence["text"], "citations": [one]}],
            },
        )
        (verdict,) = response.json()["results"]
        assert verdict["supported"], (sentence["text"], citation["text"], verdict["reasons"])


def test_a_wire_story_copied_by_three_outlets_counts_once(client: TestClient) -> None:
    result = _summarize(client, (*WIRE_COPIES, *WIRE_INDEPENDENT))
    copies = {a["id"]: set(a["duplicates_of"]) for a in result["articles"]}
    assert copies["outlet0"] == {"outlet1", "outlet2"}
    assert copies["outlet3"] == copies["outlet4"] == set()
    for sentence in _sentences(result):
        # Five outlets, three of them one story: never more than three sources.
        assert 1 <= sentence["sources"] <= 3, sentence
        assert sentence["sources"] == _independent(result, _cited(sentence)), sentence
    wire_points = [p for p in result["summary"]["key_points"] if _cited(p) & {"outlet0"}]
    assert wire_points and all(p["sources"] == 1 for p in wire_points if _cited(p) < set(copies))


def test_a_fact_three_outlets_state_in_their_own_words_cites_each(client: TestClient) -> None:
    result = _summarize(client, TRAM)
    points = [p for p in result["summary"]["key_points"] if "will begin in March" in p["text"]]
    assert len(points) == 1, result["summary"]["key_points"]
    (point,) = points
    assert _cited(point) == {"outlet0", "outlet1", "outlet2"}
    assert point["sources"] == 3
    _assert_each_citation_supports(client, result, point)
    # What three outlets report comes before what one reports.
    sources = [p["sources"] for p in result["summary"]["key_points"]]
    assert sources == sorted(sources, reverse=True)
    assert sources[0] == 3


def test_a_fact_one_outlet_reports_says_one_independent(client: TestClient) -> None:
    result = _summarize(client, TRAM)
    (cost,) = [p for p in result["summary"]["key_points"] if "240 million euros" in p["text"]]
    assert _cited(cost) == {"outlet0"} and cost["sources"] == 1
    text = render_text(SummarizeResponse.model_validate(result))
    # The CLI names the outlets of each point.
    (three,) = re.findall(r"\[(Outlet \d), (Outlet \d), (Outlet \d); 3 independent\]", text)
    assert set(three) == {"Outlet 0", "Outlet 1", "Outlet 2"}
    assert "[Outlet 0; 1 independent]" in text


def test_several_quoted_people_give_the_quotes_asked_for(client: TestClient) -> None:
    for asked in (2, 3):
        result = _summarize(client, QUAKE, max_quotes=asked)
        quotes = result["summary"]["quotes"]
        assert len(quotes) == asked, quotes
        assert {q["speaker"] for q in quotes} <= QUAKE_SPEAKERS
        assert len({q["speaker"] for q in quotes}) == asked
        texts = {a["id"]: a["text"] for a in result["articles"]}
        for quote in quotes:
            for c in quote["citations"]:
                assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


def test_two_points_never_restate_one_fact(client: TestClient) -> None:
    result = _summarize(client, WARNING)
    summary = result["summary"]
    told = [summary["headline"]["text"], *(p["text"] for p in summary["key_points"])]
    assert sum("tsunami warning" in text for text in told) == 1, told
    # The status all four outlets repeat is told once, in the words they share, from each.
    (warning,) = [s for s in _sentences(result) if "tsunami warning" in s["text"]]
    assert warning["sources"] >= 3
    # The death toll is a key figure: it is a point although only one outlet gives it.
    assert any("13 people were killed" in p["text"] for p in summary["key_points"])


def test_an_event_block_whenever_the_sources_name_where_or_when(client: TestClient) -> None:
    result = _summarize(client, (STORM,))
    event = result["summary"]["event"]
    assert event is not None
    assert event["when"] == "Sunday" and "Sunday" in event["text"]
    assert event["citations"]


def test_an_event_names_who_where_and_when_from_several_outlets(client: TestClient) -> None:
    event = _summarize(client, QUAKE)["summary"]["event"]
    assert event is not None and event["where"] == "Tavrin" and event["when"] == "Monday"


def test_no_point_ends_in_an_attribution_tail(client: TestClient) -> None:
    result = _summarize(client, ATTRIBUTED)
    tail = re.compile(r",[^,]*\b(?:reports|said|citing|according to)\b[^,]*\.$")
    summary = result["summary"]
    told = [s["text"] for s in [summary["headline"], summary["event"], *summary["key_points"]] if s]
    assert told
    for text in told:
        assert not tail.search(text), text


# --- the parts -------------------------------------------------------------------------


def test_an_attribution_tail_is_cut_but_a_clause_saying_something_is_kept() -> None:
    assert (
        strip_attribution("Both sides agreed to a ceasefire, the agency reports, citing officials.")
        == "Both sides agreed to a ceasefire"
    )
    assert strip_attribution("Prices rose by 3 percent in May, analysts said on Friday.") == (
        "Prices rose by 3 percent in May"
    )
    kept = "The minister resigned, which he said was a mistake."
    assert strip_attribution(kept) == kept


def test_forms_cut_at_clause_boundaries_and_drop_asides() -> None:
    texts = [
        f.text
        for f in forms(
            "The two clubs, both members of the northern league, agreed to share a stadium, "
            "ending a dispute that lasted a decade."
        )
    ]
    assert "The two clubs agreed to share a stadium." in texts
    assert "The two clubs, both members of the northern league, agreed to share a stadium." in texts
    # An aside between names is not a cut: "talks between A, who ..., and B".
    texts = [
        f.text
        for f in forms("The talks were held between Ruiz, who took office in May, and Okafor.")
    ]
    assert "The talks were held between Ruiz." not in texts


_WORDS = st.sampled_from(
    "the council approved a new plan on Monday , including which said as amid “ ” — and "
    "officials reports citing according to budget of 12 million".split()
)


@given(st.lists(_WORDS, min_size=1, max_size=40))
def test_every_form_is_a_verbatim_prefix_of_its_sentence(words: list[str]) -> None:
    text = " ".join(words).replace(" ,", ",") + "."
    for form in forms(text):
        assert text.startswith(form.quote)
        # The form writes only words of its quote, in their order.
        quoted = iter(re.findall(r"\w+", form.quote))
        assert all(word in quoted for word in re.findall(r"\w+", form.text))


def test_articles_that_share_most_lines_are_one_outlet() -> None:
    clusters = outlet_clusters([["a", "b"], ["a", "b"], ["a"], ["c"], ["c"], ["c", "a"], ["d"]])
    assert clusters["a"] == clusters["b"]
    assert len({clusters["a"], clusters["c"], clusters["d"]}) == 3


def test_short_reports_sharing_one_line_are_separate_outlets() -> None:
    # One line is half of each two-line report, but one line is what independent reports of
    # one event often share; the grouping stage asks for two as well.
    clusters = outlet_clusters([["a", "b"], ["a"], ["b"], ["c", "d"], ["c", "d"], ["d"]])
    assert clusters["a"] != clusters["b"]
    assert clusters["c"] == clusters["d"]


def _document(doc_id: str, text: str) -> Document:
    return ingest_article(ArticleInput(id=doc_id, body=text))


def test_an_outlet_naming_the_person_by_surname_corroborates_the_full_name() -> None:
    # Every outlet opens its sentence with the first name, so its case never tells it is a
    # name; running into a surname, it is one, and a surname-only outlet states the point.
    documents = [
        _document("wire", "Mara Ostrova won the Harbour Open on Sunday, beating Julia Renn."),
        _document("fans", "A sell-out crowd watched Ostrova win the Harbour Open on Sunday."),
        _document("city", "Mara Ostrova will rise to fourth in the world rankings on Monday."),
    ]
    verifier = Verifier(documents, SourceGroups(groups=[]))
    claim = "Mara Ostrova won the Harbour Open on Sunday."
    verdict = verifier.verify(
        Claim(claim, evidence=(ClaimEvidence(article_id="wire", quote=claim),))
    )
    assert verdict.supported
    assert {c.article_id for c in verdict.citations} >= {"wire", "fans"}
    # A different first name is a different person: no sentence states it.
    assert not verifier.verify(Claim("Lena Ostrova won the Harbour Open on Sunday.")).supported


def test_a_sentence_that_states_little_of_a_claim_never_corroborates_it() -> None:
    claim = (
        "They also welcomed progress in energy and infrastructure cooperation as well as "
        "expanding bilateral trade and investment, and agreed to establish a consultative "
        "framework for research, an area where both countries hold expertise."
    )
    documents = [
        _document("first", claim),
        _document("second", "The ministers also discussed cooperation on energy research."),
    ]
    verifier = Verifier(documents, SourceGroups(groups=[]))
    verdict = verifier.verify(
        Claim(claim, evidence=(ClaimEvidence(article_id="first", quote=claim),))
    )
    assert verdict.supported
    assert {c.article_id for c in verdict.citations} == {"first"}


async def test_a_model_s_points_are_ordered_by_the_outlets_that_state_them() -> None:
    # A model ranks a one-outlet detail first; the point three outlets state comes first.
    from service.api.mapping import summarize_request
    from service.api.schemas import SummarizeRequest
    from service.drafting.drafts import DraftSentence, Evidence, SummaryDraft
    from tests.test_pipeline import ScriptedModel

    def point(text: str, article: str) -> DraftSentence:
        return DraftSentence(text=text, evidence=[Evidence(article_id=article, quote=text)])

    cost = point("The line will cost 240 million euros.", "outlet0")
    start = point("Construction of the tram line will begin in March.", "outlet0")
    title = point("Norhaven votes for tram line after long debate", "outlet0")
    draft = SummaryDraft(headline=title, key_points=[cost, start])
    request = SummarizeRequest.model_validate(
        {"articles": [{"id": f"outlet{i}", "text": t} for i, t in enumerate(TRAM)]}
    )
    response = await summarize_request(request, model=ScriptedModel(draft), settings=Settings())
    texts = [p.text for p in response.summary.key_points]
    assert texts == [start.text, cost.text]
    assert [p.sources for p in response.summary.key_points] == [3, 1]


# Four outlets report one agreement: the first names the leaders, two refer to them ("The two
# leaders", "They") after a sentence that names them, and the fourth names someone else before
# "The two leaders": the antecedent must name the claim's people, or nothing is cited.
TUNNEL_CLAIM = (
    "President Alva Rennick and Prime Minister Osric Tamm agreed on Monday to build a rail "
    "tunnel under the Versel Strait."
)
TUNNEL = {
    "named": TUNNEL_CLAIM + " The project is expected to take nine years.",
    "leaders": (
        "Alva Rennick welcomed Osric Tamm to the coastal city of Marnholt for talks. The two "
        "leaders agreed on Monday to build a rail tunnel under the Versel Strait. Protesters "
        "gathered outside the venue."
    ),
    "they": (
        "Crowds lined the streets of Marnholt. Alva Rennick met Osric Tamm for the first time. "
        "They agreed on Monday to build a rail tunnel under the Versel Strait, officials said."
    ),
    "swapped": (
        "Alva Rennick received Maren Holt for talks. The two leaders agreed on Monday to build a "
        "rail tunnel under the Versel Strait."
    ),
}


def _tunnel_verdict(extra: dict[str, str] | None = None) -> tuple[dict[str, set[str]], bool]:
    from service.ingest.grouping import group_sentences

    texts = {**TUNNEL, **(extra or {})}
    documents = [_document(doc_id, text) for doc_id, text in texts.items()]
    verifier = Verifier(documents, group_sentences(documents))
    verdict = verifier.verify(
        Claim(TUNNEL_CLAIM, evidence=(ClaimEvidence(article_id="named", quote=TUNNEL_CLAIM),))
    )
    cited: dict[str, set[str]] = {}
    for citation in verdict.citations:
        cited.setdefault(citation.article_id, set()).add(citation.text)
    return cited, verdict.supported


def test_a_sentence_that_refers_to_the_leaders_corroborates_with_its_antecedent() -> None:
    cited, supported = _tunnel_verdict()
    assert supported
    assert set(cited) == {"named", "leaders", "they"}
    # The referring sentence and the sentence that names whom it refers to, both cited.
    assert cited["leaders"] == {
        "The two leaders agreed on Monday to build a rail tunnel under the Versel Strait.",
        "Alva Rennick welcomed Osric Tamm to the coastal city of Marnholt for talks.",
    }
    assert cited["they"] == {
        "They agreed on Monday to build a rail tunnel under the Versel Strait, officials said.",
        "Alva Rennick met Osric Tamm for the first time.",
    }


@pytest.mark.parametrize(
    "corrupted",
    [
        # The antecedent names the leaders, the sentence says they built something else.
        "Alva Rennick received Osric Tamm for talks. The two leaders agreed on Monday to build a "
        "road bridge over the Versel Strait.",
        # One sentence names them doing something else: their names alone weigh most of it.
        "Crowds gathered in Marnholt. Meeting there, Alva Rennick and Osric Tamm agreed to build "
        "a road bridge over the Versel Strait on Monday, officials said.",
        # The antecedent gives the day, not the sentence: it says when they met, not agreed.
        "Alva Rennick received Osric Tamm on Monday. The two leaders agreed to build a rail "
        "tunnel under the Versel Strait.",
    ],
)
def test_a_corrupted_or_incomplete_outlet_is_never_cited(corrupted: str) -> None:
    cited, supported = _tunnel_verdict({"corrupted": corrupted})
    assert supported
    assert "corrupted" not in cited
    assert "swapped" not in cited
    assert {"named", "leaders", "they"} <= set(cited)


def test_a_count_refers_to_the_countries_its_article_names() -> None:
    # "Both countries" in an article that names exactly two: "the two countries"; in one that
    # names three, no count is settled and the number stays unsupported.
    documents = [
        _document(
            "pair",
            "Officials from Chile and Peru met in Lima on Monday. Both countries signed a "
            "fishing agreement that sets quotas for anchovy catches.",
        ),
        _document(
            "trio",
            "Officials from Chile, Peru and Bolivia met in La Paz on Tuesday. Both delegations "
            "praised a river treaty that sets limits on water use.",
        ),
        _document(
            "trade",
            "Chile and Peru agreed on Monday to cut tariffs on copper and lithium exports to "
            "each other from next year, trade officials said.",
        ),
    ]
    verifier = Verifier(documents, SourceGroups(groups=[]))

    def verdict(text: str) -> bool:
        return verifier.verify(Claim(text)).supported

    assert verdict(
        "The two countries signed a fishing agreement that sets quotas for anchovy catches."
    )
    assert not verdict(
        "The three countries signed a fishing agreement that sets quotas for anchovy catches."
    )
    assert not verdict(
        "The two countries praised a river treaty that sets limits on water use on Tuesday."
    )
    # Governments are counted by the countries they govern.
    tariffs = "governments agreed on Monday to cut tariffs on copper and lithium exports"
    assert verdict(f"The two {tariffs} to each other from next year.")
    assert not verdict(f"The three {tariffs} to each other from next year.")


FAILED_TALKS = (
    "Talks in Brenmouth between Halvard Pike and the Copper Union failed to agree on a pay "
    "deal on Thursday."
)
AGREED_TALKS = (
    "Halvard Pike and the Copper Union agreed on a pay deal on Thursday after talks in "
    "Brenmouth, both sides said."
)


def test_an_outlet_stating_the_opposite_status_never_corroborates() -> None:
    # "failed to agree" against "agreed": the names and most words are shared.
    documents = [
        _document("failed", FAILED_TALKS + " Negotiators will meet again next week."),
        _document("agreed", AGREED_TALKS),
    ]
    verifier = Verifier(documents, SourceGroups(groups=[]))
    evidence = (ClaimEvidence(article_id="failed", quote=FAILED_TALKS),)
    verdict = verifier.verify(Claim(FAILED_TALKS, evidence=evidence))
    assert verdict.supported
    assert {c.article_id for c in verdict.citations} == {"failed"}


def test_failing_to_do_something_is_not_doing_it() -> None:
    # A negative implicative ("failed to", "refused to") negates its verb, as "did not" does.
    def supported(claim: str, source: str) -> bool:
        return Verifier([_document("source", source)]).verify(Claim(claim)).supported

    assert not supported(
        "Halvard Pike and the Copper Union failed to agree on a pay deal on Thursday.",
        AGREED_TALKS,
    )
    assert not supported(
        "Halvard Pike and the Copper Union agreed on a pay deal on Thursday.", FAILED_TALKS
    )
    assert not supported(
        "The Copper Union signed the pay deal on Thursday.",
        "The Copper Union refused to sign the pay deal on Thursday, its leaders said.",
    )
    assert supported(
        "Talks in Brenmouth between Halvard Pike and the Copper Union did not agree on a pay "
        "deal on Thursday.",
        FAILED_TALKS,
    )
