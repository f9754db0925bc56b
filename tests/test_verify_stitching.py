"""Stitching: a claim that takes a name or a number from a neighbouring sentence of the same
article is supported; one that puts another sentence's name or number in place of the main
sentence's own is a swap and is rejected."""

from __future__ import annotations

from service.domain import ArticleInput
from service.ingest.segment import ingest_article
from service.verify import Claim, Verdict, Verifier


def _verify(article: str, claim: str) -> Verdict:
    document = ingest_article(ArticleInput(id="a", body=article))
    return Verifier([document]).verify(Claim(claim))


FILLER = (
    "The stadium was full for the first time this year. "
    "Ticket prices were cut last month to draw more supporters. "
)
# The name is in the sentence after the one that states the fact.
NAME_NEXT = (
    FILLER
    + "The striker scored twice as the club beat its rivals 3-1 on Saturday. "
    + "Diego Ramos now has 20 goals for the club this season. "
    + "The coach praised the defence after the match."
)


def test_a_name_from_the_next_sentence_completes_the_fact() -> None:
    verdict = _verify(NAME_NEXT, "Ramos scored twice as the club beat its rivals on Saturday.")
    assert verdict.supported, verdict.reasons
    assert len(verdict.citations) == 2


def test_a_full_name_from_the_next_sentence_is_stitched_and_left_to_the_score() -> None:
    # Both parts of the name come from the neighbour: the stitch is made (no name is vetoed
    # as missing, both sentences are cited), and with two names taken from elsewhere the
    # calibrated score decides; here it is a soft rejection an independent checker may settle.
    verdict = _verify(
        NAME_NEXT, "Diego Ramos scored twice as the club beat its rivals on Saturday."
    )
    assert not verdict.vetoes, verdict.vetoes
    cited = {c.text for c in verdict.citations}
    assert "Diego Ramos now has 20 goals for the club this season." in cited


def test_a_name_put_in_place_of_the_sentences_own_is_a_swap() -> None:
    article = NAME_NEXT.replace("The striker scored", "Luis Vega scored")
    verdict = _verify(article, "Ramos scored twice as the club beat its rivals on Saturday.")
    assert not verdict.supported
    assert any("Ramos" in v or "Vega" in v for v in verdict.vetoes), verdict.vetoes


def test_a_name_from_a_distant_sentence_is_not_stitched_on() -> None:
    distant = (
        "The striker scored twice as the club beat its rivals 3-1 on Saturday. "
        + FILLER * 3
        + "Diego Ramos now has 20 goals for the club this season."
    )
    verdict = _verify(distant, "Ramos scored twice as the club beat its rivals on Saturday.")
    assert not verdict.supported


# The day is in the sentence before the one that states the fact.
DAY_BEFORE = (
    FILLER
    + "The club played its rivals on Saturday in front of a full stadium. "
    + "Ramos scored twice as the club beat its rivals. "
    + "The coach praised the defence after the match."
)


def test_a_day_from_the_previous_sentence_completes_the_fact() -> None:
    verdict = _verify(DAY_BEFORE, "Ramos scored twice as the club beat its rivals on Saturday.")
    assert verdict.supported, verdict.reasons


def test_a_day_put_in_place_of_the_sentences_own_is_a_swap() -> None:
    article = DAY_BEFORE.replace("beat its rivals.", "beat its rivals on Sunday.")
    verdict = _verify(article, "Ramos scored twice as the club beat its rivals on Saturday.")
    assert not verdict.supported


# The quoted word is two sentences after the one that states the fact.
QUOTED_LATER = (
    "Tom Reed lost his case against the parking company at the High Court on Monday. "
    "The judges ruled that the charge was fair and could be enforced. "
    "Mr Reed said he was 'absolutely furious' and would appeal. "
    "Motoring groups said the ruling would affect millions of drivers."
)


def test_quoted_words_from_another_sentence_of_the_article_are_cited() -> None:
    verdict = _verify(
        QUOTED_LATER, "Tom Reed lost his case at the High Court on Monday and was 'furious'."
    )
    assert verdict.supported, verdict.reasons
    assert any("furious" in c.text for c in verdict.citations)


def test_quoted_words_the_article_does_not_quote_verbatim_are_still_vetoed() -> None:
    verdict = _verify(
        QUOTED_LATER, "Tom Reed lost his case at the High Court on Monday and was 'livid'."
    )
    assert not verdict.supported
    assert any("quoted words" in v for v in verdict.vetoes), verdict.vetoes


def test_a_tokenised_possessive_opens_no_quotation() -> None:
    # CNN/DM's tokenised "reed 's" is a possessive: were its apostrophe a quotation mark,
    # "s case was lost and he said he was" would be quoted words no source quotes.
    verdict = _verify(
        QUOTED_LATER, "tom reed 's case was lost and he said he was ` absolutely furious ' ."
    )
    # No quotation veto: the quoted words are found, the first name comes from the first
    # sentence, and the score (a name taken from elsewhere) decides.
    assert not verdict.vetoes, verdict.vetoes
    assert "Mr Reed said he was 'absolutely furious' and would appeal." in {
        c.text for c in verdict.citations
    }
    surname_only = _verify(
        QUOTED_LATER, "reed 's case was lost and he said he was ` absolutely furious ' ."
    )
    assert surname_only.supported, surname_only.reasons
