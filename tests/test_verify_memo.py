"""A verifier decides each claim once: asked again, it gives the verdict a fresh verifier gives;
another set of articles never sees it; the memo is bounded and hands out its own copies."""

from __future__ import annotations

from service.config import Settings
from service.domain import ArticleInput
from service.ingest.grouping import group_sentences
from service.pipeline.prepared import PreparedCache, prepared_for
from service.verify import Claim, ClaimEvidence, Verdict, Verifier
from service.verify.memo import MIN_ENTRIES, VerdictMemo
from tests.test_verify import seed_documents
from tests.test_verify_concurrency import _claims


def test_a_claim_asked_again_gets_the_verdict_a_fresh_verifier_gives() -> None:
    documents = seed_documents()
    groups = group_sentences(documents)
    claims = _claims()
    uncached = [Verifier(documents, groups).verify(c) for c in claims]
    shared = Verifier(documents, groups)
    first = [shared.verify(c) for c in claims]
    # Asked again, in another order: every answer comes from the memo.
    again = {i: shared.verify(claims[i]) for i in reversed(range(len(claims)))}
    assert len(shared._memo) == len(set(claims))
    assert first == uncached
    assert [again[i] for i in range(len(claims))] == uncached
    assert any(v.supported for v in uncached) and any(not v.supported for v in uncached)


def test_the_evidence_is_part_of_the_claim_remembered() -> None:
    documents = seed_documents()
    verifier = Verifier(documents, group_sentences(documents))
    sentence = documents[0].content_sentences[0]
    cited = Claim(sentence.text, evidence=(ClaimEvidence(documents[0].id, sentence.text),))
    wrong = Claim(sentence.text, evidence=(ClaimEvidence("no-such-article", sentence.text),))
    assert verifier.verify(cited).supported
    told = verifier.verify(wrong)
    assert "unknown article 'no-such-article'" in told.reasons
    assert told == Verifier(documents, group_sentences(documents)).verify(wrong)


def _article(article_id: str, body: str) -> ArticleInput:
    return ArticleInput(id=article_id, body=body)


def test_another_set_of_articles_does_not_see_the_verdicts_of_the_first() -> None:
    settings = Settings(prepared_cache_chars=100_000)
    cache = PreparedCache()
    said = "The council approved the new library budget of 4 million euros on Monday evening."
    first = [_article("a", said + " The vote was close and ended after midnight.")]
    other = [_article("a", "The council rejected every budget proposal put to it this year.")]
    claim = Claim(said)
    supported = prepared_for(first, settings, cache).verifier.verify(claim)
    assert supported.supported
    # The same set again is the same prepared set: its verdict is the remembered one.
    again = prepared_for(first, settings, cache)
    assert again.verifier.verify(claim) == supported and len(again.verifier._memo) == 1
    # Other articles: another verifier, which decides for itself, against its own text.
    elsewhere = prepared_for(other, settings, cache).verifier
    assert len(elsewhere._memo) == 0
    verdict = elsewhere.verify(claim)
    assert not verdict.supported
    assert verdict == Verifier(prepared_for(other, settings).documents).verify(claim)


def _verdict(text: str) -> Verdict:
    return Verdict(True, 1.0, [], [text], {"score": 1.0})


def test_the_memo_decides_once_and_drops_the_least_recently_used() -> None:
    memo = VerdictMemo(0)
    assert memo.max_entries == MIN_ENTRIES
    decided: list[str] = []

    def decide(claim: Claim) -> Verdict:
        decided.append(claim.text)
        return _verdict(claim.text)

    claims = [Claim(f"claim {i}") for i in range(MIN_ENTRIES)]
    for claim in claims:
        memo.verdict(claim, decide)
    memo.verdict(claims[0], decide)  # now the most recently used
    memo.verdict(Claim("one more"), decide)  # drops claims[1], the oldest
    assert len(memo) == MIN_ENTRIES and len(decided) == MIN_ENTRIES + 1
    memo.verdict(claims[0], decide)
    assert len(decided) == MIN_ENTRIES + 1
    memo.verdict(claims[1], decide)
    assert decided[-1] == "claim 1" and len(decided) == MIN_ENTRIES + 2


def test_what_a_caller_does_with_a_verdict_reaches_no_other_caller() -> None:
    memo = VerdictMemo(MIN_ENTRIES)
    claim = Claim("a claim")
    given = memo.verdict(claim, lambda c: _verdict(c.text))
    given.reasons.append("changed by a caller")
    given.details["score"] = 0.0
    assert memo.verdict(claim, lambda c: _verdict("decided again")) == _verdict("a claim")
