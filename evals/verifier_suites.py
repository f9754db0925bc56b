"""The verifier benchmark's suites built from data the seeds never saw.

- `reference_sentences`: the human-written reference summaries of FRANK valid (CNN/DM
  highlights, XSum ledes), one sentence each, with their article: a proxy for the faithful
  abstractive sentences a capable model writes.
- `frank_probes`: a second perturbation suite, generated from FRANK valid articles: faithful
  sentences (verbatim, lightly paraphrased by function-word edits, tokenised as FRANK's
  summaries are) and corruptions of every kind `devtools.corruptions` makes (unit, ordinal,
  organisation, speaker, hedge, stance, reported speech quoted, number, date, person, place,
  negation, antonym, and the soft "embellish"), plus two true sentences fused by a link no
  source makes and a stretch said twice.
- `adversarial_articles`: the article sets the adversarial server is run against.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.corruptions import ALL_KINDS, Corruptor, with_injections

ROOT = Path(__file__).resolve().parents[1]
TEST_ARTICLES = ROOT / "tests" / "data"
SEED = 0
# FRANK valid articles the second suite is built from, and sentences taken from each: enough
# for every kind to have dozens of examples, few enough for the benchmark's two minutes.
SUITE_ARTICLES = 24
SENTENCES_PER_ARTICLE = 12


@dataclass(frozen=True)
class ArticleProbe:
    """One sentence to verify against one article: faithful or not, and how it was made."""

    article: str
    text: str
    faithful: bool
    kind: str


def frank_rows(path: Path) -> list[dict[str, Any]]:
    """The FRANK valid file's rows."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def reference_sentences(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(source, article id, article, sentence) for each sentence of each distinct reference."""
    seen: set[tuple[str, str]] = set()
    found: list[tuple[str, str, str, str]] = []
    for row in rows:
        key = (row["doc_id"], row["reference"])
        if key in seen:
            continue
        seen.add(key)
        # References are tokenised: a sentence ends with " ." before the next one.
        for sentence in re.split(r"(?<=[.!?])\s+(?=\S)", row["reference"].strip()):
            if len(sentence.split()) >= 3:
                found.append((row["source"], row["doc_id"], row["article"], sentence))
    return found


def suite_articles(rows: Sequence[dict[str, Any]], count: int = SUITE_ARTICLES) -> dict[str, str]:
    """A fixed spread of `count` FRANK articles (sorted ids, evenly spaced)."""
    articles = {row["doc_id"]: row["article"] for row in rows}
    ids = sorted(articles)
    step = max(len(ids) // count, 1)
    return {doc_id: articles[doc_id] for doc_id in ids[::step][:count]}


# Function-word edits that keep a sentence's meaning.
_LIGHT_EDITS: tuple[tuple[str, str], ...] = (
    (r"\b(said|says|told \w+|added|stated|claimed) that\b", r"\1"),
    (r"^(?:But|And|However,|Meanwhile,|Also,|Now,)\s+(\w)", r"\1"),
    (r"\bin order to\b", "to"),
    (r"\bwas not\b", "wasn't"),
    (r"\bdid not\b", "didn't"),
    (r"\bdoes not\b", "doesn't"),
    (r"\bis not\b", "isn't"),
    (r"\bcannot\b", "can't"),
    (r"\bper cent\b", "percent"),
    (r"\bon (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", r"\1"),
)


def lightly_paraphrased(text: str) -> str | None:
    """The sentence with its function words edited (every edit that applies); None if none."""
    out = text
    for pattern, replacement in _LIGHT_EDITS:
        out = re.sub(pattern, replacement, out)
    if out == text:
        return None
    return out[0].upper() + out[1:]


def _fact_sentences(sentences: Sequence[str]) -> list[str]:
    """Sentences that state facts: long enough and ending as a sentence does."""
    return [
        " ".join(s.split())
        for s in sentences
        if 8 <= len(s.split()) <= 60 and s.rstrip()[-1:] in ".\"'”’"
    ]


def frank_probes(
    documents: dict[str, Sequence[str]], tokenise: Any, link: Any, loop: Any
) -> list[ArticleProbe]:
    """The second perturbation suite: faithful and corrupted sentences of each article.

    `documents` maps an article id to its content sentences; `tokenise`, `link` and `loop`
    are the seed suite's rewrites (FRANK's tokenisation, two sentences fused, a stretch said
    twice), shared so both suites mean the same by them.
    """
    probes: list[ArticleProbe] = []
    rng = random.Random(SEED)
    for article, sentences in documents.items():
        facts = _fact_sentences(sentences)
        chosen = sorted(rng.sample(range(len(facts)), min(SENTENCES_PER_ARTICLE, len(facts))))
        picked = [facts[i] for i in chosen]
        corruptor = Corruptor(list(sentences))
        for at, text in enumerate(picked):
            probes.append(ArticleProbe(article, text, True, "verbatim"))
            probes.append(ArticleProbe(article, tokenise(text), True, "tokenised"))
            paraphrase = lightly_paraphrased(text)
            if paraphrase is not None:
                probes.append(ArticleProbe(article, paraphrase, True, "function words"))
            probes.extend(
                ArticleProbe(article, c.text, False, c.kind)
                for c in corruptor.corruptions(text, ALL_KINDS)
            )
            fused = link(text, picked[at + 1], "after") if at + 1 < len(picked) else None
            if fused is not None:
                probes.append(ArticleProbe(article, fused, False, "link"))
            looped = loop(text)
            if looped is not None:
                probes.append(ArticleProbe(article, looped, False, "loop"))
    return probes


def adversarial_articles(
    seeds: Sequence[dict[str, Any]], frank: dict[str, str]
) -> list[list[dict[str, Any]]]:
    """The article sets for the adversarial server: the seeds and each FRANK article with
    two AI-addressing sentences planted, and the test articles as they are (they carry
    their own)."""
    seeded = []
    for number, article in enumerate(seeds):
        text, _ = with_injections(article["text"], random.Random(number))
        seeded.append({**article, "text": text})
    mine = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(TEST_ARTICLES.glob("*.json"))]
    sets: list[list[dict[str, Any]]] = [
        seeded,
        [a for a in mine if a["id"].startswith("harbour")],
        *[[a] for a in mine if not a["id"].startswith("harbour")],
    ]
    for number, (doc_id, text) in enumerate(frank.items()):
        planted, _ = with_injections(text, random.Random(number))
        sets.append([{"id": f"f{doc_id[:8]}", "text": planted}])
    return sets
