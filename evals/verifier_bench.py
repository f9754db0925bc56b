"""Verifier benchmark: human labels (FRANK) and a perturbation suite built from the seeds.

Run from the repository root (the FRANK split and the seeds live in ../shared):

    python -m evals.verifier_bench               # print the figures, save the report
    python -m evals.verifier_bench --calibrate   # refit service/verify/calibration.json first

It prints, and saves to evals/verifier_bench_report.json:
- FRANK `cnndm` and `bbc` separately: balanced accuracy (mean of the rates on supported and on
  unsupported sentences), each summary sentence verified against its article with no citations,
  the article ingested by the service's own `ingest_article` as `POST /verify` would.
  `cross_validated` is the honest figure: 5 folds grouped by article, the scoring weights fitted
  on four folds and the fifth verified with them. `in_sample` uses the shipped weights, which
  were fitted on all of this split, and is optimistic.
- the perturbation suite: true seed sentences, the same sentences corrupted each way the
  verifier must catch (numbers, dates, names, places, countries, roles, negation, antonyms,
  quotes, speakers, who did what to whom turned round in the passive, two true sentences
  fused by a link no source makes: "X after Y", and a stretch said twice as a generation loop
  does),
  and faithful rewrites (respelled numbers, lower-cased tokenised text,
  the same facts in the passive, hand-written paraphrases and stitched sentences in
  evals/verifier_data/). The rates of
  corruptions and of faithful sentences rejected, and milliseconds per sentence against the
  five seed articles.
- the acceptance rate of FRANK valid's human-written reference sentences (CNN/DM highlights,
  XSum ledes), each verified against its article: a proxy for faithful abstractive sentences.
- what an independent checker that approves everything would make of the same sentences: it
  settles only soft rejections (hard vetoes are never its), so FRANK's balanced accuracy and
  the references' acceptance with every soft rejection accepted bound what any checker adds,
  and how many of the soft rejections FRANK labels supported says how much there is to gain.
- a second perturbation suite generated from FRANK valid articles (`evals.verifier_suites`),
  so the seed-written one is not the only one: faithful sentences (verbatim, function words
  edited, tokenised) and corruptions of every kind `devtools.corruptions` makes, with each
  kind's rejection rate and sample size.
- the adversarial model server's leak count: the service's HTTP API and OpenAI client run
  against `devtools.adversarial_server` (draft, repair, and an independent checker that
  approves everything it is asked)
  on the seeds, the test articles and FRANK articles, with AI-addressing sentences planted;
  how many of the unsupported sentences it wrote came back, by kind.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from devtools.adversarial_server import attack
from devtools.corruptions import SOFT_KINDS
from evals.verifier_suites import (
    adversarial_articles,
    frank_probes,
    frank_rows,
    reference_sentences,
    suite_articles,
)
from service.domain import ArticleInput, Document
from service.ingest.segment import ingest_article
from service.pipeline.checker import doubt
from service.verify import Claim, Verifier
from service.verify.analysis import analyse, capitalised_words
from service.verify.scoring import CALIBRATION_FILE, Calibration, default_calibration

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FRANK_FILE = SHARED / "data" / "frank-valid" / "frank_valid_sentences.jsonl"
SEEDS_DIR = SHARED / "seeds"
SEED_ARTICLES = ROOT / "seeds"
# FRANK articles the adversarial server is run against, besides the seeds and test articles.
ADVERSARIAL_FRANK_ARTICLES = 5
PARAPHRASES_FILE = Path(__file__).with_name("verifier_data") / "seed_paraphrases.jsonl"
REPORT_FILE = Path(__file__).with_name("verifier_bench_report.json")

SEED = 0
FOLDS = 5
# The default SUMMARIZER_CHECKER_CONFIRM_BELOW: which verdicts a checker would be asked about.
CHECKER_CONFIRM_BELOW = 0.7
# The features the logistic model is fitted on: how much of the claim the cited sentences
# state. Measures of how the claim is written (one long copied stretch or many pieces, its
# length) separate FRANK's labels a little better, because FRANK's abstractive summarisers
# hallucinate, but they reject faithful paraphrases: they judge the writer, not the support.
FEATURES = (
    "coverage",
    "weighted_coverage",
    "best_single",
    "missing",
    "novel",
    "stitched",
    "names_elsewhere",
)
# L2 penalty of the logistic fit, on standardised features: strong enough that correlated
# overlap measures do not fit the noise of ~750 labels. FRANK hardly constrains it: cnndm's
# cross-validated balanced accuracy is flat from 0.3 to 10 (within 0.005; the standard error
# across folds is 0.023).
L2 = 1.0


def make_document(article_id: str, text: str) -> Document:
    """An article as the service ingests it: its sentences and page boilerplate marked."""
    return ingest_article(ArticleInput(id=article_id, body=text))


# --- metrics -----------------------------------------------------------------------------


def balanced_accuracy(labels: Sequence[bool], predictions: Sequence[bool]) -> float:
    """Mean of the accuracy on supported and on unsupported sentences."""
    rates = []
    for cls in (True, False):
        picked = [p for y, p in zip(labels, predictions, strict=True) if y == cls]
        if picked:
            rates.append(sum(p == cls for p in picked) / len(picked))
    return sum(rates) / len(rates) if rates else 0.0


# --- FRANK -------------------------------------------------------------------------------


@dataclass
class LabelledSentence:
    """One FRANK summary sentence with its human label."""

    source: str
    article: str
    text: str
    supported: bool


@dataclass
class Outcome:
    """The verifier's decision on one sentence, its features and the time it took."""

    supported: bool
    features: dict[str, float]
    seconds: float
    # A soft rejection: what an independent checker would be asked to settle.
    soft: bool = False


