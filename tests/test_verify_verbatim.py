"""Whole source sentences copied word for word are grounded; fragments get the full checks."""

from __future__ import annotations

from service.domain import ArticleInput, Document
from service.ingest.segment import ingest_article
from service.verify import Claim, ClaimEvidence, Verifier
from tests.test_verify import make_document

ARTICLE = (
    "She admits: 'I don't like the thought of getting old' OAPs Behaving Badly airs on "
    "Wednesdays at 9pm. Officials denied that the summit was cancelled. "
    "Trade between the two countries stands at $11.6 billion."
)


def _verifier() -> tuple[Verifier, Document]:
    document = make_document("a", ARTICLE)
    return Verifier([document]), document


def test_a_whole_sentence_with_unbalanced_quotes_is_supported() -> None:
    verifier, document = _verifier()
    sentence = document.sentences[0].text
    verdict = verifier.verify(Claim(sentence, evidence=(ClaimEvidence("a", sentence),)))
    assert verdict.supported and verdict.score == 1.0
    assert [c.text for c in verdict.citations] == [sentence]
    # Without evidence too, and through typography and case changes.
    folded = sentence.replace("'", "’").upper()
    assert verifier.verify(Claim(folded)).supported


def test_a_copied_fragment_that_drops_a_denial_is_not_waved_through() -> None:
    verifier, _ = _verifier()
    assert not verifier.verify(Claim("The summit was cancelled.")).supported


def test_a_changed_number_is_not_a_copy() -> None:
    verifier, _ = _verifier()
    verdict = verifier.verify(Claim("Trade between the two countries stands at $116 billion."))
    assert not verdict.supported


def test_sentences_joined_across_boilerplate_are_not_a_copy() -> None:
    text = "The leaders met in Tokyo.\ntwitter\nfacebook\nThey agreed to deepen ties."
    document = ingest_article(ArticleInput(id="b", body=text))
    assert any(s.boilerplate for s in document.sentences)
    claim = "The leaders met in Tokyo. twitter facebook They agreed to deepen ties."
    verdict = Verifier([document]).verify(Claim(claim))
    assert all("twitter" not in c.text for c in verdict.citations)


def test_a_copy_of_a_caption_whose_words_also_end_a_longer_sentence() -> None:
    caption = "Ms Moon performs a wide range of musical styles including pop and rap"
    text = (
        f"She sings in English and Tagalog and is known as the blonde Filipino {caption}.\n\n"
        f"{caption}\n\nShe moved to Manila last year."
    )
    document = ingest_article(ArticleInput(id="c", body=text))
    assert caption in [s.text for s in document.sentences]
    verdict = Verifier([document]).verify(Claim(caption, evidence=(ClaimEvidence("c", caption),)))
    assert verdict.supported and verdict.score == 1.0
    assert [c.text for c in verdict.citations] == [caption]
