"""The verifier: what it must catch, what it must accept, and the spans it cites."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pysbd
import pytest

from service.domain import Document, SentenceGroup, SourceGroups, SourceSentence
from service.verify import Citation, Claim, ClaimEvidence, Verdict, Verifier

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
# Seed 004 is a scraped page: its menu, copyright and share lines are boilerplate.
BOILERPLATE_MARKERS = ("Any use of materials", "Caliber.az ©", "share-line", "twitter\n")


def make_document(article_id: str, text: str, boilerplate: Sequence[str] = ()) -> Document:
    """A Document split by pysbd; sentences containing any `boilerplate` string are marked."""
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    sentences: list[SourceSentence] = []
    for span in segmenter.segment(text):
        # pysbd spans carry trailing whitespace; a cited sentence should not.
        body = text[span.start : span.end].rstrip()
        if not body.strip():
            continue
        start = span.start + (len(body) - len(body.lstrip()))
        end = span.start + len(body)
        sentences.append(
            SourceSentence(
                article_id=article_id,
                index=len(sentences),
                start=start,
                end=end,
                text=text[start:end],
                boilerplate=any(marker in text[start:end] for marker in boilerplate),
            )
        )
    return Document(id=article_id, text=text, sentences=sentences)


@lru_cache(maxsize=1)
def seed_documents() -> tuple[Document, ...]:
    """The five seed articles (seed 004's page furniture marked as boilerplate)."""
    documents = []
    for path in sorted(SEEDS.glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        documents.append(make_document(article["id"], article["text"], BOILERPLATE_MARKERS))
    return tuple(documents)


@lru_cache(maxsize=1)
def seed_verifier() -> Verifier:
    return Verifier(seed_documents())


def verify(text: str, **kwargs: object) -> Verdict:
    return seed_verifier().verify(Claim(text, **kwargs))  # type: ignore[arg-type]


def assert_rejected(verdict: Verdict, reason: str) -> None:
    """The verdict rejects the claim, and one of its reasons says `reason`."""
    assert not verdict.supported
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def assert_grounded(verdict: Verdict, documents: Sequence[Document] | None = None) -> None:
    texts = {d.id: d.text for d in (documents or seed_documents())}
    for citation in verdict.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.text


# --- catches -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Bilateral trade stands at $12.6 billion.", "$12.6 billion"),
        ("Bilateral trade stands at 11.6 million dollars.", "11.6 million"),
        ("Bilateral trade between Japan and Italy stands at €11.6 billion.", "11.6 billion"),
        ("The meeting marked the 150th anniversary of diplomatic relations.", "150th"),
        ("The talks marked the one hundred and fiftieth anniversary of ties.", "fiftieth"),
        ("They aim to deploy the fighter jet by 2030.", "2030"),
        ("Takaichi and Meloni met in Tokyo on Jan 18.", "Jan 18"),
        ("Meloni began a four-day visit to Japan on Thursday.", "four"),
        ("Meloni began a three-day visit to Japan on Monday.", "monday"),
    ],
)
def test_rejects_wrong_numbers_and_dates(sentence: str, reason: str) -> None:
    verdict = verify(sentence)
    assert not verdict.supported
    assert any(reason.lower() in r.lower() for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(
    "sentence",
    [
        "Takaichi hosted Meloni in Rome.",
        "Takaichi hosted French President Emmanuel Macron in Tokyo.",
        "Japan and France agreed to strengthen supply chains for critical minerals.",
        "Japan, Italy and Germany are developing a next-generation fighter jet.",
    ],
)
def test_rejects_swapped_or_invented_names_and_places(sentence: str) -> None:
    verdict = verify(sentence)
    assert not verdict.supported
    assert verdict.score < 0.5


def test_rejects_a_wrong_role() -> None:
    verdict = verify("Japanese President Sanae Takaichi hosted Giorgia Meloni in Tokyo.")
    assert_rejected(verdict, "President")


@pytest.mark.parametrize(
    "sentence",
    [
        "Takaichi and Meloni agreed not to continue sanctions on Russia.",
        "Takaichi and Meloni agreed to end sanctions on Russia.",
        "Takaichi and Meloni did not agree to elevate relations to a special strategic "
        "partnership.",
    ],
)
def test_rejects_negation_and_antonyms(sentence: str) -> None:
    assert not verify(sentence).supported


def test_quote_must_be_verbatim_and_from_the_named_speaker() -> None:
    quote = "I’d like to further strengthen the special relationship between our two countries"
    right = verify(quote, kind="quote", speaker="Takaichi")
    assert right.supported
    assert [c.text for c in right.citations] == [quote]
    assert_grounded(right)
    assert not verify(quote, kind="quote", speaker="Meloni").supported
    altered = quote.replace("further", "greatly")
    assert not verify(altered, kind="quote", speaker="Takaichi").supported


def test_quoted_words_inside_a_statement_are_checked() -> None:
    said = (
        "Takaichi said, \"I'd like to further strengthen the special relationship between our "
        'two countries."'
    )
    assert verify(said).supported
    assert not verify(said.replace("Takaichi", "Meloni")).supported
    assert not verify(said.replace("special", "unique")).supported


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        # Both facts are in the sources, but no source says one came after (or because of)
        # the other.
        (
            "Meloni began a three-day visit to Japan after Japan became Italy's third-largest "
            "trading partner in Asia.",
            "do not link",
        ),
        (
            "The leaders agreed to continue sanctions on Russia because Meloni began a "
            "three-day visit to Japan.",
            "do not link",
        ),
        # Generation loops.
        (
            "Meloni began a three-day visit to Japan on Thursday, a three-day visit to Japan.",
            "repeats itself",
        ),
        (
            "The two leaders agreed to continue sanctions on Russia and sanctions on Russia and "
            "support for Ukraine.",
            "repeats itself",
        ),
        # A longer stretch said again at once.
        (
            "Meloni began a three-day visit to Japan and began a three-day visit to Japan.",
            "repeats itself",
        ),
        # The source says "strategic partnership to" twice, five words apart, not at once.
        (
            "Takaichi said the two nations upgraded their strategic partnership to strategic "
            "partnership to enhance ties.",
            "repeats itself",
        ),
        # A full name said twice: a writer would say "herself".
        ("Giorgia Meloni praised Giorgia Meloni in Tokyo.", "repeats itself: 'Giorgia Meloni'"),
        # The source: "Takaichi hosted Italian Prime Minister Giorgia Meloni in Tokyo."
        ("Takaichi was hosted by Meloni in Tokyo.", "other way round"),
        ("Meloni hosted Takaichi in Tokyo.", "other way round"),
    ],
)
def test_rejects_fusions_loops_and_roles_turned_round(sentence: str, reason: str) -> None:
    verdict = verify(sentence)
    assert_rejected(verdict, reason)


