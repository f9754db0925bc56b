"""Metrics: pure functions from one summary (and its golden data) to `dict[str, float]`.

Judgements of support are passed in as functions, so every metric is deterministic given its
judge; the runner passes judges backed by the service's verifier, tests pass small fakes.
A metric that does not apply to an example (no facts, no sentences) leaves its key out, and the
mean over examples is taken only where it applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rouge_score import rouge_scorer

from evals.tasks import Fact
from service.api.schemas import CitationOut

# Is the sentence supported by the union of these cited spans?
SupportJudge = Callable[["CitedSentence", Sequence[CitationOut]], bool]
# Is the claim supported by one of these summary sentences?
CoverJudge = Callable[[str, Sequence[str]], bool]

# A word is a whitespace-separated token with a letter or digit ("$11.6" is one word).
_WORD = re.compile(r"\S*\w\S*")


@dataclass(frozen=True)
class CitedSentence:
    """A sentence a system returned, with the source spans it claims as support."""

    text: str
    citations: tuple[CitationOut, ...]
    # Set for a quotation: who said it (the text is then the speaker's words, checked as such).
    speaker: str | None = None


@dataclass(frozen=True)
class MetricSpec:
    """What a metric means, which way is better, and how much worse `compare` tolerates."""

    description: str
    better: Literal["higher", "lower", "info"]
    # A regression is a move in the bad direction larger than abs_tol + rel_tol * |before|.
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    unit: Literal["share", "count", "seconds"] = "share"

    def regressed(self, before: float, after: float) -> bool:
        """Whether `after` is worse than `before` beyond this metric's tolerance."""
        allowed = self.abs_tol + self.rel_tol * abs(before)
        if self.better == "higher":
            return after < before - allowed - 1e-12
        if self.better == "lower":
            return after > before + allowed + 1e-12
        return False


# Scores of our deterministic mock move only when code or data change, so quality
# tolerances are tight: they absorb float noise and real models' small wobbles, not a lost fact.
METRICS: dict[str, MetricSpec] = {
    "rouge1": MetricSpec(
        "ROUGE-1 F1 against the golden summary (rouge-score, Porter stemming).", "higher", 0.01
    ),
    "rouge2": MetricSpec("ROUGE-2 F1 (bigram overlap) against the golden summary.", "higher", 0.01),
    "rougeLsum": MetricSpec(
        "ROUGE-L F1 at summary level (longest common subsequences, sentence by sentence).",
        "higher",
        0.01,
    ),
    "fact_coverage": MetricSpec(
        "Share of the golden atomic facts that some returned sentence supports (judged by the "
        "service's own verifier).",
        "higher",
    ),
    "core_fact_coverage": MetricSpec(
        "Fact coverage over the core facts only (the outcomes a reader must learn).", "higher"
    ),
    "self_verified_rate": MetricSpec(
        "Share of the drafted sentences the service's own verifier kept: agreement with the "
        "service itself, not a measure of truth.",
        "higher",
    ),
    "self_judged_citation_recall": MetricSpec(
        "ALCE citation recall, judged by the service's own verifier: share of returned sentences "
        "supported by the union of their exact citations.",
        "higher",
    ),
    "self_judged_citation_precision": MetricSpec(
        "ALCE citation precision, judged by the service's own verifier: share of citations that "
        "are needed (the sentence is supported and the citation alone supports it or removing it "
        "breaks support).",
        "higher",
        0.01,
    ),
    "invalid_citations": MetricSpec(
        "Citations whose text is not exactly the article's text at [start:end] (a string check, "
        "no judge).",
        "lower",
        unit="count",
    ),
    "sentences": MetricSpec(
        "Sentences in the summary text scored by ROUGE and fact coverage.", "info", unit="count"
    ),
    "words": MetricSpec(
        "Words in that summary text (ROUGE F1 depends on length).", "info", unit="count"
    ),
    "dropped": MetricSpec(
        "Sentences the system wrote but verification dropped (gated through self_verified_rate).",
        "info",
        unit="count",
    ),
    "repaired": MetricSpec("Sentences repaired after failing verification.", "info", unit="count"),
    "calls": MetricSpec("Model calls per example.", "lower", rel_tol=0.10, unit="count"),
    "prompt_tokens": MetricSpec("Prompt tokens per example.", "lower", rel_tol=0.10, unit="count"),
    "completion_tokens": MetricSpec(
        "Completion tokens per example.", "lower", rel_tol=0.10, unit="count"
    ),
    # Wall time depends on the machine: only a doubling plus half a second counts.
    "latency_s": MetricSpec(
        "Wall-clock seconds per example for the whole system call.",
        "lower",
        abs_tol=0.5,
        rel_tol=1.0,
        unit="seconds",
    ),
}

