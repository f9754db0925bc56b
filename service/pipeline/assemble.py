"""From a model's draft to the verified summary: only sentences the verifier supports survive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from service.domain import Document, SourceGroups
from service.drafting.drafts import (
    DraftConflict,
    DraftEvent,
    DraftQuote,
    DraftSentence,
    SummaryDraft,
)
from service.pipeline.results import (
    DroppedSentence,
    Summary,
    VerifiedConflict,
    VerifiedEvent,
    VerifiedQuote,
    VerifiedSentence,
)
from service.text.when import publication_date, resolve_when
from service.verify import Citation, Claim, ClaimEvidence, Verdict, Verifier
from service.verify.conflicts import find_disagreements, independent_groups

NO_SPAN = "no citation resolves to a span of the sources"


@dataclass(frozen=True)
class Failure:
    """A draft sentence that failed verification, kept for repair and for the report."""

    field: str
    draft: DraftSentence | DraftQuote
    verdict: Verdict
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, field: str, draft: DraftSentence | DraftQuote, verdict: Verdict) -> Failure:
        """The failure of `draft` for the reasons its verdict gives."""
        return cls(field, draft, verdict, tuple(verdict.reasons))

    def noting(self, reasons: Sequence[str]) -> Failure:
        """The same failure with more reasons, from a later attempt."""
        return replace(self, reasons=(*self.reasons, *reasons))


def claim_of(item: DraftSentence | DraftQuote) -> Claim:
    """The verifier's view of a draft sentence, event or quotation."""
    if isinstance(item, DraftQuote):
        return Claim(
            text=item.quote,
            evidence=(ClaimEvidence(article_id=item.article_id, quote=item.quote),),
            kind="quote",
            speaker=item.speaker,
        )
    evidence = tuple(ClaimEvidence(article_id=e.article_id, quote=e.quote) for e in item.evidence)
    parts: tuple[str, ...] = ()
    if isinstance(item, DraftEvent):
        parts = tuple(p for p in (*item.who, item.where, item.when) if p)
    return Claim(text=item.text, evidence=evidence, parts=parts)