def load_frank(path: Path = FRANK_FILE) -> tuple[dict[str, str], list[LabelledSentence]]:
    """Articles by id and every labelled summary sentence."""
    articles: dict[str, str] = {}
    sentences: list[LabelledSentence] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        articles[row["doc_id"]] = row["article"]
        for text, supported in zip(row["sentences"], row["supported"], strict=True):
            sentences.append(LabelledSentence(row["source"], row["doc_id"], text, supported))
    return articles, sentences


def verify_frank(
    articles: dict[str, str],
    sentences: Sequence[LabelledSentence],
    calibration: Calibration,
) -> list[Outcome]:
    """Verify each sentence against its article alone, with no citations given."""
    verifiers: dict[str, Verifier] = {}
    outcomes = []
    for item in sentences:
        verifier = verifiers.get(item.article)
        if verifier is None:
            verifier = Verifier(
                [make_document(item.article, articles[item.article])], calibration=calibration
            )
            verifiers[item.article] = verifier
        started = time.perf_counter()
        verdict = verifier.verify(Claim(item.text))
        outcomes.append(
            Outcome(
                verdict.supported,
                dict(verdict.details),
                time.perf_counter() - started,
                doubt(verdict, CHECKER_CONFIRM_BELOW) == "soft_rejection",
            )
        )
    return outcomes