# Names reports carried before the metrics said who judges them; compare reads old reports.
RENAMED: dict[str, str] = {
    "grounding_rate": "self_verified_rate",
    "citation_recall": "self_judged_citation_recall",
    "citation_precision": "self_judged_citation_precision",
}


@lru_cache(maxsize=1)
def _rouge() -> rouge_scorer.RougeScorer:
    # split_summaries stays False: splitting would call NLTK's punkt, which needs a download.
    # Sentences are joined with newlines instead, which is what rougeLsum reads.
    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)


def rouge(summary: Sequence[str], reference: Sequence[str]) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 of the summary sentences against the reference."""
    scores = _rouge().score("\n".join(reference), "\n".join(summary))
    return {name: float(score.fmeasure) for name, score in scores.items()}


def fact_coverage(
    facts: Sequence[Fact], summary: Sequence[str], covers: CoverJudge
) -> dict[str, float]:
    """Share of facts (and of core facts) of which some phrasing is supported by the summary."""
    if not facts:
        return {}
    covered = {f.id: any(covers(p, summary) for p in f.phrasings) for f in facts}
    out = {"fact_coverage": sum(covered.values()) / len(facts)}
    core = [f for f in facts if f.core]
    if core:
        out["core_fact_coverage"] = sum(covered[f.id] for f in core) / len(core)
    return out


def self_verification(drafted: int, dropped: int) -> dict[str, float]:
    """Share of the drafted sentences the service's verifier kept (absent when none drafted)."""
    if drafted <= 0:
        return {}
    return {"self_verified_rate": (drafted - dropped) / drafted}


def citation_quality(
    sentences: Sequence[CitedSentence], article_texts: Mapping[str, str], supports: SupportJudge
) -> dict[str, float]:
    """ALCE citation recall and precision as `supports` judges them; citations that do not resolve.

    Recall: a sentence counts when the union of its valid citations supports it. Precision: a
    citation counts when its sentence is supported and the citation is needed: it supports the
    sentence alone, or removing it leaves the rest unable to (Gao et al., 2023, section 2.3).
    The runner's judge is the service's own verifier, hence the metrics' "self_judged" names.
    """
    invalid = 0
    supported_sentences = 0
    precise = 0
    total_citations = 0
    for sentence in sentences:
        valid = [c for c in sentence.citations if _resolves(c, article_texts)]
        invalid += len(sentence.citations) - len(valid)
        total_citations += len(sentence.citations)
        if not valid or not supports(sentence, valid):
            continue
        supported_sentences += 1
        if len(valid) == 1:
            precise += 1
            continue
        for citation in valid:
            rest = [c for c in valid if c is not citation]
            if supports(sentence, [citation]) or not supports(sentence, rest):
                precise += 1
    out: dict[str, float] = {"invalid_citations": float(invalid)}
    if sentences:
        out["self_judged_citation_recall"] = supported_sentences / len(sentences)
    if total_citations:
        out["self_judged_citation_precision"] = precise / total_citations
    return out


def verification_counts(dropped: int, repaired: int) -> dict[str, float]:
    """How many drafted sentences verification dropped and repaired."""
    return {"dropped": float(dropped), "repaired": float(repaired)}


def cost(
    calls: int, prompt_tokens: int, completion_tokens: int, latency_s: float
) -> dict[str, float]:
    """Model calls, tokens and wall time of one system call."""
    return {
        "calls": float(calls),
        "prompt_tokens": float(prompt_tokens),
        "completion_tokens": float(completion_tokens),
        "latency_s": latency_s,
    }


def length(summary: Sequence[str]) -> dict[str, float]:
    """Sentences and words of the scored summary text."""
    return {
        "sentences": float(len(summary)),
        "words": float(sum(len(_WORD.findall(s)) for s in summary)),
    }


def mean_by_metric(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per-metric mean over the rows where that metric is present, in METRICS order."""
    out: dict[str, float] = {}
    names = [m for m in METRICS if any(m in row for row in rows)]
    names += sorted({k for row in rows for k in row} - set(names))
    for name in names:
        values = [row[name] for row in rows if name in row]
        out[name] = sum(values) / len(values)
    return out


def _resolves(citation: CitationOut, article_texts: Mapping[str, str]) -> bool:
    text = article_texts.get(citation.article_id)
    return (
        text is not None
        and 0 <= citation.start <= citation.end <= len(text)
        and text[citation.start : citation.end] == citation.text
        and bool(citation.text.strip())
    )
