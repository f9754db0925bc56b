"""One changed fact among words the sources state: units, ordinals, swapped names and counts,
reversed stances, dropped hedges, reported speech quoted, negations over function words."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.corruptions import ADVERSARIAL_KINDS, Corruptor
from service.domain import ArticleInput, Document
from service.ingest.segment import ingest_article
from service.pipeline.checker import doubt
from service.text.units import unit_mentions
from service.verify import Claim, ClaimEvidence, Verdict, Verifier
from service.verify.checks import claim_quotations, inside_quotation, quotation_spans
from service.verify.scoring import THRESHOLD

DATA = Path(__file__).with_name("data")


def _document(article_id: str, text: str) -> Document:
    return ingest_article(ArticleInput(id=article_id, body=text))


@lru_cache(maxsize=1)
def _articles() -> tuple[Document, ...]:
    return tuple(
        _document(row["id"], row["text"])
        for row in (json.loads(p.read_text(encoding="utf-8")) for p in sorted(DATA.glob("*.json")))
    )


@lru_cache(maxsize=1)
def _verifier() -> Verifier:
    return Verifier(list(_articles()))


def _verify(text: str, **claim: object) -> Verdict:
    return _verifier().verify(Claim(text, **claim))  # type: ignore[arg-type]


def _rejected_for(text: str, words: str) -> None:
    verdict = _verify(text)
    assert not verdict.supported, text
    assert any(words in reason for reason in verdict.reasons), verdict.reasons


# --- units --------------------------------------------------------------------------


def test_units_are_read_in_every_spelling() -> None:
    mentions = unit_mentions("a three-day visit of 1.5 km, 28-year-old, 3% and 4 per cent")
    assert [(m.value, m.unit) for m in mentions] == [
        (3.0, "day"),
        (1.5, "kilometre"),
        (28.0, "year"),
        (3.0, "percent"),
        (4.0, "percent"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The plan will extend the main quay by 1.5 miles.",
        "Elena Marsh, the harbour director, said that the dredging would take about 18 years.",
        "Scientists at the University of Eastmoor have warned that the work could raise water "
        "temperatures in the bay by up to 2 percent.",
        "Shares in Calder Lines rose 3 points in early trading on Wednesday.",
        "The 27-month-old scored 14 goals last season, his third in the top division.",
    ],
)
def test_a_number_with_another_unit_is_refused(text: str) -> None:
    _rejected_for(text, "the cited spans give that number in")


def test_the_same_unit_in_another_spelling_is_no_mismatch() -> None:
    verdict = _verify("The plan will extend the main quay by 1.5 km.")
    assert not any("the cited spans give that number" in r for r in verdict.reasons)


# --- ordinals and counts --------------------------------------------------------------


def test_an_ordinal_the_sources_give_as_a_count_is_refused() -> None:
    _rejected_for("The club finished sixth last season, six points behind the leaders.", "sixth")
    assert _verify("The club finished fifth last season, six points behind the leaders.").supported


def test_a_count_the_sources_give_as_an_ordinal_is_refused() -> None:
    _rejected_for(
        "Aldford City said it had rejected three earlier offers before accepting the third.",
        "three",
    )


def test_years_of_an_anniversary_are_the_same_count() -> None:
    documents = [_document("a", "The city marked the 160th anniversary of its charter on Friday.")]
    verdict = Verifier(documents).verify(Claim("The city marked 160 years of its charter."))
    assert not any("160th" in r for r in verdict.reasons), verdict.reasons


def test_a_count_swapped_for_another_in_the_same_place_is_refused() -> None:
    _rejected_for(
        "Northgate's harbour will be deepened after the port authority voted 2 to 2 in favour "
        "of the plan on Tuesday.",
        "the cited spans give 7 in that place",
    )


# --- names in the same place ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "Harbour director Tomas Brandt said the first ships could use the new berths in 2029.",
            "elena marsh",
        ),
        ("Shares in Vantor Freight rose 3 percent in early trading on Wednesday.", "calder line"),
        ('"We are committed to this port for the long term," Marsh said.', "brandt"),
    ],
)
def test_a_person_or_company_swapped_for_another_named_elsewhere_is_refused(
    text: str, named: str
) -> None:
    verdict = _verify(text)
    assert not verdict.supported
    assert any(named in r for r in verdict.reasons), verdict.reasons


def test_a_capital_for_its_country_is_no_swap() -> None:
    documents = [
        _document("a", "Tokyo and Rome agreed to enhance economic security cooperation on Friday.")
    ]
    verdict = Verifier(documents).verify(
        Claim("Japan and Italy agreed to enhance economic security cooperation on Friday.")
    )
    assert not any("where the sentence names" in r for r in verdict.reasons), verdict.reasons


def test_an_appositive_left_out_is_no_swap() -> None:
    documents = [
        _document(
            "a",
            "Smith, who will lead the line in the absence of the injured Daniel Jones, was "
            "fined for speeding on Monday.",
        )
    ]
    verdict = Verifier(documents).verify(Claim("Smith was fined for speeding on Monday."))
    assert verdict.supported, verdict.reasons


# --- stances --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The regional council condemned the decision, but opposition councillor Priya Nand "
        "criticised the cost.",
        "Vantor Freight, which operates the existing terminal, said it opposed the expansion.",
        "Northgate's harbour will be deepened after the port authority voted 7 to 2 against the "
        "plan on Tuesday.",
        "Shares in Calder Lines fell 3 percent in early trading on Wednesday.",
    ],
)
def test_a_stance_turned_round_is_refused(text: str) -> None:
    _rejected_for(text, "where the sentence says")


def test_a_negated_opposite_is_left_to_the_negation_check() -> None:
    documents = [_document("a", "The council did not accept the offer on Monday.")]
    verdict = Verifier(documents).verify(Claim("The council rejected the offer on Monday."))
    assert not any("where the sentence says" in r for r in verdict.reasons)


# --- hedges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Harbour director Elena Marsh said the first ships will use the new berths in 2029.",
        "The Eastmoor Environment Agency said it was disappointed and will challenge the "
        "approval in court.",
        "Lenz will make his debut against Porthaven Athletic on Saturday.",
        "Achebe admitted the squad will need another defender before the transfer window closes.",
        "The deal is worth up to £10 million with add-ons.",
    ],
)
def test_a_dropped_hedge_is_refused(text: str) -> None:
    verdict = _verify(text)
    assert not verdict.supported, text
    assert any("hedge" in r for r in verdict.reasons), verdict.reasons


def test_a_hedge_over_a_function_word_or_several_words_is_seen() -> None:
    documents = [
        _document(
            "a",
            "He dismissed the results as work any monkey could do. Women in politics appear to "
            "be more open, she said. The striker is said to be furious with the board.",
        )
    ]
    verifier = Verifier(documents)
    for text in (
        "He dismissed the results as work any monkey will do.",
        "Women in politics are more open, she said.",
        "The striker was furious with the board.",
    ):
        verdict = verifier.verify(Claim(text))
        assert not verdict.supported and any("hedge" in r for r in verdict.reasons), text


def test_the_month_may_is_no_hedge() -> None:
    documents = [_document("a", "The case could return to court on May 18.")]
    verdict = Verifier(documents).verify(Claim("The case will return to court on May 18."))
    assert not verdict.supported and any("hedge" in r for r in verdict.reasons)


# --- quotation marks ------------------------------------------------------------------


def test_quotation_spans_follow_the_marks_not_the_apostrophes() -> None:
    text = "It's a ‘special’ day, he said. “We won,” Ana said. The players' union said 'no'. 'Yes"
    quoted = [text[a:b] for a, b in quotation_spans(text)]
    # A straight single quote left open is an apostrophe, not a quotation.
    assert quoted == ["special", "We won,", "no"]
    assert inside_quotation(text, text.index("We won"), text.index("We won") + 6)
    assert not inside_quotation(text, text.index("day"), text.index("day") + 3)


def test_claim_quotations_in_every_typography() -> None:
    found = claim_quotations(
        "sturgeon 's answers are ` all evasion ' and `` a constitutional crisis '' ; "
        'Marsh said: "The ships could dock." ‘We are here’'
    )
    assert [(q.text, q.speech) for q in found] == [
        ("all evasion", False),
        ("a constitutional crisis", False),
        ("The ships could dock.", True),
        ("We are here", False),
    ]


@pytest.mark.parametrize(
    "text",
    [
        'Elena Marsh, the harbour director, said: "The dredging would take about 18 months."',
        'Brandt, of Calder Lines, said: "I refuse to say how many ships the company would add."',
        'Harbour director Elena Marsh said: "The first ships could use the new berths in 2029."',
    ],
)
def test_reported_speech_made_a_quotation_is_refused(text: str) -> None:
    verdict = _verify(text)
    assert not verdict.supported, text


def test_a_real_quotation_is_accepted() -> None:
    verdict = _verify(
        '"This is the biggest investment the port has seen in a generation," Marsh told '
        "reporters after the vote."
    )
    assert verdict.supported, verdict.reasons


def test_a_quotation_object_of_reported_words_is_refused() -> None:
    reported = _verify(
        "the dredging would take about 18 months", kind="quote", speaker="Elena Marsh"
    )
    assert not reported.supported
    assert "quote no one" in reported.reasons[0]
    quoted = _verify(
        "We are committed to this port for the long term", kind="quote", speaker="Brandt"
    )
    assert quoted.supported, quoted.reasons


def test_a_source_without_quotation_marks_supports_no_quotation_of_speech() -> None:
    verifier = Verifier(
        [_document("a", "Officials said the bridge would reopen in May after the repairs.")]
    )
    speech = verifier.verify(Claim('Officials said: "The bridge would reopen in May."'))
    assert not speech.supported
    # Its marks may have been stripped: a quoted phrase not presented as speech is let be.
    phrase = verifier.verify(
        Claim('Officials expect "the bridge would reopen in May" after repairs.')
    )
    assert not any("quote no one" in r for r in phrase.reasons), phrase.reasons


# --- negation over function words -------------------------------------------------------


def test_a_negation_over_function_words_is_refused() -> None:
    verifier = Verifier([_document("a", "The museum said both brothers had one as children.")])
    verdict = verifier.verify(Claim("The museum said both brothers did not have one as children."))
    assert not verdict.supported
    assert any("negates" in r for r in verdict.reasons), verdict.reasons


# --- a veto on the cited evidence stands ------------------------------------------------


def test_what_the_cited_evidence_contradicts_is_not_left_to_a_checker() -> None:
    documents = [
        _document(
            "a",
            "By the 1980s he was working at the US National Institute of Health. "
            "But Dr Venter will have come to expect that.",
        )
    ]
    claim = Claim(
        "But US National Institute of Health will have come to expect that.",
        evidence=(ClaimEvidence("a", "But Dr Venter will have come to expect that."),),
    )
    verdict = Verifier(documents).verify(claim)
    assert not verdict.supported
    assert verdict.score <= THRESHOLD / 2
    # A hard veto: no checker is asked, however the checker is configured.
    assert verdict.vetoed and doubt(verdict, confirm_below=1.0) is None
    assert any("where the sentence names" in r for r in verdict.reasons), verdict.reasons


# --- every corruption of any sentence ---------------------------------------------------


@lru_cache(maxsize=1)
def _corruptions() -> tuple[tuple[str, str, str], ...]:
    sentences = [s.text for d in _articles() for s in d.content_sentences]
    corruptor = Corruptor(sentences)
    return tuple(
        (c.kind, c.text, c.source)
        for sentence in sentences
        for c in corruptor.corruptions(sentence, ADVERSARIAL_KINDS)
    )


def test_the_test_articles_give_every_adversarial_kind() -> None:
    assert {kind for kind, _, _ in _corruptions()} == set(ADVERSARIAL_KINDS)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_adversarial_corruption_is_refused_and_its_source_accepted(
    data: st.DataObject,
) -> None:
    kind, corrupted, source = data.draw(st.sampled_from(_corruptions()))
    assert _verify(source).supported, source
    assert not _verify(corrupted).supported, (kind, corrupted)


# --- a name swapped where another sentence states the claim's name ------------------------

SWAP_SOURCES = (
    "Norway, Chile agree to expand cooperation on fisheries, says the minister. "
    "The minister also praised a research programme with Norway and the UK. "
    "Marking the 50th anniversary of relations between Norway and Chile, the two "
    "governments are preparing a statement, according to Norwegian officials. "
    "Chile and Norway already work with the UK on ocean research."
)
CUSTODY_SOURCES = (
    "He was detained by U.S. Immigration and Customs Enforcement on Friday, a court heard. "
    "Marek Ortega had been charged in March. "
    "Marek Ortega, 31, is in the U.S. on a student visa, court papers say. "
    "Nevada police said they want Ortega held without bail in Nevada. "
    "He will be sent back to Nevada next month."
)


@pytest.mark.parametrize(
    ("sources", "faithful", "swapped"),
    [
        # A listed place at the start of a sentence is a name like any other.
        (
            SWAP_SOURCES,
            "Norway, Chile agree to expand cooperation on fisheries, says the minister.",
            "UK, Chile agree to expand cooperation on fisheries, says the minister.",
        ),
        # The claim uses the replaced name elsewhere ("Norwegian"), yet the sentence stating
        # the rest never names the UK: not a reordering.
        (
            SWAP_SOURCES,
            "Marking the 50th anniversary of relations between Chile and Norway, the two "
            "governments are preparing a statement, according to Norwegian officials.",
            "Marking the 50th anniversary of relations between UK and Chile, the two "
            "governments are preparing a statement, according to Norwegian officials.",
        ),
        # "U.S. Immigration" is one name, though "Immigration" follows a full stop.
        (
            CUSTODY_SOURCES,
            "He was detained by U.S. Immigration and Customs Enforcement on Friday.",
            "He was detained by Ortega and Customs Enforcement on Friday.",
        ),
        # A name after "in" is a place, the other place is no metonym for it.
        (
            CUSTODY_SOURCES,
            "Marek Ortega, 31, is in the U.S. on a student visa, court papers say.",
            "Marek Ortega, 31, is in Nevada on a student visa, court papers say.",
        ),
        (
            CUSTODY_SOURCES,
            "Nevada police said they want Ortega held without bail in Nevada.",
            "U.S. police said they want Ortega held without bail in Nevada.",
        ),
    ],
)
def test_a_name_stated_elsewhere_does_not_take_another_names_place(
    sources: str, faithful: str, swapped: str
) -> None:
    verifier = Verifier([_document("a", sources)])
    assert verifier.verify(Claim(faithful)).supported, faithful
    verdict = verifier.verify(Claim(swapped))
    assert not verdict.supported and verdict.vetoed, (swapped, verdict.reasons)
    assert any("where the sentence names" in r for r in verdict.vetoes), verdict.reasons


def test_a_hedge_dropped_from_its_place_is_a_veto_a_hedge_read_from_its_scope_is_not() -> None:
    verifier = Verifier(
        [_document("a", "Officials could raise the tax on fuel next year, a report said.")]
    )
    at_its_place = verifier.verify(Claim("Officials will raise the tax on fuel next year."))
    assert not at_its_place.supported and at_its_place.vetoed, at_its_place.reasons
    reworded = verifier.verify(Claim("The tax on fuel will rise next year."))
    assert not reworded.supported and not reworded.vetoed, reworded.reasons
    assert doubt(reworded, confirm_below=0.7) == "soft_rejection"


@pytest.mark.parametrize(
    ("source", "unhedged"),
    [
        # The auxiliary changes its form when the hedge goes ("could have" -> "had").
        (
            "Farmers fear the impact a storm could have on nearby fields.",
            "Farmers fear the impact a storm had on nearby fields.",
        ),
        # The hedge's own "are" does not state "concerns are ... been".
        (
            "The concerns are understood to have been around the handling of the samples.",
            "The concerns have been around the handling of the samples.",
        ),
        # "I hadn't had" does not state "I had".
        (
            "'If I hadn't had a friend with me, I may have backed out,' said Katz.",
            "'If I hadn't had a friend with me, I had backed out,' said Katz.",
        ),
    ],
)
def test_a_hedge_dropped_from_its_place_in_other_forms_is_a_veto(
    source: str, unhedged: str
) -> None:
    verifier = Verifier([_document("a", source)])
    verdict = verifier.verify(Claim(unhedged))
    assert not verdict.supported and verdict.vetoed, verdict.reasons
    assert verifier.verify(Claim(source)).supported


# --- a veto on the cited evidence against support in other words ------------------------

ROADS = (
    "Police said a car struck Ortega near the old port on Monday. "
    "Police said a bus hit Brandt near the old port on Monday."
)


def test_a_contradicted_citation_is_not_overruled_by_support_in_other_words() -> None:
    verifier = Verifier([_document("a", ROADS)])
    cited = (ClaimEvidence("a", "Police said a bus hit Brandt near the old port on Monday."),)
    # The cited sentence names Brandt in Ortega's place; the other states the claim only in
    # other words ("car" for "vehicle"): the contradiction stands, for a repair to settle.
    reworded = "Police said a vehicle struck Ortega near the old port on Monday."
    verdict = verifier.verify(Claim(reworded, evidence=cited))
    assert not verdict.supported and verdict.vetoed, verdict.reasons
    assert verifier.verify(Claim(reworded)).supported
    # In the sources' own words, other sentences overrule a wrong citation.
    same_words = "Police said a car struck Ortega near the old port on Monday."
    moved = verifier.verify(Claim(same_words, evidence=cited))
    assert moved.supported, moved.reasons