def fit_calibration(
    features: Sequence[dict[str, float]], labels: Sequence[bool], note: str
) -> Calibration:
    """Class-balanced, L2-regularised logistic regression by Newton's method."""
    x = np.array([[f.get(name, 0.0) for name in FEATURES] for f in features], dtype=float)
    y = np.array(labels, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    positive = max(y.mean(), 1e-9)
    # Balanced weights: the decision serves both classes equally (balanced accuracy).
    sample = np.where(y == 1, 0.5 / positive, 0.5 / max(1 - positive, 1e-9))
    penalty = np.diag(np.r_[np.full(len(FEATURES), L2), 0.0])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -50, 50)))
        gradient = z.T @ (sample * (p - y)) + penalty @ w
        hessian = (z * (sample * p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Calibration(
        features=FEATURES,
        weights=tuple(float(v) for v in w[:-1]),
        bias=float(w[-1]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        fitted_on=note,
    )


def _fold_of(articles: Iterable[str]) -> dict[str, int]:
    ordered = sorted(set(articles))
    random.Random(SEED).shuffle(ordered)
    return {article: i % FOLDS for i, article in enumerate(ordered)}


def _supported(outcome: Outcome) -> bool:
    return outcome.supported


def frank_figures(
    sentences: Sequence[LabelledSentence], predictions: Sequence[bool]
) -> dict[str, float]:
    """Balanced accuracy per FRANK source."""
    out: dict[str, float] = {}
    for source in ("cnndm", "bbc"):
        picked = [
            (s.supported, p)
            for s, p in zip(sentences, predictions, strict=True)
            if s.source == source
        ]
        out[source] = round(balanced_accuracy([y for y, _ in picked], [p for _, p in picked]), 4)
    return out


def soft_rejections(
    sentences: Sequence[LabelledSentence], outcomes: Sequence[Outcome]
) -> dict[str, dict[str, int]]:
    """Per FRANK source: the soft rejections (what a checker decides), and how many of them
    FRANK labels supported."""
    out: dict[str, dict[str, int]] = {}
    for source in ("cnndm", "bbc"):
        soft = [
            s.supported
            for s, o in zip(sentences, outcomes, strict=True)
            if s.source == source and o.soft
        ]
        out[source] = {"sentences": len(soft), "labelled_supported": sum(soft)}
    return out


def cross_validate(
    articles: dict[str, str],
    sentences: Sequence[LabelledSentence],
    outcomes: Sequence[Outcome],
) -> list[bool]:
    """Held-out predictions: each fold verified with weights fitted on the other four."""
    folds = _fold_of(s.article for s in sentences)
    predictions = [False] * len(sentences)
    for fold in range(FOLDS):
        train = [i for i, s in enumerate(sentences) if folds[s.article] != fold]
        test = [i for i, s in enumerate(sentences) if folds[s.article] == fold]
        calibration = fit_calibration(
            [outcomes[i].features for i in train],
            [sentences[i].supported for i in train],
            f"fold {fold}",
        )
        held_out = verify_frank(articles, [sentences[i] for i in test], calibration)
        for i, outcome in zip(test, held_out, strict=True):
            predictions[i] = outcome.supported
    return predictions


# --- perturbation suite --------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One perturbation-suite sentence: faithful or corrupted, and how it was made."""

    text: str
    faithful: bool
    kind: str
    origin: str


def seed_documents() -> list[Document]:
    """The five seed articles."""
    return [
        make_document(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(SEEDS_DIR.glob("*.txt"))
    ]


def true_sentences(documents: Sequence[Document]) -> list[str]:
    """Seed sentences that state facts: long enough, not bylines or headlines."""
    found = []
    for document in documents:
        for sentence in document.content_sentences:
            text = " ".join(sentence.text.split())
            if len(text.split()) >= 8 and text[-1] in '."”’' and not text.startswith("By "):
                found.append(text)
    return list(dict.fromkeys(found))


def tokenised(text: str) -> str:
    """The lower-cased, PTB-tokenised spelling FRANK's summaries use."""
    text = text.replace("“", "`` ").replace("”", " ''").replace("’s", " 's").replace("'s", " 's")
    text = re.sub(r"n[’']t\b", " n't", text)
    text = re.sub(r"([,.;:!?])(?=\s|$)", r" \1", text)
    text = re.sub(r"\(([^)]*)\)", r"-lrb- \1 -rrb-", text)
    return " ".join(text.lower().split())


_RESPELLINGS: tuple[tuple[str, str], ...] = (
    (r"\$11\.6 billion", "11.6bn dollars"),
    (r"\b160th\b", "one hundred and sixtieth"),
    (r"\bJan 16\b", "16 January"),
    (r"\b16 January\b", "January 16"),
    (r"\bthree-day\b", "3-day"),
    (r"\bGroup of Seven\b", "G7"),
    (r"\bUnited Kingdom\b", "UK"),
    (r"\bOctober last year\b", "last October"),
)


def respelled(text: str) -> str | None:
    """The sentence with its numbers, dates or names written another faithful way."""
    out = text
    for pattern, replacement in _RESPELLINGS:
        out = re.sub(pattern, replacement, out)
    return out if out != text else None


# Each corruption: (kind, pattern, replacements); the first replacement not already in the
# sentence is used, so a swap always brings in a name the sentence does not state.
_CORRUPTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("number", r"\$11\.6 billion", ("$12.6 billion", "$11.6 million")),
    ("number", r"\b160th\b", ("150th",)),
    ("number", r"\b160 years\b", ("150 years",)),
    ("number", r"\bthree-day\b", ("four-day",)),
    ("number", r"\bthird-largest\b", ("second-largest",)),
    ("number", r"\b20th\b", ("21st",)),
    ("number", r"\btwo\b", ("three",)),
    ("year", r"\b2035\b", ("2030",)),
    ("year", r"\b2026\b", ("2025",)),
    ("year", r"\b2024\b", ("2023",)),
    ("date", r"\bJan 16\b", ("Jan 19",)),
    ("date", r"\b16 January\b", ("18 January",)),
    ("date", r"\bJanuary 13\b", ("January 15",)),
    ("date", r"\bFriday\b", ("Monday",)),
    ("date", r"\bThursday\b", ("Tuesday",)),
    ("date", r"\bOctober\b", ("September",)),
    ("date", r"\bNovember\b", ("December",)),
    ("person", r"\bSanae Takaichi\b", ("Kaja Kallas", "Fumio Kishida")),
    ("person", r"\bGiorgia Meloni\b", ("Emmanuel Macron", "Kaja Kallas")),
    ("person", r"\bTakaichi\b", ("Kishida", "Kallas")),
    ("person", r"\bMeloni\b", ("Macron", "Kallas")),
    ("person", r"\bKaja Kallas\b", ("Josep Borrell",)),
    ("place", r"\bTokyo\b", ("Osaka", "Rome")),
    ("place", r"\bOman\b", ("Qatar",)),
    ("place", r"\bSouth Korea\b", ("North Korea", "Vietnam")),
    ("place", r"\bSouth Africa\b", ("Brazil",)),
    ("country", r"\bItaly\b", ("France", "Spain")),
    ("country", r"\bJapan\b", ("China", "Korea")),
    ("country", r"\bBritain\b", ("France",)),
    ("country", r"\bthe UK\b", ("France",)),
    ("country", r"\bthe United Kingdom\b", ("Germany",)),
    ("country", r"\bRussia\b", ("Belarus",)),
    ("country", r"\bUkraine\b", ("Georgia",)),
    ("country", r"\bItalian\b", ("French",)),
    ("country", r"\bJapanese\b", ("Chinese",)),
    ("org", r"\bKyodo\b", ("Reuters",)),
    ("org", r"\bForeign Ministry\b", ("Defense Ministry",)),
    ("org", r"\bGroup of Seven\b", ("Group of 20",)),
    ("org", r"\bEuropean Union\b", ("African Union",)),
    ("role", r"\bPrime Minister\b", ("President",)),
    ("role", r"\bpremier\b", ("president",)),
    ("role", r"\bprime ministers\b", ("presidents",)),
    ("role", r"\bForeign Policy Chief\b", ("Defence Chief",)),
    ("negation", r"\bagreed to\b", ("agreed not to",)),
    ("negation", r"\bwill\b", ("will not",)),
    ("negation", r"\b(is|are|was|were|has|have)\b", ("\\1 not",)),
    ("negation", r"\bconfirmed\b", ("did not confirm",)),
    ("antonym", r"\bcontinue\b", ("end",)),
    ("antonym", r"\bstrengthen\b", ("weaken",)),
    ("antonym", r"\belevate\b", ("downgrade",)),
    ("antonym", r"\bupgrade[d]?\b", ("downgrade",)),
    ("antonym", r"\bexpanding\b", ("reducing",)),
    ("antonym", r"\bfirst\b", ("last",)),
    ("antonym", r"\bafter\b", ("before",)),
    ("antonym", r"\bstrengthened\b", ("weakened",)),
)


def corruptions(text: str) -> list[tuple[str, str]]:
    """(kind, corrupted sentence) for every corruption that applies to the sentence."""
    out: list[tuple[str, str]] = []
    seen_kinds: set[str] = set()
    for kind, pattern, replacements in _CORRUPTIONS:
        if kind in seen_kinds or not re.search(pattern, text):
            continue
        replacement = next((r for r in replacements if r.split()[-1] not in text), None)
        if replacement is None:
            continue
        corrupted = re.sub(pattern, replacement, text, count=1)
        if corrupted != text:
            out.append((kind, corrupted))
            seen_kinds.add(kind)
    out.extend(_quote_corruptions(text))
    return out


_QUOTE_RE = re.compile(r"“([^”]+)”|\"([^\"]+)\"")
_SPEAKER_RE = re.compile(r"\b(Takaichi|Meloni)\b(?= (?:said|noted|responded|added|wrote))")


def _quote_corruptions(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    # The first quotation long enough to alter (quotes pair up in order, so a short one like
    # "strategic" is skipped whole rather than paired with the next one's opening mark).
    inner = next(
        (q for m in _QUOTE_RE.finditer(text) if len(q := m.group(1) or m.group(2)) >= 12), None
    )
    if inner is None:
        return out
    words = re.findall(r"[A-Za-z]{6,}", inner)
    if words:
        replacement = "remarkable" if words[0] != "remarkable" else "notable"
        out.append(("quote", text.replace(inner, inner.replace(words[0], replacement, 1), 1)))
    if re.match(r"(?:I|We)\b", inner):
        # The speaker's words as the summary's own: marks and speaker lost.
        out.append(("unattributed", inner.rstrip(" ,.") + "."))
    speaker = _SPEAKER_RE.search(text)
    if speaker is not None:
        other = "Meloni" if speaker.group(1) == "Takaichi" else "Takaichi"
        swapped = text[: speaker.start()] + other + text[speaker.end() :]
        out.append(("speaker", swapped))
    return out


_LINK_WORDS = ("after", "because", "before")


def linked(first: str, second: str, word: str) -> str | None:
    """Two true sentences fused with a link no source makes ("X after Y"); None if unfit."""
    if first[-1] != "." or second[-1] != "." or len(first.split()) + len(second.split()) > 60:
        return None
    return f"{first[:-1]} {word} {second[0].lower()}{second[1:]}"


def looped(text: str) -> str | None:
    """The sentence with a stretch of it said twice, as a generation loop does; None if short."""
    words = text.split()
    if len(words) < 10:
        return None
    return " ".join([*words[:6], "and", *words[2:6], *words[6:]])


def passives(text: str, known_names: frozenset[str]) -> list[tuple[str, str]]:
    """("Meloni was hosted by Takaichi." faithful, and the roles turned round) for each "X
    <verb>ed Y" the sentence states between two people."""
    facts = analyse(text, known_names)
    side = facts.side
    out: list[tuple[str, str]] = []
    for verb, doer, done_to in side.roles:
        item = side.items[verb]
        if item.first != item.last or not side.tokens[item.first].word.endswith("ed"):
            continue
        said = facts.prepared[item.start : item.end]
        who = facts.prepared[doer.start : doer.end]
        whom = facts.prepared[done_to.start : done_to.end]
        out.append((f"{whom} was {said} by {who}.", f"{who} was {said} by {whom}."))
    return out


def perturbation_probes(documents: Sequence[Document]) -> list[Probe]:
    """True, corrupted and faithfully rewritten sentences built from the seeds."""
    probes: list[Probe] = []
    truths = true_sentences(documents)
    for at, (first, second) in enumerate(zip(truths, truths[1:], strict=False)):
        fused = linked(first, second, _LINK_WORDS[at % len(_LINK_WORDS)])
        if fused is not None:
            probes.append(Probe(fused, False, "link", first))
    known = capitalised_words(s.text for d in documents for s in d.content_sentences)
    for text in truths:
        probes.append(Probe(text, True, "verbatim", text))
        for faithful, swapped in passives(text, known):
            probes.append(Probe(faithful, True, "passive", text))
            probes.append(Probe(swapped, False, "role swap", text))
        probes.append(Probe(tokenised(text), True, "tokenised", text))
        rewritten = respelled(text)
        if rewritten is not None:
            probes.append(Probe(rewritten, True, "respelled", text))
        loop = looped(text)
        if loop is not None:
            probes.append(Probe(loop, False, "loop", text))
        for kind, corrupted in corruptions(text):
            probes.append(Probe(corrupted, False, kind, text))
            if kind in ("number", "person", "country", "negation"):
                probes.append(Probe(tokenised(corrupted), False, f"{kind}+tokenised", text))
    for line in PARAPHRASES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            probes.append(Probe(row["text"], True, row["kind"], "hand-written"))
    return probes


def run_perturbations(calibration: Calibration) -> dict[str, Any]:
    """Rejection rates of corruptions and of faithful sentences, and the time per sentence."""
    documents = seed_documents()
    verifier = Verifier(documents, calibration=calibration)
    probes = perturbation_probes(documents)
    verifier.verify(Claim(probes[0].text))  # warm the caches the first call fills
    rejected: list[bool] = []
    started = time.perf_counter()
    verdicts = [verifier.verify(Claim(p.text)) for p in probes]
    elapsed = time.perf_counter() - started
    rejected = [not v.supported for v in verdicts]
    by_kind: dict[str, list[bool]] = {}
    for probe, was_rejected in zip(probes, rejected, strict=True):
        by_kind.setdefault(probe.kind, []).append(was_rejected)
    corrupt = [r for p, r in zip(probes, rejected, strict=True) if not p.faithful]
    faithful = [r for p, r in zip(probes, rejected, strict=True) if p.faithful]
    mistakes = [
        {"kind": p.kind, "text": p.text, "reasons": v.reasons, "score": v.score}
        for p, v, r in zip(probes, verdicts, rejected, strict=True)
        if r == p.faithful
    ]
    return {
        "corruptions": len(corrupt),
        "faithful": len(faithful),
        "corruption_rejection_rate": round(sum(corrupt) / max(len(corrupt), 1), 4),
        "faithful_rejection_rate": round(sum(faithful) / max(len(faithful), 1), 4),
        "ms_per_sentence": round(1000 * elapsed / len(probes), 3),
        "rejection_rate_by_kind": {
            k: round(sum(v) / len(v), 4) for k, v in sorted(by_kind.items())
        },
        "mistakes": mistakes,
    }


# --- data the seeds never saw -------------------------------------------------------------


def run_references(calibration: Calibration) -> dict[str, dict[str, float]]:
    """The share of FRANK's human-written reference sentences accepted, per source; and the
    share a checker approving every soft rejection would let through (the most a checker can
    add: the rest are hard vetoes)."""
    verifiers: dict[str, Verifier] = {}
    accepted: dict[str, list[tuple[bool, bool]]] = {"cnndm": [], "bbc": []}
    for source, doc_id, article, sentence in reference_sentences(frank_rows(FRANK_FILE)):
        verifier = verifiers.get(doc_id)
        if verifier is None:
            verifier = Verifier([make_document(doc_id, article)], calibration=calibration)
            verifiers[doc_id] = verifier
        verdict = verifier.verify(Claim(sentence))
        soft = doubt(verdict, CHECKER_CONFIRM_BELOW) == "soft_rejection"
        accepted.setdefault(source, []).append((verdict.supported, verdict.supported or soft))
    return {
        source: {
            "sentences": len(flags),
            "acceptance_rate": round(sum(a for a, _ in flags) / max(len(flags), 1), 4),
            "with_approving_checker": round(sum(b for _, b in flags) / max(len(flags), 1), 4),
        }
        for source, flags in accepted.items()
    }


def run_frank_perturbations(calibration: Calibration) -> dict[str, Any]:
    """The second perturbation suite: rates per kind, each sentence against its article."""
    documents = {
        doc_id: make_document(doc_id, text)
        for doc_id, text in suite_articles(frank_rows(FRANK_FILE)).items()
    }
    probes = frank_probes(
        {doc_id: [s.text for s in d.content_sentences] for doc_id, d in documents.items()},
        tokenised,
        linked,
        looped,
    )
    verifiers = {
        doc_id: Verifier([document], calibration=calibration)
        for doc_id, document in documents.items()
    }
    started = time.perf_counter()
    verdicts = [verifiers[p.article].verify(Claim(p.text)) for p in probes]
    elapsed = time.perf_counter() - started
    by_kind: dict[str, list[bool]] = {}
    for probe, verdict in zip(probes, verdicts, strict=True):
        by_kind.setdefault(probe.kind, []).append(not verdict.supported)
    hard = [
        not v.supported
        for p, v in zip(probes, verdicts, strict=True)
        if not p.faithful and p.kind not in SOFT_KINDS
    ]
    faithful = [not v.supported for p, v in zip(probes, verdicts, strict=True) if p.faithful]
    mistakes = [
        {"kind": p.kind, "text": p.text, "reasons": v.reasons, "score": v.score}
        for p, v in zip(probes, verdicts, strict=True)
        if v.supported != p.faithful and p.kind not in SOFT_KINDS
    ]
    return {
        "articles": len(documents),
        "corruptions": len(hard),
        "faithful": len(faithful),
        "corruption_rejection_rate": round(sum(hard) / max(len(hard), 1), 4),
        "faithful_rejection_rate": round(sum(faithful) / max(len(faithful), 1), 4),
        "ms_per_sentence": round(1000 * elapsed / max(len(probes), 1), 3),
        "soft_kinds": list(SOFT_KINDS),
        "by_kind": {
            kind: {"sentences": len(flags), "rejection_rate": round(sum(flags) / len(flags), 4)}
            for kind, flags in sorted(by_kind.items())
        },
        "mistakes": mistakes[:100],
    }


def run_adversarial() -> dict[str, Any]:
    """What the adversarial model server wrote, and what of it the service returned."""
    seeds = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(SEED_ARTICLES.glob("*.json"))
    ]
    frank = suite_articles(frank_rows(FRANK_FILE), ADVERSARIAL_FRANK_ARTICLES)
    started = time.perf_counter()
    result = attack(adversarial_articles(seeds, frank), repair=True, checker=True)
    unique = {(leak.kind, leak.text): leak for leak in result.leaks}
    leaked: dict[str, int] = {}
    for leak in unique.values():
        leaked[leak.kind] = leaked.get(leak.kind, 0) + 1
    return {
        "article_sets": len(adversarial_articles(seeds, {})) + len(frank),
        "requests": result.requests,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "calls": dict(sorted(result.calls.items())),
        "checker_brought_back": result.judged,
        "seconds": round(time.perf_counter() - started, 1),
        "soft_kinds": list(SOFT_KINDS),
        "written_by_kind": dict(sorted(result.written.items())),
        "leaked_by_kind": dict(sorted(leaked.items())),
        "leaked": sum(n for k, n in leaked.items() if k not in SOFT_KINDS),
        "written": sum(n for k, n in result.written.items() if k not in SOFT_KINDS),
        "leaks": [
            {"kind": leak.kind, "stage": leak.stage, "field": leak.field, "text": leak.text}
            for leak in unique.values()
            if leak.kind not in SOFT_KINDS
        ],
    }


# --- main ------------------------------------------------------------------------------


def calibrate(articles: dict[str, str], sentences: Sequence[LabelledSentence]) -> Calibration:
    """Fit the shipped weights on all of FRANK; twice, since evidence choice uses the score."""
    calibration = default_calibration()
    for round_ in range(2):
        outcomes = verify_frank(articles, sentences, calibration)
        calibration = fit_calibration(
            [o.features for o in outcomes],
            [s.supported for s in sentences],
            f"FRANK valid, all {len(sentences)} sentences (round {round_ + 1})",
        )
    CALIBRATION_FILE.write_text(json.dumps(calibration.to_json(), indent=2) + "\n")
    return calibration


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calibrate", action="store_true", help="refit the scoring weights")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument(
        "--no-adversarial", action="store_true", help="skip the adversarial model server"
    )
    args = parser.parse_args(argv)
    articles, sentences = load_frank()
    calibration = calibrate(articles, sentences) if args.calibrate else default_calibration()
    outcomes = verify_frank(articles, sentences, calibration)
    in_sample = frank_figures(sentences, [_supported(o) for o in outcomes])
    approving = frank_figures(sentences, [o.supported or o.soft for o in outcomes])
    report: dict[str, Any] = {
        "frank": {
            "in_sample": in_sample,
            # Every soft rejection accepted, as a checker approving everything would.
            "approving_checker": approving,
            "soft_rejections": soft_rejections(sentences, outcomes),
            "ms_per_sentence": round(1000 * sum(o.seconds for o in outcomes) / len(outcomes), 3),
            "sentences": {
                src: sum(1 for s in sentences if s.source == src) for src in ("cnndm", "bbc")
            },
        },
        "calibration": calibration.fitted_on,
    }
    if not args.no_cv:
        held_out = cross_validate(articles, sentences, outcomes)
        report["frank"]["cross_validated"] = frank_figures(sentences, held_out)
    report["perturbation"] = run_perturbations(calibration)
    report["frank_references"] = run_references(calibration)
    report["frank_perturbation"] = run_frank_perturbations(calibration)
    if not args.no_adversarial:
        report["adversarial"] = run_adversarial()
    REPORT_FILE.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _print(report)
    return 0


def _print(report: dict[str, Any]) -> None:
    frank = report["frank"]
    print("FRANK balanced accuracy (verify each sentence against its article, no citations)")
    if "cross_validated" in frank:
        cv = frank["cross_validated"]
        print(
            f"  cross-validated (5 folds by article): cnndm {cv['cnndm']:.3f}  bbc {cv['bbc']:.3f}"
        )
    ins = frank["in_sample"]
    print(f"  in-sample (shipped weights):          cnndm {ins['cnndm']:.3f}  bbc {ins['bbc']:.3f}")
    yes, soft = frank["approving_checker"], frank["soft_rejections"]
    print(
        "  a checker approving every soft rejection: "
        f"cnndm {yes['cnndm']:.3f}  bbc {yes['bbc']:.3f}"
        "  (soft rejections: "
        + ", ".join(
            f"{src} {n['sentences']}, {n['labelled_supported']} labelled supported"
            for src, n in soft.items()
        )
        + ")"
    )
    print(f"  {frank['ms_per_sentence']:.2f} ms/sentence (FRANK articles)")
    pert = report["perturbation"]
    print(
        f"Perturbation suite ({pert['corruptions']} corrupted, {pert['faithful']} faithful):\n"
        f"  corruptions rejected {pert['corruption_rejection_rate']:.3f}"
        f"  faithful rejected {pert['faithful_rejection_rate']:.3f}"
        f"  {pert['ms_per_sentence']:.2f} ms/sentence (five seed articles)"
    )
    for kind, rate in pert["rejection_rate_by_kind"].items():
        print(f"    {kind:<20} rejected {rate:.3f}")
    _print_unseen(report)
    print(f"report: {REPORT_FILE.relative_to(ROOT)}")


def _print_unseen(report: dict[str, Any]) -> None:
    refs = report["frank_references"]
    print("FRANK reference sentences accepted (human-written; a proxy for faithful abstraction)")
    print(
        "  "
        + "  ".join(
            f"{src} {r['acceptance_rate']:.3f} of {r['sentences']}" for src, r in refs.items()
        )
    )
    print(
        "  with a checker approving every soft rejection: "
        + "  ".join(f"{src} {r['with_approving_checker']:.3f}" for src, r in refs.items())
    )
    suite = report["frank_perturbation"]
    print(
        f"Perturbation suite from {suite['articles']} FRANK valid articles "
        f"({suite['corruptions']} corrupted, {suite['faithful']} faithful):\n"
        f"  corruptions rejected {suite['corruption_rejection_rate']:.3f}"
        f"  faithful rejected {suite['faithful_rejection_rate']:.3f}"
        f"  {suite['ms_per_sentence']:.2f} ms/sentence"
    )
    for kind, row in suite["by_kind"].items():
        soft = "  (soft: not in the rate above)" if kind in suite["soft_kinds"] else ""
        print(f"    {kind:<20} rejected {row['rejection_rate']:.3f} of {row['sentences']}{soft}")
    adversarial = report.get("adversarial")
    if adversarial is None:
        return
    print(
        f"Adversarial model server ({adversarial['requests']} requests over "
        f"{adversarial['article_sets']} article sets; draft, repair, a checker approving all):\n"
        f"  {adversarial['leaked']} of {adversarial['written']} unsupported sentences returned"
        f"  ({adversarial['calls'].get('check', 0)} checker calls, "
        f"{adversarial['checker_brought_back']} soft rejections brought back)"
    )
    for kind, written in adversarial["written_by_kind"].items():
        soft = "  (soft)" if kind in adversarial["soft_kinds"] else ""
        leaked = adversarial["leaked_by_kind"].get(kind, 0)
        print(f"    {kind:<20} returned {leaked} of {written}{soft}")


if __name__ == "__main__":
    sys.exit(main())
