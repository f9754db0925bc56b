"""The one place the evals call into the service: prepare sources, summarise, verify."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from evals.metrics import CitedSentence
from service.api.mapping import article_input, summarize_request
from service.api.schemas import (
    ArticleIn,
    CitationOut,
    SentenceOut,
    SummarizeOptions,
    SummarizeRequest,
)
from service.config import Settings
from service.domain import Document, SourceGroups, SourceSentence
from service.llm.base import Model
from service.pipeline.prepared import prepare
from service.verify import Citation, Claim, ClaimEvidence, Verifier


@dataclass
class SystemRun:
    """What one system returned for one example, in the form the metrics read."""

    # Every returned object that carries citations (headline, event, key points, quotes).
    sentences: list[CitedSentence]
    # The prose scored by ROUGE and fact coverage: headline, event and key points, deduplicated.
    summary: list[str]
    drafted: int
    dropped: int
    repaired: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    # The sentences scored for corroboration (our key points; a baseline's picked sentences).
    key_points: list[CitedSentence] = field(default_factory=list)
    # Reported conflicts, each as its claims, and the syndication links: None for a system
    # that reports neither (the baselines).
    conflicts: list[tuple[CitedSentence, ...]] | None = None
    duplicates_of: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class Sources:
    """An example's articles as the service sees them, and a verifier over them."""

    documents: list[Document]
    groups: SourceGroups
    # Built without groups: corroborating spans from other articles would otherwise be added
    # to a verdict, and a verdict must name only what the support rests on (see `supports`).
    verifier: Verifier

    @property
    def texts(self) -> dict[str, str]:
        """Article id to the text every citation offset points into."""
        return {doc.id: doc.text for doc in self.documents}

    def supports(self, sentence: CitedSentence, citations: Sequence[CitationOut]) -> bool:
        """Whether the verifier finds the sentence supported by these cited spans and no others
        (a quotation as a quotation, by its speaker)."""
        evidence = tuple(
            ClaimEvidence(article_id=c.article_id, quote=c.text, start=c.start, end=c.end)
            for c in citations
        )
        claim = Claim(
            text=sentence.text,
            evidence=evidence,
            kind="statement" if sentence.speaker is None else "quote",
            speaker=sentence.speaker,
        )
        verdict = self.verifier.verify(claim)
        # When the cited spans fail, the verifier searches all sources; support found that way
        # is not support by the citations, so every span it relied on must be a cited one.
        return verdict.supported and all(
            any(_overlaps(relied, cited) for cited in citations) for relied in verdict.citations
        )


def load_sources(articles: Sequence[ArticleIn], settings: Settings) -> Sources:
    """Ingest and group the articles exactly as the pipeline does."""
    prepared = prepare([article_input(a) for a in articles], settings)
    return Sources(prepared.documents, prepared.groups, Verifier(prepared.documents))


async def run_system(
    articles: Sequence[ArticleIn], options: SummarizeOptions, *, model: Model, settings: Settings
) -> SystemRun:
    """Summarise through the real pipeline and time the whole call."""
    request = SummarizeRequest(articles=list(articles), options=options)
    started = time.perf_counter()
    response = await summarize_request(request, model=model, settings=settings)
    latency = time.perf_counter() - started
    summary = response.summary
    prose: list[SentenceOut] = [
        s for s in (summary.headline, summary.event, *summary.key_points) if s is not None
    ]
    run = response.run
    return SystemRun(
        sentences=[
            *(CitedSentence(s.text, tuple(s.citations)) for s in prose),
            *(CitedSentence(q.text, tuple(q.citations), q.speaker) for q in summary.quotes),
        ],
        summary=_unique_texts(s.text for s in prose),
        drafted=response.verification.checked,
        dropped=len(response.verification.dropped),
        repaired=response.verification.repaired,
        calls=run.calls,
        prompt_tokens=run.prompt_tokens,
        completion_tokens=run.completion_tokens,
        latency_s=latency,
        notes=[f"fallback: {run.fallback_reason}"] if run.fallback else [],
        key_points=[_cited(s) for s in summary.key_points],
        conflicts=[tuple(_cited(claim) for claim in c.claims) for c in summary.conflicts],
        duplicates_of={a.id: list(a.duplicates_of) for a in response.articles if a.duplicates_of},
    )


def _cited(sentence: SentenceOut) -> CitedSentence:
    return CitedSentence(sentence.text, tuple(sentence.citations), sources=sentence.sources)


def covers(claim: str, summary: Sequence[str]) -> bool:
    """Whether the verifier finds the claim supported by the summary's sentences."""
    return _covers(claim, tuple(summary))


@lru_cache(maxsize=4_096)
def _covers(claim: str, summary: tuple[str, ...]) -> bool:
    # Cached: the runner asks again for the per-fact detail it lists in the report.
    if not summary:
        return False
    return bool(_summary_verifier(summary).verify(Claim(text=claim, evidence=())).supported)


@lru_cache(maxsize=64)
def _summary_verifier(summary: tuple[str, ...]) -> Verifier:
    """A verifier whose only source is the summary, one sentence per returned sentence."""
    # Built by hand rather than re-ingested: the summary's sentence boundaries are known, and
    # re-segmenting them could merge or split what the system returned.
    sentences: list[SourceSentence] = []
    offset = 0
    for index, text in enumerate(summary):
        sentences.append(SourceSentence("summary", index, offset, offset + len(text), text))
        offset += len(text) + 1
    return Verifier([Document(id="summary", text="\n".join(summary), sentences=sentences)])


def _overlaps(relied: Citation, cited: CitationOut) -> bool:
    return (
        relied.article_id == cited.article_id
        and relied.start < cited.end
        and cited.start < relied.end
    )


def _unique_texts(texts: Iterable[str]) -> list[str]:
    """Texts in order, later repeats (by case and spacing) left out."""
    out: list[str] = []
    seen: set[str] = set()
    for text in texts:
        key = " ".join(text.lower().split())
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out