class Assembler:
    """Verifies every part of a draft against the request's documents."""

    def __init__(
        self,
        documents: Sequence[Document],
        groups: SourceGroups,
        verifier: Verifier,
        memo: dict[str, Any] | None = None,
    ) -> None:
        self.texts = {doc.id: doc.text for doc in documents}
        self.published = {
            doc.id: day
            for doc in documents
            if (day := publication_date(doc.published_at)) is not None
        }
        self.groups = groups
        self.verifier = verifier
        self.checked = 0
        # What depends on the sources alone (their conflicts), kept with the prepared set so a
        # repeated set pays once; a plain dict: two threads computing it find the same value.
        self.memo: dict[str, Any] = {} if memo is None else memo

    def grounded(self, citations: Sequence[Citation]) -> tuple[Citation, ...]:
        """Citations re-checked against the documents: the grounding invariant, enforced here."""
        return tuple(
            c
            for c in citations
            if (text := self.texts.get(c.article_id)) is not None
            and 0 <= c.start < c.end <= len(text)
            and text[c.start : c.end] == c.text
        )

    def check(
        self, item: DraftSentence | DraftQuote, verdict: Verdict | None = None
    ) -> tuple[Verdict, tuple[Citation, ...]]:
        """Verify one item (or take a verdict reached elsewhere); no citation, no pass."""
        if verdict is None:
            self.checked += 1
            verdict = self.verifier.verify(claim_of(item))
        citations = self.grounded(verdict.citations) if verdict.supported else ()
        if verdict.supported and not citations:
            verdict = replace(verdict, supported=False, reasons=[*verdict.reasons, NO_SPAN])
        return verdict, citations

    def _passing(
        self,
        item: DraftSentence | DraftQuote,
        field: str,
        failures: list[Failure],
        verdict: Verdict | None = None,
    ) -> tuple[Verdict, tuple[Citation, ...]] | None:
        """The verdict and citations of a passing item; a failing one is recorded, None."""
        verdict, citations = self.check(item, verdict)
        if not verdict.supported:
            failures.append(Failure.of(field, item, verdict))
            return None
        return verdict, citations

    def _support(self, verdict: Verdict, citations: tuple[Citation, ...]) -> dict[str, Any]:
        return {
            "citations": citations,
            "score": verdict.score,
            "sources": self.groups.independent_sources([c.article_id for c in citations]),
        }

    def sentence(
        self,
        item: DraftSentence,
        field: str,
        failures: list[Failure],
        verdict: Verdict | None = None,
    ) -> VerifiedSentence | None:
        """A verified sentence, or None with the failure recorded."""
        passing = self._passing(item, field, failures, verdict)
        return VerifiedSentence(text=item.text, **self._support(*passing)) if passing else None

    def event(
        self, item: DraftEvent, failures: list[Failure], verdict: Verdict | None = None
    ) -> VerifiedEvent | None:
        """The verified event sentence with its who/where/when parts."""
        passing = self._passing(item, "event", failures, verdict)
        if passing is None:
            return None
        verdict, citations = passing
        return VerifiedEvent(
            text=item.text,
            who=tuple(item.who),
            where=item.where,
            when=self._date_of(item.when, citations) or item.when,
            when_stated=item.when,
            **self._support(verdict, citations),
        )

    def _date_of(self, when: str | None, citations: Sequence[Citation]) -> str | None:
        """The ISO date `when` names, read against the date of the first cited article that
        has one; else against the request's articles, where all their dates agree."""
        if not when:
            return None
        cited = [self.published.get(c.article_id) for c in citations]
        dated = [d for d in cited if d is not None]
        if not dated:
            dates = set(self.published.values())
            dated = list(dates) if len(dates) == 1 else []
        return resolve_when(when, dated[0]) if dated else None

    def quote(self, item: DraftQuote, field: str, failures: list[Failure]) -> VerifiedQuote | None:
        """A verified quotation, attributed to the speaker the source names."""
        passing = self._passing(item, field, failures)
        if passing is None:
            return None
        return VerifiedQuote(text=item.quote, speaker=item.speaker, **self._support(*passing))

    def summary(self, draft: SummaryDraft) -> tuple[Summary, list[Failure]]:
        """Verify the whole draft; duplicates of an earlier sentence are not repeated."""
        failures: list[Failure] = []
        headline = self.sentence(draft.headline, "headline", failures)
        event = self.event(draft.event, failures) if draft.event is not None else None
        seen = {" ".join(headline.text.lower().split())} if headline else set()
        points: list[VerifiedSentence] = []
        for i, item in enumerate(draft.key_points):
            key = " ".join(item.text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            point = self.sentence(item, f"key_points[{i}]", failures)
            if point is not None:
                points.append(point)
        quotes = tuple(
            q
            for i, item in enumerate(draft.quotes)
            if (q := self.quote(item, f"quotes[{i}]", failures)) is not None
        )
        summary = Summary(
            headline=headline,
            event=event,
            key_points=by_corroboration(points),
            quotes=quotes,
            conflicts=_merged(self.written_conflicts(draft.conflicts, failures), self.conflicts()),
        )
        return summary, failures

    def written_conflicts(
        self, drafts: Sequence[DraftConflict], failures: list[Failure]
    ) -> list[VerifiedConflict]:
        """The conflicts the model reported, each claim verified like any sentence (a failing
        one is dropped and reported); kept only where every claim passes and no two sides
        rest on the same independent source (a story and its copy never disagree)."""
        kept: list[VerifiedConflict] = []
        for i, item in enumerate(drafts):
            claims = [
                self.sentence(claim, f"conflicts[{i}].claims[{j}]", failures)
                for j, claim in enumerate(item.claims)
            ]
            passing = [c for c in claims if c is not None]
            if len(passing) < 2 or len(passing) < len(claims) or not self._independent(passing):
                continue
            kept.append(VerifiedConflict(about=item.about, claims=tuple(passing)))
        return kept

    def _independent(self, claims: Sequence[VerifiedSentence]) -> bool:
        """Whether every two claims cite disjoint sets of independent sources."""
        source_of = independent_groups(list(self.texts), self.groups)
        sides = [{source_of[c.article_id] for c in claim.citations} for claim in claims]
        return all(not (a & b) for k, a in enumerate(sides) for b in sides[k + 1 :])

    def conflicts(self) -> tuple[VerifiedConflict, ...]:
        """What independent sources disagree on, each side as a verified source sentence
        (whatever model wrote the summary: the sources are compared, not the draft)."""
        found: tuple[VerifiedConflict, ...] | None = self.memo.get("conflicts")
        if found is None:
            found = self.memo["conflicts"] = self._source_conflicts()
        return found

    def _source_conflicts(self) -> tuple[VerifiedConflict, ...]:
        found: list[VerifiedConflict] = []
        index = self.verifier.index
        source_of = independent_groups([d.id for d in index.documents], self.groups)
        for disagreement in find_disagreements(index, self.groups):
            claims: list[VerifiedSentence] = []
            sides = [source_of[index.units[u].sentence.article_id] for u in disagreement.units]
            for unit, side in zip(disagreement.units, sides, strict=True):
                sentence = index.units[unit].sentence
                evidence = ClaimEvidence(
                    article_id=sentence.article_id, start=sentence.start, end=sentence.end
                )
                verdict = self.verifier.verify(Claim(sentence.text, evidence=(evidence,)))
                # A span from a source on another side states the other version: never cited
                # as support for this one, however many words it shares.
                others = set(sides) - {side}
                citations = tuple(
                    c
                    for c in (self.grounded(verdict.citations) if verdict.supported else ())
                    if source_of.get(c.article_id) not in others
                )
                if citations:
                    claims.append(
                        VerifiedSentence(text=sentence.text, **self._support(verdict, citations))
                    )
            if len(claims) == len(disagreement.units):
                found.append(VerifiedConflict(about=disagreement.about, claims=tuple(claims)))
        return tuple(found)


def _merged(
    written: Sequence[VerifiedConflict], found: Sequence[VerifiedConflict]
) -> tuple[VerifiedConflict, ...]:
    """The model's verified conflicts, then those the sources show that it did not name."""

    def spans(conflict: VerifiedConflict) -> frozenset[tuple[str, int]]:
        return frozenset(
            (c.article_id, c.start) for claim in conflict.claims for c in claim.citations
        )

    seen = [spans(c) for c in written]
    extra = [c for c in found if not any(spans(c) <= s or s <= spans(c) for s in seen)]
    return (*written, *extra)


def by_corroboration(points: Sequence[VerifiedSentence]) -> tuple[VerifiedSentence, ...]:
    """Key points ordered by how many independent sources state them, then in the order the
    model ranked them by importance: what several outlets report comes first."""
    return tuple(sorted(points, key=lambda point: -point.sources))


def dropped(failures: Sequence[Failure]) -> tuple[DroppedSentence, ...]:
    """The report's view of failures: field, text and every reason."""
    return tuple(
        DroppedSentence(
            field=f.field,
            text=f.draft.quote if isinstance(f.draft, DraftQuote) else f.draft.text,
            reasons=f.reasons or ("not supported by the sources",),
        )
        for f in failures
    )
