"""devtools.reference_rejections: each rejection put in the group of its first veto."""

from __future__ import annotations

from devtools.reference_rejections import group_of
from service.domain import ArticleInput
from service.ingest.segment import ingest_article
from service.verify import Claim, Verifier

ARTICLE = (
    "The council approved the new budget on Monday after a long debate. "
    "Ticket prices for the city museum will rise next spring. "
    "Several residents spoke against the plan at the meeting. "
    "The library will open on Sundays from next year. "
    "Mayor Anna Berg thanked the staff for their work."
)


def _group(claim: str) -> str:
    document = ingest_article(ArticleInput(id="a", body=ARTICLE))
    verdict = Verifier([document]).verify(Claim(claim))
    assert not verdict.supported
    return group_of(verdict, document)


def test_a_name_the_article_states_elsewhere_is_absent_in_article() -> None:
    assert _group("Berg said the council approved the new budget on Monday.") == (
        "absent (in article)"
    )


def test_a_name_the_article_never_states_is_absent_not_in_article() -> None:
    assert _group("Olsen said the council approved the new budget on Monday.") == (
        "absent (not in article)"
    )


def test_a_negation_flip_is_grouped_by_its_kind() -> None:
    assert _group("The council did not approve the new budget on Monday.") == "negation"


def test_a_rejection_without_a_veto_is_soft() -> None:
    assert _group("The council praised the hospital's surgeons for their bravery.") == "soft"