def test_accepts_a_link_the_source_makes() -> None:
    verdict = verify("The meeting came after Meloni began a three-day visit to Japan.")
    assert verdict.supported, verdict.reasons


def test_a_repetition_the_source_makes_is_accepted() -> None:
    # The source itself says "strategic partnership to" twice.
    verdict = verify(
        'takaichi said the two nations upgraded their current "strategic" partnership to a '
        '"special strategic" partnership to enhance ties in various fields .'
    )
    assert verdict.supported, verdict.reasons


@pytest.mark.parametrize(
    "sentence",
    ["Meloni was hosted by Takaichi in Tokyo.", "meloni was hosted by takaichi in tokyo ."],
)
def test_accepts_the_same_roles_in_the_passive(sentence: str) -> None:
    assert verify(sentence).supported


# --- accepts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Bilateral trade between Japan and Italy stands at $11.6 billion.",
        "Bilateral trade between Japan and Italy stands at 11.6bn dollars.",
        "The meeting marked the 160th anniversary of diplomatic relations.",
        "The meeting marked the one hundred and sixtieth anniversary of diplomatic relations.",
        "Meloni began a three-day visit to Japan on Thursday.",
        "Takaichi and Meloni agreed to continue sanctions on Russia and support for Ukraine.",
        "Japan and Italy agreed to upgrade their ties to a special strategic partnership.",
        "meloni 's three-day visit to japan began on thursday .",
        "On 16 January Takaichi and Meloni agreed to elevate relations between Japan and Italy.",
        "Japan, Italy and the United Kingdom are jointly developing a next-generation fighter.",
        "Japan and Italy are both members of the G7.",
        "The Italian and Japanese leaders agreed to strengthen supply chains for critical "
        "minerals.",
    ],
)
def test_accepts_verbatim_and_light_paraphrase(sentence: str) -> None:
    verdict = verify(sentence)
    assert verdict.supported, verdict.reasons
    assert verdict.citations
    assert verdict.score >= 0.5
    assert_grounded(verdict)


