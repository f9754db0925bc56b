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

from evals.tasks import Fact, LabelledConflict
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
    # The independent sources the system says the sentence rests on, where it says so.
    sources: int | None = None


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
    "corroboration_precision": MetricSpec(
        "Multi-source: share of the articles cited by key points (matched to a labelled fact by "
        "its keywords) that the labels say state that fact.",
        "higher",
    ),
    "corroboration_recall": MetricSpec(
        "Multi-source: share of the labelled independent source groups stating a matched key "
        "point's fact that the point cites (one article of a group is enough).",
        "higher",
    ),
    "sources_exact": MetricSpec(
        "Multi-source: share of matched key points whose `sources` equals the number of labelled "
        "independent groups among the articles they cite.",
        "higher",
    ),
    "points_matched": MetricSpec(
        "Multi-source: share of key points that state some labelled fact (by its keywords); "
        "only matched points are scored for corroboration.",
        "info",
    ),
    "conflict_precision": MetricSpec(
        "Multi-source: share of reported conflicts that match a labelled one (every claim from "
        "the articles of one labelled version and stating it, at least two versions).",
        "higher",
    ),
    "conflict_recall": MetricSpec(
        "Multi-source: share of labelled conflicts that some reported conflict matches.", "higher"
    ),
    "conflicts_reported": MetricSpec(
        "Multi-source: conflicts the system reported.", "info", unit="count"
    ),
    "duplicates_exact": MetricSpec(
        "Multi-source: 1 when every article's `duplicates_of` equals the other members of its "
        "labelled syndication group (empty for an independent article), else 0.",
        "higher",
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

# Scored only on examples with multi-source labels (the multi_source task).
MULTI_SOURCE_METRICS = frozenset(
    {
        "corroboration_precision",
        "corroboration_recall",
        "sources_exact",
        "points_matched",
        "conflict_precision",
        "conflict_recall",
        "conflicts_reported",
        "duplicates_exact",
    }
)

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


def states(text: str, keywords: Sequence[str]) -> bool:
    """Whether the text contains every keyword, case-insensitively and as whole words; a
    keyword is a word or phrase ("no injuries", "12,000"), or alternatives joined by "|"."""
    low = text.lower()
    return bool(keywords) and all(
        any(_keyword(alt).search(low) for alt in keyword.lower().split("|")) for keyword in keywords
    )


@lru_cache(maxsize=4_096)
def _keyword(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    # Whole words, and a number never inside a longer one ("6" is not in "6.8" or "1,600").
    return re.compile(r"(?<!\w)(?<!\d[.,])" + r"\s+".join(words) + r"(?![.,]\d)(?!\w)")


def matched_fact(text: str, facts: Sequence[Fact]) -> Fact | None:
    """The labelled fact a sentence states: of the facts whose keywords it contains, the one
    with the most keywords (the most specific), the first listed on a tie."""
    best: Fact | None = None
    for fact in facts:
        more = best is None or len(fact.keywords) > len(best.keywords)
        if more and states(text, fact.keywords):
            best = fact
    return best


def source_groups(
    article_ids: Sequence[str], syndication: Sequence[Sequence[str]]
) -> dict[str, str]:
    """Article id -> its independent source group (the first article of a syndication group;
    an article in no group is its own)."""
    group = {article_id: article_id for article_id in article_ids}
    for members in syndication:
        for member in members:
            group[member] = members[0]
    return group


def corroboration(
    points: Sequence[CitedSentence],
    facts: Sequence[Fact],
    groups: Mapping[str, str],
) -> dict[str, float]:
    """Corroboration precision and recall of key points against the labelled facts.

    Each point is matched to a fact by `matched_fact`; unmatched points are left out (their
    share is `points_matched`). Precision: of the distinct articles a matched point cites, those
    among the fact's sources. Recall: of the fact's source groups, those the point cites an
    article of. Both are pooled over the example's matched points.
    """
    labelled = [f for f in facts if f.keywords]
    if not labelled or not points:
        return {}
    cited_total = cited_right = groups_total = groups_cited = matched = exact = 0
    exact_checked = 0
    for point in points:
        fact = matched_fact(point.text, labelled)
        if fact is None:
            continue
        matched += 1
        cited = list(dict.fromkeys(c.article_id for c in point.citations))
        cited_total += len(cited)
        cited_right += sum(a in fact.sources for a in cited)
        fact_groups = {groups.get(a, a) for a in fact.sources}
        cited_groups = {groups.get(a, a) for a in cited}
        groups_total += len(fact_groups)
        groups_cited += len(fact_groups & cited_groups)
        if point.sources is not None:
            exact_checked += 1
            exact += point.sources == len(cited_groups)
    out = {"points_matched": matched / len(points)}
    if cited_total:
        out["corroboration_precision"] = cited_right / cited_total
    if groups_total:
        out["corroboration_recall"] = groups_cited / groups_total
    if exact_checked:
        out["sources_exact"] = exact / exact_checked
    return out


def conflict_side(claim: CitedSentence, conflict: LabelledConflict) -> int | None:
    """Which labelled version a claim states: every article it cites is one of that version's
    and its text contains that version's keywords."""
    cited = {c.article_id for c in claim.citations}
    for number, side in enumerate(conflict.sides):
        if cited and cited <= set(side.articles) and states(claim.text, side.keywords):
            return number
    return None


def conflict_matches(claims: Sequence[CitedSentence], conflict: LabelledConflict) -> bool:
    """Whether a reported conflict is the labelled one: each claim states one of its versions,
    and the claims state at least two different ones."""
    sides = [conflict_side(claim, conflict) for claim in claims]
    return None not in sides and len(set(sides)) >= 2


def conflict_quality(
    reported: Sequence[Sequence[CitedSentence]], labelled: Sequence[LabelledConflict]
) -> dict[str, float]:
    """Conflict precision and recall; each absent when its denominator is zero.

    Precision: share of reported conflicts that match a labelled conflict no earlier report
    matched (telling one disagreement twice is one right and one wrong). Recall: share of
    labelled conflicts some reported conflict matches.
    """
    out = {"conflicts_reported": float(len(reported))}
    if reported:
        told: set[str] = set()
        right = 0
        for claims in reported:
            new = {c.id for c in labelled if conflict_matches(claims, c)} - told
            right += bool(new)
            told |= new
        out["conflict_precision"] = right / len(reported)
    if labelled:
        found = sum(any(conflict_matches(r, c) for r in reported) for c in labelled)
        out["conflict_recall"] = found / len(labelled)
    return out


def syndication(
    duplicates_of: Mapping[str, Sequence[str]],
    article_ids: Sequence[str],
    groups: Sequence[Sequence[str]],
) -> dict[str, float]:
    """1.0 when every article's `duplicates_of` names exactly the other members of its labelled
    syndication group (nothing for an article in none), else 0.0."""
    expected: dict[str, set[str]] = {a: set() for a in article_ids} | {
        member: set(members) - {member} for members in groups for member in members
    }
    exact = all(set(duplicates_of.get(a, ())) == expected[a] for a in expected)
    unknown = set(duplicates_of) - set(expected)
    return {"duplicates_exact": float(exact and not unknown)}


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
