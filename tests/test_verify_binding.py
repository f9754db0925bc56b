"""The verifier checks what is said next to what: roles, ages, full names, opposite words."""

from __future__ import annotations

import pytest

from service.domain import Document
from service.verify import Claim, Verdict, Verifier
from service.verify.analysis import analyse
from tests.test_verify import assert_rejected, make_document, verify

SUMMIT = make_document(
    "summit",
    "Prime Minister Sanae Takaichi hosted Italian Prime Minister Giorgia Meloni in Tokyo on "
    "Friday. It was the first meeting of the two leaders since the election last year. "
    "The talks were attended by foreign minister Antonio Tajani and his deputy, Maria "
    "Tripodi. Louis Jordan, 37, was found by his father, Frank Jordan, on Thursday. "
    "Frank Jordan said he never lost hope.",
)


def check(text: str, document: Document = SUMMIT) -> Verdict:
    return Verifier([document]).verify(Claim(text))


@pytest.mark.parametrize(
    "sentence",
    [
        "Takaichi hosted Meloni in Tokyo on Friday.",
        "Meloni was hosted by Takaichi in Tokyo.",
        "It was the first meeting of the two leaders since the election.",
        "Louis Jordan, 37, was found on Thursday.",
        "louis jordan , 37 , was found on thursday .",
        "Frank Jordan said he never lost hope.",
        "The talks were attended by Antonio Tajani and Maria Tripodi.",
    ],
)
def test_accepts_what_the_source_binds(sentence: str) -> None:
    verdict = check(sentence)
    assert verdict.supported, verdict.reasons


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        # A role swap: both names and the verb are in the source, in the other order.
        ("Meloni hosted Takaichi in Tokyo on Friday.", "'Sanae Takaichi' with 'hosted'"),
        ("meloni hosted takaichi in tokyo on friday .", "with 'hosted'"),
        # An age bound to the wrong person.
        ("Frank Jordan, 37, was found on Thursday.", "'Louis Jordan' with '37'"),
        # "last" where the source says "first" and uses "last" elsewhere.
        ("It was the last meeting of the two leaders since the election.", "'first'"),
        # A first name of one person glued to the surname of another.
        ("The talks were attended by Antonio Tripodi.", "Antonio Tripodi"),
    ],
)
def test_rejects_what_the_source_binds_otherwise(sentence: str, reason: str) -> None:
    verdict = check(sentence)
    assert_rejected(verdict, reason)


def test_a_title_and_surname_is_the_one_full_name_of_that_surname() -> None:
    document = make_document(
        "t",
        "The actor Robert Hardy has collected props for decades. Mr Hardy, 89, is auctioning "
        "off more than 200 items from his collection.",
    )
    verdict = check("Robert Hardy, 89, is auctioning off more than 200 items.", document)
    assert verdict.supported, verdict.reasons


def test_a_title_and_surname_two_full_names_share_is_neither() -> None:
    document = make_document(
        "t",
        "Robert Hardy and his brother Louis Hardy run the shop. Mr Hardy, 89, is auctioning "
        "off more than 200 items from his collection.",
    )
    verdict = check("Louis Hardy, 89, is auctioning off more than 200 items.", document)
    assert_rejected(verdict, "'Mr Hardy' with '89'")


def _glued(source: str, claim: str) -> list[str]:
    """The names the claim glues from parts of different names of the source."""
    index = Verifier([make_document("g", source)]).index
    return index.glued_names(analyse(claim, index.known_names, index.vocabulary))


@pytest.mark.parametrize(
    ("source", "claim", "glued"),
    [
        # Nothing names a different "Odile" or "Brannock": joining them is no glue.
        (
            "Former winger Brannock, 41, has coached the under-21 side since 2019. "
            "The board praised Odile's loyalty and said the appointment was unanimous.",
            "Odile Brannock has coached the under-21 side since 2019.",
            [],
        ),
        # "Lena" of "Lena and Marco Vidal" belongs to a full name: glued to a word of another
        # name it is a swap.
        (
            "The retired couple Lena and Marco Vidal set up their website Quiet Harbours "
            "last year.",
            "The couple set up their website Lena Harbours last year.",
            ["Lena Harbours"],
        ),
        # "Lower Avon" is one name within "Lower Avon Police and Rescue Service".
        (
            "Lower Avon Police and Rescue Service said the warehouse fire was out by noon.",
            "A warehouse fire in Lower Avon was out by noon.",
            [],
        ),
    ],
)
def test_a_name_is_glued_only_from_parts_of_other_names(
    source: str, claim: str, glued: list[str]
) -> None:
    assert _glued(source, claim) == glued


def test_an_invented_name_in_lower_cased_text_is_caught_by_its_slot() -> None:
    # No capitals to mark it as a name, and no "said" beside it: the slot gives it away.
    assert check("louis jordan , 37 , was found by his father , frank jordan .").supported
    verdict = check("louis jordan , 37 , was found by his father , kowalski .")
    assert_rejected(verdict, "'Frank Jordan' with 'father'")