def test_statement_citations_are_whole_source_sentences() -> None:
    verdict = verify(
        "Meloni began a three-day visit to Japan on Thursday.",
        evidence=(ClaimEvidence(quote="Meloni began a three-day visit Thursday to Japan"),),
    )
    assert verdict.supported
    sentences = {(s.article_id, s.start, s.end) for d in seed_documents() for s in d.sentences}
    for citation in verdict.citations:
        assert (citation.article_id, citation.start, citation.end) in sentences
    assert_grounded(verdict)


def test_a_quote_that_does_not_resolve_is_reported() -> None:
    verdict = verify(
        "Japan and Italy agreed to upgrade their ties.",
        evidence=(ClaimEvidence(article_id="001_ec6f5beddeab66db", quote="words nobody wrote"),),
    )
    assert any("quote not found" in r for r in verdict.reasons)


def test_boilerplate_is_never_cited() -> None:
    verdict = verify(
        "Any use of materials is allowed only if there is a hyperlink to Caliber.az.",
        evidence=(
            ClaimEvidence(
                article_id="004_cf31b5b404e68b4a",
                quote="Any use of materials is allowed only if there is a hyperlink to Caliber.az",
            ),
        ),
    )
    assert not verdict.supported
    boilerplate = {
        (s.article_id, s.start) for d in seed_documents() for s in d.sentences if s.boilerplate
    }
    assert all((c.article_id, c.start) not in boilerplate for c in verdict.citations)


def test_stitched_claim_cites_each_article() -> None:
    verdict = verify(
        "Japan becoming Italy's third-largest trading partner in Asia, the two countries aim "
        "to deploy a next-generation fighter jet developed with Britain by 2035.",
        evidence=(
            ClaimEvidence(
                article_id="001_ec6f5beddeab66db",
                quote="Japan becoming Italy’s third-largest trading partner in Asia",
            ),
            ClaimEvidence(
                article_id="002_8947275ea8fd0681",
                quote="a trilateral project with Britain to develop a next-generation fighter jet, "
                "which they aim to deploy by 2035",
            ),
        ),
    )
    assert verdict.supported, verdict.reasons
    assert {c.article_id for c in verdict.citations} >= {
        "001_ec6f5beddeab66db",
        "002_8947275ea8fd0681",
    }


def test_groups_add_every_article_that_says_it() -> None:
    documents = seed_documents()
    verifier = Verifier(documents, SourceGroups(groups=[]))
    verdict = verifier.verify(
        Claim(
            "A trilateral project with Britain aims to deploy a next-generation fighter jet "
            "by 2035."
        )
    )
    assert verdict.supported, verdict.reasons
    assert {c.article_id for c in verdict.citations} >= {
        "002_8947275ea8fd0681",
        "004_cf31b5b404e68b4a",
    }


