"""The verifier: resolve a claim's evidence (or retrieve it), check support, cite the spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import bm25s
import numpy as np

from service.domain import Document, SourceGroups
from service.text.normalize import normalize
from service.verify.analysis import TextFacts, analyse
from service.verify.checks import Quotation, claim_quotations, unquoted
from service.verify.findings import Check, CopyFeatures, Features, Finding
from service.verify.index import SourceIndex, Unit
from service.verify.memo import VerdictMemo
from service.verify.resolve import Needle, Span, contains_passage, resolve_quote
from service.verify.scoring import THRESHOLD, Calibration, default_calibration
from service.verify.support import (
    Coverage,
    check_support,
    copy_features,
    cover,
    weighted_coverage,
)
from service.verify.types import Citation, Claim, ClaimEvidence, Verdict
from service.verify.wordkeys import PLACE_KEYS, SPECIFIC_KEYS

# How many retrieved sentences are checked one by one, and how many may be stitched together.
RETRIEVE_TOP = 8
MAX_STITCHED = 3
# A sentence stitched onto another must share this many of the claim's content words besides
# the ones it adds, and add this many missing words or numbers.
STITCH_MIN_SHARED = 2
STITCH_MIN_NEW = 2
STITCH_SAME_EVENT = 3
# A sentence of another outlet corroborates a claim only if it states this share of the
# claim's distinctive (IDF-weighted) content words itself: the score alone lets a sentence
# that names nothing the claim needs pass for a long claim whose words occur elsewhere.
CORROBORATION_COVERAGE = 0.75
# How far back (in sentences of the same article) a referring sentence looks for its name.
ANTECEDENT_WINDOW = 3
# How far (in sentences of the same article, either way) a sentence stitched on for a lone
# name or number may be from the main one.
NEIGHBOUR_WINDOW = 3
REFERRING_PRONOUNS = frozenset("he she they it his her their its".split())
REFERRING_DETERMINERS = frozenset("the this that these those".split())


@dataclass(frozen=True)
class _Subject:
    """One statement being verified, analysed once; passed along, never kept on the verifier."""

    claim: Claim
    facts: TextFacts
    copying: CopyFeatures
    # The short parts the claim names (who, where, when), each analysed once.
    parts: tuple[tuple[str, TextFacts], ...]
    # The sentences retrieval finds for it, once looked up (the search and corroboration
    # both ask); filled during this one call.
    retrieved: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def speaker(self) -> frozenset[str]:
        """Whom the statement reports as speaking, by key."""
        return self.facts.speakers


@dataclass(frozen=True)
class _Groups:
    """Which sentences the grouping stage put together, by unit id."""

    # (article id, sentence start) -> the group it belongs to.
    group_of: dict[tuple[str, int], int]
    members: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, index: SourceIndex, groups: SourceGroups) -> _Groups:
        """Map each group's members onto the index's units."""
        by_position = {(u.sentence.article_id, u.sentence.start): u.index for u in index.units}
        group_of: dict[tuple[str, int], int] = {}
        members: list[tuple[int, ...]] = []
        for group in groups.groups:
            found = tuple(
                by_position[(m.article_id, m.start)]
                for m in group.members
                if (m.article_id, m.start) in by_position
            )
            for unit in found:
                sentence = index.units[unit].sentence
                group_of[(sentence.article_id, sentence.start)] = len(members)
            members.append(found)
        return cls(group_of, tuple(members))

    def of_unit(self, index: SourceIndex, unit: int) -> tuple[int, ...]:
        """The units grouped with this one (itself included); none where it is in no group."""
        sentence = index.units[unit].sentence
        group = self.group_of.get((sentence.article_id, sentence.start))
        return () if group is None else self.members[group]


class Verifier:
    """Checks claims against one request's documents; indexes are built once, here.

    Only read after construction (but for its memo of verdicts, which is thread-safe): one
    verifier serves concurrent calls to `verify`.
    """

    def __init__(
        self,
        documents: Sequence[Document],
        groups: SourceGroups | None = None,
        *,
        calibration: Calibration | None = None,
    ) -> None:
        self.calibration = calibration or default_calibration()
        self.index = SourceIndex(documents)
        self._doc_index = {d.id: i for i, d in enumerate(self.index.documents)}
        self._retriever: bm25s.BM25 | None = None
        if self.index.units:
            corpus = [_retrieval_terms(u.facts) or ["<empty>"] for u in self.index.units]
            self._retriever = bm25s.BM25()
            self._retriever.index(corpus, show_progress=False)
        self._groups = _Groups.of(self.index, groups) if groups is not None else None
        # The verdicts reached so far (the only state a call leaves): one claim, decided once.
        self._memo = VerdictMemo(len(self.index.units))

    # --- public -------------------------------------------------------------------------

    def verify(self, claim: Claim) -> Verdict:
        """Decide whether the sources support the claim, citing the spans relied on."""
        return self._memo.verdict(claim, self._decide)

    def _decide(self, claim: Claim) -> Verdict:
        if not claim.text.strip():
            return Verdict(False, 0.0, [], ["empty sentence"])
        if claim.kind == "quote":
            return self._verify_quote(claim)
        facts = analyse(claim.text, self.index.known_names, self.index.vocabulary)
        parts = tuple((p, analyse(p, self.index.known_names)) for p in claim.parts)
        subject = _Subject(claim, facts, copy_features(self.index, facts), parts)
        copied = self._copied_units(claim)
        if copied:
            return self._verdict(subject, self._check_with_parts(subject, copied), [], copied=True)
        best, reasons = self._best_check(subject)
        if best is None:
            return Verdict(False, 0.0, [], [*reasons, "no source sentence relates to the claim"])
        return self._verdict(subject, best, reasons)

    def _best_check(self, subject: _Subject) -> tuple[Check | None, list[str]]:
        """The check of the cited evidence, or of retrieved sentences where those do better."""
        reasons: list[str] = []
        best: Check | None = None
        if subject.claim.evidence:
            units, resolve_reasons = self._resolve_evidence(subject.claim.evidence)
            reasons.extend(resolve_reasons)
            if units:
                best = self._check_with_parts(subject, units)
                if not _passes(best):
                    reasons.append("the cited evidence does not support the sentence")
        if best is None or not _passes(best):
            found = self._search(subject)
            if found is not None and (best is None or _rank(found) > _rank(best)):
                # What the cited evidence contradicts stays contradicted unless other
                # sentences support the claim: one that merely says less is no answer, nor
                # one that states it only in other words where the cited one vetoes it.
                if best is not None and best.findings and not _overrules(found, best):
                    return best, reasons
                if best is not None and _passes(found):
                    reasons.append("support found in other sentences of the sources")
                best = found
        return best, reasons

    def _copied_units(self, claim: Claim) -> list[int]:
        """The sentences the statement copies whole, where its evidence points at them."""
        needle = _needle(claim.text)
        copied = self._whole_sentences_copied(claim, needle)
        if not copied or not claim.evidence:
            return copied
        # Given evidence is what is being checked: the copy must be what it points at (the
        # same sentences, or the same words quoted from the copy's article when those words
        # occur there more than once).
        cited, _ = self._resolve_evidence(claim.evidence)
        article = self.index.documents[self.index.units[copied[0]].document].id
        same_words = any(
            item.article_id == article and item.quote is not None and _needle(item.quote) == needle
            for item in claim.evidence
        )
        return copied if set(copied) & set(cited) or same_words else []

    def _whole_sentences_copied(self, claim: Claim, needle: str) -> list[int]:
        """The content sentences a statement copies whole, word for word; else nothing.

        A complete source sentence repeated verbatim is grounded by definition, even where the
        word-level checks trip over it (unbalanced quote marks, contractions). Only whole
        sentences count: a copied fragment can drop the words that change its meaning
        ("officials denied that ..."), so it goes through the ordinary checks.
        """
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
        """The span one piece of evidence points at, or why it points at none."""
        if item.article_id is not None and item.article_id not in self._doc_index:
            return None, f"unknown article {item.article_id!r}"
        by_offsets = self._resolve_offsets(item)
        if by_offsets is not None:
            return by_offsets
        if item.quote is None or not item.quote.strip():
            return None, "evidence has neither a quote nor offsets"
        return self._resolve_quote(item, item.quote)

    def _resolve_offsets(self, item: ClaimEvidence) -> tuple[Span | None, str] | None:
        """The span the offsets give, if they are usable; None to go on to the quote."""
        if item.start is None or item.end is None or item.article_id is None:
            return None
        text = self.index.documents[self._doc_index[item.article_id]].text
        in_range = 0 <= item.start < item.end <= len(text)
        if in_range and (
            item.quote is None or contains_passage(text[item.start : item.end], item.quote)
        ):
            return Span(item.article_id, item.start, item.end, "offsets"), ""
        if item.quote is None:
            return None, f"offsets {item.start}-{item.end} are outside {item.article_id}"
        return None

    def _resolve_quote(self, item: ClaimEvidence, quote: str) -> tuple[Span | None, str]:
        """The span the quote copies, in its article (any article where none is named)."""
        everywhere = range(len(self.index.documents))
        targets = [self._doc_index[item.article_id]] if item.article_id is not None else everywhere
        # Folded once: a quote credited to the wrong article is looked for in every article.
        needle = Needle.of(quote)
        for doc_index in targets:
            span = resolve_quote(self.index.texts[doc_index], needle)
            if span is not None:
                return span, ""
        if item.article_id is not None:
            # The quote may be real but credited to the wrong article.
            for doc_index in everywhere:
                span = resolve_quote(self.index.texts[doc_index], needle, fuzzy=False)
                if span is not None:
                    return span, ""
        where = item.article_id or "any article"
        return None, f"quote not found in {where}: {_clip(quote)!r}"

    # --- retrieval ----------------------------------------------------------------------

    def _search(self, subject: _Subject) -> Check | None:
        candidates = list(self._retrieved(subject))
        if not candidates:
            return None
        # Judge the sentences that say most of what the claim says: shopping for any sentence
        # that merely fails to contradict the claim would let corruptions through.
        current = self._best_covering(
            subject, [([u], cover(self.index, subject.facts, [u])) for u in candidates]
        )
        current = self._quote_addition(subject, current) or current
        while len(current.units) < MAX_STITCHED and current.uncovered:
            # Stitching looks further than the first retrieval: at the sentences that best
            # state what is still missing, alongside the claim's names.
            missing_terms = [k.lstrip("#").lower() for k in current.uncovered]
            retrieved = self._retrieve([*missing_terms, *subject.facts.names], 5)
            candidates = list(dict.fromkeys([*candidates, *retrieved]))
            # The name a referring sentence's pronoun stands for first: it is that sentence's
            # own, not a second fact (a neighbour stitched on for it would count as one).
            addition = self._antecedent_addition(subject, current)
            if addition is None:
                addition = self._best_addition(subject, current, candidates)
            if addition is None:
                break
            current = addition
        return current

    def _quote_addition(self, subject: _Subject, current: Check) -> Check | None:
        """The best sentence with the sentences of its article that hold the claim's quoted
        words verbatim where it does not ("left 'furious' after losing the bid", the word
        quoted two paragraphs on): found verbatim, the words are no swap, and who said them
        is checked as for any quotation. None unless that clears a hard finding."""
        if not subject.facts.quoted:
            return None
        document = self.index.units[current.units[0]].document
        units = list(current.units)
        for quoted in subject.facts.quoted:
            if self._locate_in_units(quoted, units) is not None:
                continue
            for doc_index, start, end in self.index.quote_occurrences(quoted, [document]):
                inside = self.index.units_overlapping(doc_index, start, end)
                if inside:
                    units.extend(u for u in inside if u not in units)
                    break
        if len(units) == len(current.units):
            return None
        trial = self._check_with_parts(subject, units)
        return trial if _hard_findings(trial) < _hard_findings(current) else None

    def _antecedent_addition(self, subject: _Subject, current: Check) -> Check | None:
        """The sentence that names who or what the best sentence refers to ("She said...",
        "The country is due to..."), where the claim names it: the nearest earlier sentence
        of the same article that names anything, if it names every name the claim still
        lacks, and first among its names one of them. A best sentence that names someone the
        claim does not is never completed this way: that is a swap, not a reference."""
        unit = self.index.units[current.units[0]]
        missing = current.uncovered & _referents(subject.facts)
        if not missing or not _opens_with_reference(unit.facts):
            return None
        if _referents(unit.facts) - _referents(subject.facts):
            return None
        siblings = self.index.by_document[unit.document]
        for position in range(unit.position - 1, max(unit.position - ANTECEDENT_WINDOW, 0) - 1, -1):
            before = self.index.units[siblings[position]]
            referents = _referents(before.facts)
            named = [k for k in before.facts.content if k in referents]
            if not named:
                continue
            if missing <= before.facts.content_set and named[0] in missing:
                return self._check_with_parts(
                    subject, [*current.units, before.index], resolved=len(missing)
                )
            return None
        return None

    def _best_addition(
        self, subject: _Subject, current: Check, candidates: list[int]
    ) -> Check | None:
        """The sentence that, stitched on, states the most of what is still missing."""
        main = self.index.units[current.units[0]]
        options = [
            option
            for unit in candidates
            if unit not in current.units
            and (option := self._stitched(subject, current, main, unit)) is not None
        ]
        return self._best_covering(subject, options) if options else None

    def _best_covering(
        self, subject: _Subject, options: Sequence[tuple[list[int], Coverage]]
    ) -> Check:
        """The check of the option that states most of the claim (the first such, by
        `_match`). Only the options tied on what their coverage measures are checked in
        full: the checks' score only breaks that tie."""
        top = max(coverage.rank for _, coverage in options)
        checks = [
            self._check_with_parts(subject, units, coverage=coverage)
            for units, coverage in options
            if coverage.rank == top
        ]
        return max(checks, key=_match)

    def _stitched(
        self, subject: _Subject, current: Check, main: Unit, unit: int
    ) -> tuple[list[int], Coverage] | None:
        """The sentences with this one stitched on, and what they state, where it may be
        stitched on; else None."""
        shared = subject.facts.content_set & self.index.units[unit].facts.content_set
        overlap = len(shared - current.uncovered)
        nearby = self._nearby(main, unit) and (overlap >= 1 or _opens_with_reference(main.facts))
        if overlap < STITCH_MIN_SHARED and not nearby:
            return None
        units = [*current.units, unit]
        trial = cover(self.index, subject.facts, units)
        # A stitched sentence must bring a whole piece (two missing words or numbers):
        # a lone name found elsewhere ("Madrid") is a swap, not a second source; unless
        # it says much of the same thing besides (the same event, told again with the
        # name or the day), and the piece is not a number: a number's swap looks the same.
        brought = current.uncovered - trial.uncovered
        same_event = overlap >= STITCH_SAME_EVENT and not any(k[0] == "#" for k in brought)
        # Or it is a sentence next to the main one in the same article, bringing the name
        # or number the main one leaves to its neighbour ("Locke, 39, ..." then "The
        # former defender ..."), where the main sentences state nothing of the same kind
        # in its place: a sentence that names someone else, or gives another number of
        # that kind, is what a swap leaves behind.
        completes = (
            nearby
            and _one_piece(subject.facts, brought)
            and not any(self._states_other(subject, current, key) for key in brought)
        )
        if len(brought) < (1 if same_event or completes else STITCH_MIN_NEW):
            return None
        return units, trial

    def _nearby(self, main: Unit, unit: int) -> bool:
        """Whether a sentence is in the main sentence's article, a few sentences from it."""
        other = self.index.units[unit]
        return (
            other.document == main.document
            and abs(other.position - main.position) <= NEIGHBOUR_WINDOW
        )

    def _states_other(self, subject: _Subject, current: Check, key: str) -> bool:
        """Whether the sentences checked so far state something of the kind of the claim's
        `key` in its place: for a name, any name the claim does not give; for a number
        ("#48"), a quantity of the same kind, a date or a weekday as the number is one. A key
        that is neither a name nor a number counts as stated otherwise: a lone common word is
        no name left to a neighbour."""
        facts = [self.index.units[u].facts for u in current.units]
        if key.startswith("#"):
            return _states_other_number(subject.facts, facts, key[1:])
        if key not in subject.facts.names and key not in PLACE_KEYS:
            return True
        # Whether a capitalised word names a person, a team or a place is not known here:
        # any name the claim does not give may be the one the claim's replaced.
        claimed = _referents(subject.facts)
        return any(_referents(f) - claimed for f in facts)

    def _retrieve(self, query: list[str], top: int) -> list[int]:
        """The `top` sentences BM25 ranks highest for the query (with a positive score)."""
        if self._retriever is None or not query:
            return []
        scores = np.asarray(self._retriever.get_scores(query))
        order = np.argsort(-scores, kind="stable")[:top]
        return [int(i) for i in order if scores[i] > 0]

    def _retrieved(self, subject: _Subject) -> tuple[int, ...]:
        """The candidates for the statement, looked up once per call."""
        found = subject.retrieved.get("candidates")
        if found is None:
            found = subject.retrieved["candidates"] = tuple(self._candidates(subject.facts))
        return found

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
        self,
        subject: _Subject,
        units: Sequence[int],
        resolved: int = 0,
        coverage: Coverage | None = None,
    ) -> Check:
        """Every check of the statement against these units, combined once into one Check.
        `resolved` names were taken from the last unit as the referent of the best unit's
        pronoun: that unit is not a second fact, and those names are the best unit's own.
        `coverage` is what the units state of it, where measured already."""
        support = check_support(self.index, subject.facts, units, subject.speaker, coverage)
        if resolved:
            measured = support.features
            support = replace(
                support,
                features=replace(
                    measured,
                    stitched=measured.stitched - 1,
                    names_elsewhere=max(measured.names_elsewhere - resolved, 0.0),
                ),
            )
        findings = (
            *support.findings,
            *self._quote_findings(subject, support.units),
            *self._part_findings(subject, [*units, *support.extra_units]),
        )
        features = Features(support.features, subject.copying)
        return Check(
            units=support.units,
            findings=findings,
            missing=support.missing,
            features=features,
            score=self.calibration.score(features.as_dict()),
            extra_units=support.extra_units,
            uncovered=support.uncovered,
        )

    def _part_findings(self, subject: _Subject, units: Sequence[int]) -> tuple[Finding, ...]:
        """Each short part the claim names (who, where, when) must be stated by the units."""
        findings: list[Finding] = []
        for part, part_facts in subject.parts:
            part_support = check_support(self.index, part_facts, units, frozenset())
            if part_support.findings or part_support.missing:
                findings.append(Finding("part", f"{part!r} not in cited spans", True))
        return tuple(findings)

    def _quote_findings(self, subject: _Subject, units: Sequence[int]) -> tuple[Finding, ...]:
        """Quoted words must be verbatim in the cited spans, said by the claimed speaker."""
        findings: list[Finding] = []
        for quoted in subject.facts.quoted:
            located = self._locate_in_units(quoted, units)
            if located is None:
                reason = f"quoted words not in cited spans: {_clip(quoted)!r}"
                findings.append(Finding("quote", reason, True))
                continue
            if not subject.speaker:
                continue
            attributed = self.index.speaker_of(*located)
            if attributed is not None and not self.index.speaker_matches(
                subject.speaker, attributed
            ):
                reason = (
                    f"the source attributes {_clip(quoted)!r} to "
                    f"{' '.join(sorted(attributed))}, not to the claimed speaker"
                )
                findings.append(Finding("quote_speaker", reason))
        documents = {self.index.units[u].document for u in units}
        for quotation in claim_quotations(subject.claim.text):
            occurrences = self.index.quote_occurrences(quotation.text, documents)
            said = unquoted(quotation, self._texts_at(occurrences))
            if said is not None:
                findings.append(said)
        return tuple(findings)

    def _texts_at(self, occurrences: Sequence[tuple[int, int, int]]) -> list[tuple[str, int, int]]:
        """(document text, start, end) of each occurrence."""
        return [(self.index.documents[d].text, s, e) for d, s, e in occurrences]

    def _locate_in_units(self, quoted: str, units: Sequence[int]) -> tuple[int, int, int] | None:
        documents = sorted({self.index.units[u].document for u in units})
        for doc_index, start, end in self.index.quote_occurrences(quoted, documents):
            inside = self.index.units_overlapping(doc_index, start, end)
            if inside and all(u in units for u in inside):
                return doc_index, start, end
        return None

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
            reason = f"quotation not found verbatim: {_clip(claim.text)!r}"
            return Verdict(False, 0.0, [], [reason], vetoes=(reason,))
        occurrences = self._quoted_occurrences(claim.text, occurrences)
        if not occurrences:
            reason = f"the sources quote no one saying {_clip(claim.text)!r}"
            return Verdict(False, 0.0, [], [reason], vetoes=(reason,))
        claimed = (
            analyse(claim.speaker, self.index.known_names).content_set
            if claim.speaker
            else frozenset()
        )
        reasons: list[str] = []
        accepted: list[tuple[int, int, int]] = []
        for occurrence in occurrences:
            problem = self._misattributed(claim, claimed, *occurrence) if claimed else None
            if problem is None:
                accepted.append(occurrence)
            else:
                reasons.append(problem)
        if not accepted:
            return Verdict(False, 0.1, [], reasons, vetoes=tuple(reasons))
        citations = [
            Citation.of_span(self.index.documents[d].id, self.index.documents[d].text, s, e)
            for d, s, e in accepted
        ]
        return Verdict(True, 1.0, citations, [])

    def _quoted_occurrences(
        self, words: str, occurrences: Sequence[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        """The occurrences a source quotes: words it reports are not words it quotes."""
        # A quotation object presents its words as someone's by definition.
        quotation = Quotation(words, speech=True)
        return [o for o in occurrences if unquoted(quotation, self._texts_at([o])) is None]

    def _misattributed(
        self, claim: Claim, claimed: frozenset[str], doc_index: int, start: int, end: int
    ) -> str | None:
        """Why this occurrence of a quotation is not the claimed speaker's; None if it is."""
        document = self.index.documents[doc_index].id
        attributed = self.index.speaker_of(doc_index, start, end)
        if attributed is None:
            if self._speaker_nearby(doc_index, start, end, claimed):
                return None
            return f"no speaker named for the quotation in {document}"
        if self.index.speaker_matches(claimed, attributed):
            return None
        return (
            f"{document} attributes the quotation to {' '.join(sorted(attributed))}, "
            f"not {claim.speaker}"
        )

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
        self, subject: _Subject, check: Check, reasons: list[str], copied: bool = False
    ) -> Verdict:
        """The one place findings become a verdict: supported, score, citations, reasons."""
        supported = copied or _passes(check)
        score = 1.0 if copied else check.score
        if not supported:
            reasons = [*reasons, *check.failures]
            if not check.findings:
                reasons.append(
                    "too little of the sentence is in the cited spans"
                    + (f" (missing: {', '.join(check.missing[:6])})" if check.missing else "")
                )
            # A hard failure outranks any overlap: the score says so.
            score = min(score, THRESHOLD * 0.5) if check.findings else score
        units = list(dict.fromkeys([*check.units, *check.extra_units]))
        if supported and self._groups is not None:
            corroborating = self._corroborating(subject, units, self._groups)
            units.extend(u for u in corroborating if u not in units)
        return Verdict(
            supported,
            round(min(max(score, 0.0), 1.0), 4),
            [self._citation(u) for u in units],
            reasons,
            details={**check.features.as_dict(), "score": check.score},
            vetoes=() if supported else tuple(f.reason for f in check.findings if f.hard),
        )

    def _corroborating(self, subject: _Subject, units: list[int], groups: _Groups) -> list[int]:
        """Sentences of other articles that support the claim by themselves.

        A syndicated copy that leaves out a detail is not cited: a citation must support the
        sentence, and a newsroom reads each cited outlet as having said all of it.
        """
        cited_docs = {self.index.units[u].document for u in units}
        by_document: dict[int, list[int]] = {}
        grouped = [m for unit in units for m in groups.of_unit(self.index, unit)]
        # Grouped sentences first, then retrieved ones, each article in document order.
        for member in [*grouped, *self._retrieved(subject)]:
            doc = self.index.units[member].document
            if doc not in cited_docs:
                by_document.setdefault(doc, []).append(member)
        found: list[int] = []
        copies = set(grouped)
        for doc in sorted(by_document):
            for member in dict.fromkeys(by_document[doc]):
                # A near-duplicate the grouping found is the same sentence told again; any
                # other sentence must state the claim's content itself: one that states too
                # little of it is ruled out before the checks (the same measure they take),
                # unless it opens by referring back (its antecedent may complete it).
                if (
                    member not in copies
                    and not _opens_with_reference(self.index.units[member].facts)
                    and weighted_coverage(self.index, subject.facts, [member])
                    < CORROBORATION_COVERAGE
                ):
                    continue
                check = self._check_with_parts(subject, [member])
                if _passes(check) if member in copies else self._states_alone(subject, check):
                    found.append(member)
                    break
                resolved = self._resolved_corroboration(subject, check)
                if resolved:
                    found.extend(resolved)
                    break
        return found

    def _resolved_corroboration(self, subject: _Subject, check: Check) -> list[int]:
        """The sentence and its antecedent where, together, they state the claim: "The two
        leaders agreed ..." after a sentence of the same article that names them. The
        antecedent may bring only the names the sentence refers to; everything else the
        claim says must be the sentence's own. Both are cited; none where that fails."""
        completed = self._antecedent_addition(subject, check)
        if completed is None:
            return []
        brought = check.uncovered - completed.uncovered
        if not brought <= _referents(subject.facts):
            return []
        if not self._states_alone(subject, completed, check):
            return []
        return list(dict.fromkeys([*completed.units, *completed.extra_units]))

    def _states_alone(self, subject: _Subject, check: Check, own: Check | None = None) -> bool:
        """Whether a sentence (the check; with its antecedent, `own` being the sentence's
        check alone) supports the claim by itself: it passes, states most of the claim's
        weighted content, and most of what the claim says besides its names. Names are
        rare words and weigh most: a sentence that names the same people doing something
        else ("a road bridge" for "a rail tunnel") must not pass on their weight."""
        if not _passes(check):
            return False
        if check.features.support.weighted_coverage < CORROBORATION_COVERAGE:
            return False
        sentence = own or check
        referents = _referents(subject.facts)
        rest = [k for k in dict.fromkeys(subject.facts.content) if k not in referents]
        total = sum(self.index.idf(k) for k in rest)
        stated = sum(self.index.idf(k) for k in rest if k not in sentence.uncovered)
        return not total or stated / total >= CORROBORATION_COVERAGE

    def _citation(self, unit: int) -> Citation:
        sentence = self.index.units[unit].sentence
        document = self.index.documents[self.index.units[unit].document]
        return Citation.of_span(sentence.article_id, document.text, sentence.start, sentence.end)


def _overrules(found: Check, cited: Check) -> bool:
    """Whether retrieved sentences' support outweighs what the cited evidence found: they
    pass, and where the cited evidence contradicts the claim (a hard finding), in the
    claim's own words."""
    if not _passes(found):
        return False
    return not any(f.hard for f in cited.findings) or found.features.support.reworded == 0


def _retrieval_terms(facts: TextFacts) -> list[str]:
    terms = list(facts.content)
    terms.extend(f"#{q.value:g}" for q in facts.numbers.quantities)
    terms.extend(sorted(facts.numbers.weekdays))
    return terms


def _one_piece(facts: TextFacts, keys: frozenset[str]) -> bool:
    """Whether the keys are one word, or the parts of one of the claim's names ("Diego
    Ramos")."""
    return len(keys) == 1 or any(keys <= frozenset(run) for run in facts.name_runs)


def _referents(facts: TextFacts) -> frozenset[str]:
    """The keys of what a sentence names: people, organisations and places."""
    return facts.names | (facts.content_set & PLACE_KEYS)


def _states_other_number(claim: TextFacts, sentences: Sequence[TextFacts], text: str) -> bool:
    """Whether the sentences state a number of the kind the claim's `text` is (a quantity of
    its kind, a date, a weekday): the claim's number would then replace theirs. A number the
    claim does not hold counts as stated otherwise."""
    for quantity in claim.numbers.quantities:
        if quantity.text == text:
            return any(q.kind == quantity.kind for f in sentences for q in f.numbers.quantities)
    if any(d.text == text for d in claim.numbers.dates):
        return any(f.numbers.dates for f in sentences)
    if text in claim.numbers.weekdays:
        return any(f.numbers.weekdays for f in sentences)
    return True


def _opens_with_reference(facts: TextFacts) -> bool:
    """Whether a sentence opens by referring back: a third-person pronoun, or a determiner
    and a common noun ("The country", "This week the club")."""
    words = [t for t in facts.tokens if t.word.isalpha()][:2]
    if not words:
        return False
    first = words[0].word
    if first in REFERRING_PRONOUNS:
        return True
    return first in REFERRING_DETERMINERS and len(words) > 1 and not words[1].capitalised


def _hard_findings(check: Check) -> int:
    return sum(f.hard for f in check.findings)


def _passes(check: Check) -> bool:
    return check.score >= THRESHOLD and not check.findings


def _rank(check: Check) -> tuple[bool, float, float]:
    return (_passes(check), -len(check.findings), check.score)


def _match(check: Check) -> tuple[float, float, float]:
    support = check.features.support
    return (support.match, support.trigram_coverage, check.score)


def _needle(text: str) -> str:
    """A text's normal form without the quote marks and punctuation that may enclose it."""
    return normalize(text).text.strip(" \"'.,;:")


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
