"""The verifier: resolve a claim's evidence (or retrieve it), check support, cite the spans."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np

from service.domain import Document, SourceGroups
from service.text.normalize import normalize
from service.verify.analysis import TextFacts, analyse
from service.verify.resolve import Span, contains_passage, resolve_quote
from service.verify.scoring import THRESHOLD, Calibration, default_calibration
from service.verify.support import (
    SPECIFIC_KEYS,
    Check,
    SourceIndex,
    check_support,
    copy_features,
)
from service.verify.types import Citation, Claim, ClaimEvidence, Verdict

# How many retrieved sentences are checked one by one, and how many may be stitched together.
RETRIEVE_TOP = 8
MAX_STITCHED = 3
# A sentence stitched onto another must share this many of the claim's content words besides
# the ones it adds, and add this many missing words or numbers.
STITCH_MIN_SHARED = 2
STITCH_MIN_NEW = 2


class Verifier:
    """Checks claims against one request's documents; indexes are built once, here."""

    def __init__(
        self,
        documents: Sequence[Document],
        groups: SourceGroups | None = None,
        *,
        calibration: Calibration | None = None,
    ) -> None:
        self.calibration = calibration or default_calibration()
        self.index = SourceIndex(documents)
        self.groups = groups
        self._doc_index = {d.id: i for i, d in enumerate(self.index.documents)}
        self._retriever: bm25s.BM25 | None = None
        self._copying: dict[str, float] = {}
        if self.index.units:
            corpus = [_retrieval_terms(u.facts) or ["<empty>"] for u in self.index.units]
            self._retriever = bm25s.BM25()
            self._retriever.index(corpus, show_progress=False)
        # (article id, sentence start) -> ids of the units grouped with it.
        self._group_of: dict[tuple[str, int], int] = {}
        self._group_units: list[list[int]] = []
        if groups is not None:
            by_position = {
                (u.sentence.article_id, u.sentence.start): u.index for u in self.index.units
            }
            for group in groups.groups:
                members = [
                    by_position[(m.article_id, m.start)]
                    for m in group.members
                    if (m.article_id, m.start) in by_position
                ]
                for unit in members:
                    self._group_of[
                        (
                            self.index.units[unit].sentence.article_id,
                            self.index.units[unit].sentence.start,
                        )
                    ] = len(self._group_units)
                self._group_units.append(members)

    # --- public -------------------------------------------------------------------------

    def verify(self, claim: Claim) -> Verdict:
        """Decide whether the sources support the claim, citing the spans relied on."""
        if not claim.text.strip():
            return Verdict(False, 0.0, [], ["empty sentence"])
        if claim.kind == "quote":
            return self._verify_quote(claim)
        facts = analyse(claim.text, self.index.known_names, self.index.vocabulary)
        self._copying = copy_features(self.index, facts)
        speaker = self._speaker_keys(facts)
        copied = self._whole_sentences_copied(claim)
        if copied and claim.evidence:
            # Given evidence is what is being checked: the copy must be what it points at
            # (the same sentences, or the same words quoted from the copy's article when those
            # words occur there more than once).
            cited, _ = self._resolve_evidence(claim.evidence)
            article = self.index.documents[self.index.units[copied[0]].document].id
            same_words = any(
                item.article_id == article
                and item.quote is not None
                and normalize(item.quote).text.strip(" \"'.,;:")
                == normalize(claim.text).text.strip(" \"'.,;:")
                for item in claim.evidence
            )
            copied = copied if set(copied) & set(cited) or same_words else []
        if copied:
            check = self._check_with_parts(claim, facts, copied, speaker)
            return self._verdict(claim, facts, speaker, check, [], copied=True)
        reasons: list[str] = []
        best: Check | None = None
        if claim.evidence:
            units, resolve_reasons = self._resolve_evidence(claim.evidence)
            reasons.extend(resolve_reasons)
            if units:
                best = self._check_with_parts(claim, facts, units, speaker)
                if not _passes(best):
                    reasons.append("the cited evidence does not support the sentence")
        if best is None or not _passes(best):
            found = self._search(claim, facts, speaker)
            if found is not None and (best is None or _rank(found) > _rank(best)):
                if best is not None and _passes(found):
                    reasons.append("support found in other sentences of the sources")
                best = found
        if best is None:
            return Verdict(False, 0.0, [], [*reasons, "no source sentence relates to the claim"])
        return self._verdict(claim, facts, speaker, best, reasons)

    def _whole_sentences_copied(self, claim: Claim) -> list[int]:
        """The content sentences a statement copies whole, word for word; else nothing.

        A complete source sentence repeated verbatim is grounded by definition, even where the
        word-level checks trip over it (unbalanced quote marks, contractions). Only whole
        sentences count: a copied fragment can drop the words that change its meaning
        ("officials denied that ..."), so it goes through the ordinary checks.
        """
        needle = normalize(claim.text).text.strip(" \"'.,;:")
        if len(needle.split()) < 4 or claim.parts:
            return []
        for doc_index, text in enumerate(self.index.texts):
            # Every occurrence: a caption can repeat words that also end a longer sentence.
            at = text.normal.text.find(needle)
            while at != -1:
                units = self._whole_units(doc_index, *text.normal.to_original(at, at + len(needle)))
                if units:
                    return units
                at = text.normal.text.find(needle, at + 1)
        return []

    def _whole_units(self, doc_index: int, start: int, end: int) -> list[int]:
        """The content sentences that `start:end` spans exactly, boundary to boundary; or none."""
        units = self.index.units_overlapping(doc_index, start, end)
        if not units:
            return []
        # Nothing of these sentences left out at either end, and nothing between them that is
        # not one of them (boilerplate, a planted line).
        original = self.index.documents[doc_index].text
        low = min(start, self.index.units[units[0]].sentence.start)
        high = max(end, self.index.units[units[-1]].sentence.end)
        left_out = original[low:start] + original[end:high]
        between = list(original[start:end])
        for u in units:
            sentence = self.index.units[u].sentence
            lo, hi = max(sentence.start, start) - start, min(sentence.end, end) - start
            between[lo:hi] = " " * (hi - lo)
        if any(c.isalnum() for c in left_out + "".join(between)):
            return []
        return units

    # --- evidence -----------------------------------------------------------------------

    def _resolve_evidence(self, evidence: Sequence[ClaimEvidence]) -> tuple[list[int], list[str]]:
        units: list[int] = []
        reasons: list[str] = []
        for item in evidence:
            span, why = self._resolve_one(item)
            if span is None:
                reasons.append(why)
                continue
            doc_index = self._doc_index[span.article_id]
            overlapping = self.index.units_overlapping(doc_index, span.start, span.end)
            if not overlapping:
                reasons.append(f"evidence in {span.article_id} is page boilerplate, not content")
                continue
            units.extend(u for u in overlapping if u not in units)
        return units, reasons

    def _resolve_one(self, item: ClaimEvidence) -> tuple[Span | None, str]:
        if item.article_id is not None and item.article_id not in self._doc_index:
            return None, f"unknown article {item.article_id!r}"
        targets = (
            [self._doc_index[item.article_id]]
            if item.article_id is not None
            else list(range(len(self.index.documents)))
        )
        if item.start is not None and item.end is not None and item.article_id is not None:
            text = self.index.documents[targets[0]].text
            in_range = 0 <= item.start < item.end <= len(text)
            if in_range and (
                item.quote is None or contains_passage(text[item.start : item.end], item.quote)
            ):
                return Span(item.article_id, item.start, item.end, "offsets"), ""
            if item.quote is None:
                return None, f"offsets {item.start}-{item.end} are outside {item.article_id}"
        if item.quote is None or not item.quote.strip():
            return None, "evidence has neither a quote nor offsets"
        for doc_index in targets:
            span = resolve_quote(self.index.texts[doc_index], item.quote)
            if span is not None:
                return span, ""
        if item.article_id is not None:
            # The quote may be real but credited to the wrong article.
            for doc_index in range(len(self.index.documents)):
                span = resolve_quote(self.index.texts[doc_index], item.quote, fuzzy=False)
                if span is not None:
                    return span, ""
        where = item.article_id or "any article"
        return None, f"quote not found in {where}: {_clip(item.quote)!r}"

    # --- retrieval ----------------------------------------------------------------------

    def _search(self, claim: Claim, facts: TextFacts, speaker: frozenset[str]) -> Check | None:
        candidates = self._candidates(facts)
        if not candidates:
            return None
        singles = [self._check_with_parts(claim, facts, [u], speaker) for u in candidates]
        # Judge the sentences that say most of what the claim says: shopping for any sentence
        # that merely fails to contradict the claim would let corruptions through.
        best = max(singles, key=_match)
        if not best.uncovered:
            return best
        current = best
        while len(current.units) < MAX_STITCHED and current.uncovered:
            # Stitching looks further than the first retrieval: at the sentences that best
            # state what is still missing, alongside the claim's names.
            missing_terms = [k.lstrip("#").lower() for k in current.uncovered]
            candidates = list(
                dict.fromkeys([*candidates, *self._retrieve([*missing_terms, *facts.names], 5)])
            )
            addition = self._best_addition(claim, facts, speaker, current, candidates)
            if addition is None:
                break
            current = addition
        return current

    def _best_addition(
        self,
        claim: Claim,
        facts: TextFacts,
        speaker: frozenset[str],
        current: Check,
        candidates: list[int],
    ) -> Check | None:
        """The sentence that, stitched on, states the most of what is still missing."""
        best: Check | None = None
        for unit in candidates:
            if unit in current.units:
                continue
            shared = facts.content_set & self.index.units[unit].facts.content_set
            if len(shared - current.uncovered) < STITCH_MIN_SHARED:
                continue
            trial = self._check_with_parts(claim, facts, [*current.units, unit], speaker)
            # A stitched sentence must bring a whole piece (two missing words or numbers):
            # a lone name found elsewhere ("Rome") is a swap, not a second source.
            if len(current.uncovered - trial.uncovered) < STITCH_MIN_NEW:
                continue
            if best is None or _match(trial) > _match(best):
                best = trial
        return best

    def _retrieve(self, query: list[str], top: int) -> list[int]:
        """The `top` sentences BM25 ranks highest for the query (with a positive score)."""
        if self._retriever is None or not query:
            return []
        scores = np.asarray(self._retriever.get_scores(query))
        order = np.argsort(-scores, kind="stable")[:top]
        return [int(i) for i in order if scores[i] > 0]

    def _candidates(self, facts: TextFacts) -> list[int]:
        if self._retriever is None:
            return []
        terms = _retrieval_terms(facts)
        # A general word ("the two leaders") also looks for the specific ones the sources use.
        terms.extend(
            specific
            for key in facts.content_set
            for specific in sorted(SPECIFIC_KEYS.get(key, ()))
            if specific in self.index.document_frequency
        )
        found = self._retrieve(terms, RETRIEVE_TOP)
        # Sentences holding a quoted passage of the claim are candidates whatever BM25 says.
        for quoted in facts.quoted:
            for doc_index, start, end in self.index.quote_occurrences(
                quoted, range(len(self.index.documents))
            ):
                for unit in self.index.units_overlapping(doc_index, start, end):
                    if unit not in found:
                        found.append(unit)
        return found

    # --- checking -----------------------------------------------------------------------

    def _check_with_parts(
        self, claim: Claim, facts: TextFacts, units: list[int], speaker: frozenset[str]
    ) -> Check:
        check = check_support(self.index, facts, units, speaker)
        self._check_quotes(facts, check, speaker)
        for part in claim.parts:
            part_facts = analyse(part, self.index.known_names)
            part_check = check_support(
                self.index, part_facts, [*units, *check.extra_units], frozenset()
            )
            if part_check.failures or part_check.missing:
                check.failures.append(f"{part!r} not in cited spans")
        check.features.update(self._copying)
        check.features["score"] = self.calibration.score(check.features)
        return check

    def _check_quotes(self, facts: TextFacts, check: Check, speaker: frozenset[str]) -> None:
        """Quoted words must be verbatim in the cited spans, said by the claimed speaker."""
        for quoted in facts.quoted:
            located = self._locate_in_units(quoted, check.units)
            if located is None:
                check.failures.append(f"quoted words not in cited spans: {_clip(quoted)!r}")
                continue
            doc_index, start, end = located
            if speaker:
                attributed = self.index.speaker_of(doc_index, start, end)
                if attributed is not None and not self.index.speaker_matches(speaker, attributed):
                    check.failures.append(
                        f"the source attributes {_clip(quoted)!r} to "
                        f"{' '.join(sorted(attributed))}, not to the claimed speaker"
                    )

    def _locate_in_units(self, quoted: str, units: Sequence[int]) -> tuple[int, int, int] | None:
        documents = sorted({self.index.units[u].document for u in units})
        for doc_index, start, end in self.index.quote_occurrences(quoted, documents):
            inside = self.index.units_overlapping(doc_index, start, end)
            if inside and all(u in units for u in inside):
                return doc_index, start, end
        return None

    def _speaker_keys(self, facts: TextFacts) -> frozenset[str]:
        return facts.speakers

    # --- quotes -------------------------------------------------------------------------

    def _verify_quote(self, claim: Claim) -> Verdict:
        preferred = [
            self._doc_index[e.article_id]
            for e in claim.evidence
            if e.article_id is not None and e.article_id in self._doc_index
        ]
        order = list(dict.fromkeys([*preferred, *range(len(self.index.documents))]))
        occurrences = [
            occ
            for occ in self.index.quote_occurrences(claim.text, order)
            if self.index.units_overlapping(occ[0], occ[1], occ[2])
        ]
        if not occurrences:
            return Verdict(False, 0.0, [], [f"quotation not found verbatim: {_clip(claim.text)!r}"])
        reasons: list[str] = []
        claimed = (
            analyse(claim.speaker, self.index.known_names).content_set
            if claim.speaker
            else frozenset()
        )
        accepted: list[tuple[int, int, int]] = []
        for doc_index, start, end in occurrences:
            if claimed:
                attributed = self.index.speaker_of(doc_index, start, end)
                if attributed is None:
                    mentioned = self._speaker_nearby(doc_index, start, end, claimed)
                    if not mentioned:
                        reasons.append(
                            f"no speaker named for the quotation in "
                            f"{self.index.documents[doc_index].id}"
                        )
                        continue
                elif not self.index.speaker_matches(claimed, attributed):
                    reasons.append(
                        f"{self.index.documents[doc_index].id} attributes the quotation to "
                        f"{' '.join(sorted(attributed))}, not {claim.speaker}"
                    )
                    continue
            accepted.append((doc_index, start, end))
        if not accepted:
            return Verdict(False, 0.1, [], reasons)
        citations = [
            Citation(self.index.documents[d].id, s, e, self.index.documents[d].text[s:e])
            for d, s, e in accepted
        ]
        return Verdict(True, 1.0, citations, [])

    def _speaker_nearby(
        self, doc_index: int, start: int, end: int, claimed: frozenset[str]
    ) -> bool:
        units = self.index.units_overlapping(doc_index, start, end)
        first = self.index.units[units[0]]
        siblings = self.index.by_document[doc_index]
        nearby = [siblings[p] for p in range(max(first.position - 1, 0), first.position)] + units
        return any(claimed & self.index.units[u].facts.content_set for u in nearby)

    # --- output -------------------------------------------------------------------------

    def _verdict(
        self,
        claim: Claim,
        facts: TextFacts,
        speaker: frozenset[str],
        check: Check,
        reasons: list[str],
        copied: bool = False,
    ) -> Verdict:
        supported = copied or _passes(check)
        score = 1.0 if copied else check.features["score"]
        if not supported:
            reasons = [*reasons, *check.failures]
            if not check.failures:
                reasons.append(
                    "too little of the sentence is in the cited spans"
                    + (f" (missing: {', '.join(check.missing[:6])})" if check.missing else "")
                )
            # A hard failure outranks any overlap: the score says so.
            score = min(score, THRESHOLD * 0.5) if check.failures else score
        units = list(dict.fromkeys([*check.units, *check.extra_units]))
        if supported and self.groups is not None:
            units.extend(
                u for u in self._corroborating(claim, facts, speaker, units) if u not in units
            )
        citations = [self._citation(u) for u in units]
        return Verdict(
            supported,
            round(min(max(score, 0.0), 1.0), 4),
            citations,
            reasons,
            details=dict(check.features),
        )

    def _corroborating(
        self, claim: Claim, facts: TextFacts, speaker: frozenset[str], units: list[int]
    ) -> list[int]:
        """Sentences of other articles that support the claim by themselves.

        A syndicated copy that leaves out a detail is not cited: a citation must support the
        sentence, and a newsroom reads each cited outlet as having said all of it.
        """
        cited_docs = {self.index.units[u].document for u in units}
        grouped: dict[int, list[int]] = {}
        for unit in units:
            sentence = self.index.units[unit].sentence
            group = self._group_of.get((sentence.article_id, sentence.start))
            if group is None:
                continue
            for member in self._group_units[group]:
                doc = self.index.units[member].document
                if doc not in cited_docs:
                    grouped.setdefault(doc, []).append(member)
        retrieved: dict[int, list[int]] = {}
        for unit in self._candidates(facts):
            doc = self.index.units[unit].document
            if doc not in cited_docs:
                retrieved.setdefault(doc, []).append(unit)
        found: list[int] = []
        for doc in sorted(set(grouped) | set(retrieved)):
            for member in dict.fromkeys([*grouped.get(doc, []), *retrieved.get(doc, [])]):
                if _passes(self._check_with_parts(claim, facts, [member], speaker)):
                    found.append(member)
                    break
        return found

    def _citation(self, unit: int) -> Citation:
        sentence = self.index.units[unit].sentence
        document = self.index.documents[self.index.units[unit].document]
        return Citation(
            sentence.article_id,
            sentence.start,
            sentence.end,
            document.text[sentence.start : sentence.end],
        )


def _retrieval_terms(facts: TextFacts) -> list[str]:
    terms = list(facts.content)
    terms.extend(f"#{q.value:g}" for q in facts.numbers.quantities)
    terms.extend(sorted(facts.numbers.weekdays))
    return terms


def _passes(check: Check) -> bool:
    return check.features["score"] >= THRESHOLD and not check.failures


def _rank(check: Check) -> tuple[bool, float, float]:
    return (_passes(check), -len(check.failures), check.features["score"])


def _match(check: Check) -> tuple[float, float, float]:
    return (check.features["match"], check.features["trigram_coverage"], check.features["score"])


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