def test_a_symmetric_verb_takes_its_names_in_either_order() -> None:
    document = make_document("m", "Takaichi met Meloni in Tokyo on Friday for two hours.")
    verdict = Verifier([document]).verify(Claim("Meloni met Takaichi in Tokyo on Friday."))
    assert verdict.supported, verdict.reasons


def test_names_joined_by_and_share_the_verb() -> None:
    document = make_document(
        "a",
        "Sanae Takaichi and her Italian counterpart Giorgia Meloni agreed on Friday to "
        "elevate relations between Japan and Italy.",
    )
    verdict = Verifier([document]).verify(
        Claim("Takaichi agreed on Friday to elevate relations between Italy and Japan.")
    )
    assert verdict.supported, verdict.reasons


def test_seed_role_swap_is_rejected() -> None:
    assert verify("Takaichi hosted Meloni in Tokyo.").supported
    assert not verify("Meloni hosted Takaichi in Tokyo.").supported


def test_an_age_written_as_year_old_is_the_number() -> None:
    document = make_document("d", "Al-Douri, 72, headed the Naqshbandi Order insurgent group.")
    verifier = Verifier([document])
    assert verifier.verify(Claim("The 72-year-old headed the Naqshbandi Order.")).supported
    assert not verifier.verify(Claim("The 73-year-old headed the Naqshbandi Order.")).supported


def test_a_general_word_is_supported_by_the_specific_one() -> None:
    document = make_document(
        "d",
        "Prime Minister Sanae Takaichi met President Emmanuel Macron in Tokyo on Friday. "
        "Japan and France signed a pact on rare earths.",
    )
    verifier = Verifier([document])
    assert verifier.verify(Claim("Takaichi and Macron, both leaders, met in Tokyo.")).supported
    assert verifier.verify(Claim("The countries signed a pact on rare earths.")).supported
    # Never the reverse: a specific role is not supported by a general word.
    other = make_document("e", "The leader of the party met Macron in Tokyo on Friday.")
    assert not Verifier([other]).verify(Claim("The premier met Macron in Tokyo.")).supported


def test_an_age_may_come_from_where_the_sources_first_name_the_person() -> None:
    document = make_document(
        "d",
        "Barry Beavis, 48, lost his case at the Court of Appeal. Barry Beavis launched a "
        "legal bid to overturn his fine.",
    )
    verifier = Verifier([document])
    verdict = verifier.verify(Claim("Barry Beavis, 48, launched a legal bid to overturn his fine."))
    assert verdict.supported, verdict.reasons
    assert len(verdict.citations) == 2
    assert not verifier.verify(Claim("Barry Beavis, 49, launched a legal bid.")).supported


@pytest.mark.parametrize(
    ("sentence", "supported"),
    [
        ("The two leaders met in Tokyo.", True),
        ("The three leaders met in Tokyo.", False),
        ("The two countries signed a pact.", True),
        ("The three countries signed a pact.", False),
    ],
)
def test_the_two_leaders_counts_the_leaders_the_span_names(sentence: str, supported: bool) -> None:
    document = make_document(
        "d",
        "Prime Minister Sanae Takaichi and President Emmanuel Macron met in Tokyo on "
        "Friday, where Japan and France signed a pact.",
    )
    verdict = Verifier([document]).verify(Claim(sentence))
    assert verdict.supported is supported, verdict.reasons


@pytest.mark.parametrize(
    ("sentence", "stated"),
    [
        ("The jury found the former minister innocent of fraud on Tuesday.", "'guilty'"),
        ("The opposition criticised the budget plan on Tuesday.", "'praised'"),
    ],
)
def test_an_opposite_word_in_the_same_slot_is_a_contradiction(sentence: str, stated: str) -> None:
    document = make_document(
        "d",
        "The jury found the former minister guilty of fraud on Tuesday. The opposition "
        "praised the budget plan on Tuesday, and the unions welcomed it.",
    )
    verdict = Verifier([document]).verify(Claim(sentence))
    assert_rejected(verdict, stated)


COURT = make_document(
    "court",
    "Dara Quill covered her face as she left the district court, where she was granted "
    "bail on Monday. Her neighbour Tomas Brenn had complained about the noise for months. "
    "Officials said Brenn was moved to a hospital after the row.",
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Dara Quill was granted bail on Monday.",
        "quill was granted bail on monday .",
        # The source names the person with the verb itself: the pronoun check stands aside.
        "Brenn was moved to a hospital after the row.",
    ],
)
def test_a_pronoun_stands_for_a_person_named_before_it(sentence: str) -> None:
    verdict = check(sentence, COURT)
    assert verdict.supported, verdict.reasons


@pytest.mark.parametrize(
    "sentence",
    ["Tomas Brenn was granted bail on Monday.", "brenn was granted bail on monday ."],
)
def test_a_person_given_what_a_pronoun_for_someone_else_did_is_rejected(sentence: str) -> None:
    verdict = check(sentence, COURT)
    assert_rejected(verdict, "to 'she' (Dara Quill)")