@pytest.mark.parametrize(
    ("copy", "cited"),
    [
        # A grouped copy that says the same is cited as corroboration ...
        ("Talks lasted four hours, officials said. The weather was cold.", {"a", "b"}),
        # ... one that states a different number is not.
        ("Talks lasted six hours, officials said. The weather was cold.", {"a"}),
    ],
)
def test_group_members_are_cited_when_they_say_the_same(copy: str, cited: set[str]) -> None:
    first = make_document("a", "The ministers met in Oslo on Monday. Talks lasted four hours.")
    second = make_document("b", copy)
    group = SentenceGroup(id="g1", members=[first.sentences[1], second.sentences[0]])
    verifier = Verifier([first, second], SourceGroups(groups=[group]))
    verdict = verifier.verify(
        Claim("Talks lasted four hours.", evidence=(ClaimEvidence("a", "Talks lasted four hours"),))
    )
    assert verdict.supported
    assert {c.article_id for c in verdict.citations} == cited
    assert_grounded(verdict, [first, second])


def test_citation_type_is_the_public_one() -> None:
    verdict = verify("Meloni began a three-day visit to Japan on Thursday.")
    assert all(isinstance(c, Citation) for c in verdict.citations)


# --- first person without a speaker ----------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        # Meloni's words, with the quotation marks and the speaker lost.
        "I believe in the cooperative relationship between Italy and Japan.",
        "i believe in the cooperative relationship between italy and japan .",
        "We reiterated our will to further develop an increasingly solid strategic cooperation.",
    ],
)
def test_first_person_without_a_speaker_is_rejected(sentence: str) -> None:
    verdict = verify(sentence)
    assert_rejected(verdict, "first person outside a quotation")


@pytest.mark.parametrize(
    "sentence",
    [
        'Meloni said: "I believe in the cooperative relationship between Italy and Japan."',
        "meloni said : `` i believe in the cooperative relationship between italy and japan . ''",
        "Meloni said she believes in the cooperative relationship between Italy and Japan.",
    ],
)
def test_first_person_inside_a_quotation_is_judged_as_a_quote(sentence: str) -> None:
    verdict = verify(sentence)
    assert verdict.supported, verdict.reasons


def test_a_numeral_after_a_name_is_not_a_speaker() -> None:
    document = make_document(
        "w", "The museum opened a hall on World War I. Visitors queued for an hour."
    )
    verdict = Verifier([document]).verify(Claim("The museum opened a hall on World War I."))
    assert verdict.supported, verdict.reasons


# --- hedges --------------------------------------------------------------------------------

HEDGED = make_document(
    "h",
    "The judges, who are thought to earn more than £200,000 a year, ruled against him. "
    "Turnout could reach a record high of 51 million in eight years.",
)


def check_hedged(text: str, *documents: Document) -> Verdict:
    return Verifier([HEDGED, *documents]).verify(Claim(text))


@pytest.mark.parametrize(
    "sentence",
    [
        "The judges earn more than £200,000 a year.",
        "Turnout will reach a record high of 51 million in eight years.",
        "turnout will reach a record high of 51 million in eight years .",
    ],
)
def test_a_hedge_the_sources_make_may_not_be_dropped(sentence: str) -> None:
    verdict = check_hedged(sentence)
    assert_rejected(verdict, "states it as fact")


@pytest.mark.parametrize(
    "sentence",
    [
        "The judges are thought to earn more than £200,000 a year.",
        # Another hedge word is as good: the claim is no more certain than the source.
        "Turnout may reach a record high of 51 million in eight years.",
    ],
)
def test_a_hedged_claim_is_accepted(sentence: str) -> None:
    verdict = check_hedged(sentence)
    assert verdict.supported, verdict.reasons


def test_a_fact_one_source_states_flatly_may_be_stated_flatly() -> None:
    flat = make_document("f", "The judges earn more than £200,000 a year, the report said.")
    verdict = check_hedged("The judges earn more than £200,000 a year.", flat)
    assert verdict.supported, verdict.reasons
