"""Whether a set of source sentences supports a claim: the fact checks and what they measure.

Each check has one job and returns findings; `check_support` runs them all over the pooled
sentences and measures how much of the claim they state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from service.text.lexicon import COUNTRY_KEYS, POLAR_WORDS
from service.text.normalize import word_key
from service.text.numbers import NumericFacts, date_supported, quantity_supported
from service.verify.align import Binding
from service.verify.analysis import TextFacts
from service.verify.checks import (
    claim_checks,
    dropped_hedges,
    first_person_without_speaker,
    repeated_stretch_unsaid,
    surface,
    unlinked_connectives,
)
from service.verify.findings import CopyFeatures, Finding, SupportFeatures
from service.verify.index import SourceIndex, Unit
from service.verify.wordkeys import (
    ANTONYMS,
    OPPOSITES,
    PLACE_KEYS,
    ROLE_KEYS,
    SPECIFIC_KEYS,
    STATED_BY,
)

_DEFINITE = frozenset({"the", "these", "those", "their", "its"})
# Nouns that, counted ("the two governments"), count the countries named.
_COUNTRY_COLLECTIVES = frozenset(word_key(w) for w in ("government", "governments"))
_SMALL_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@dataclass(frozen=True)
class Pool:
    """What a set of source sentences states between them (each fact pooled on first use:
    a sentence ruled out by its words never needs the rest)."""

    units: tuple[Unit, ...]
    content: frozenset[str]

    @classmethod
    def of(cls, units: Sequence[Unit]) -> Pool:
        """Pool these sentences' facts."""
        return cls(tuple(units), frozenset().union(*(u.facts.content_set for u in units)))

    @cached_property
    def speakers(self) -> frozenset[str]:
        """Everyone the sentences report as speaking, by key."""
        return frozenset().union(*(u.facts.speakers for u in self.units))

    @cached_property
    def pronoun_speaker(self) -> bool:
        """Whether some sentence credits words to "he" or "she": who spoke is then not
        settled here."""
        return any(e.pronoun for u in self.units for e in u.facts.events)

    @cached_property
    def numbers(self) -> NumericFacts:
        """Every quantity, date and weekday the sentences state."""
        numbers = NumericFacts()
        for unit in self.units:
            numbers.quantities.extend(unit.facts.numbers.quantities)
            numbers.dates.extend(unit.facts.numbers.dates)
            numbers.weekdays |= unit.facts.numbers.weekdays
        return numbers

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of the sentences."""
        return frozenset(t.word for u in self.units for t in u.facts.tokens)

    @cached_property
    def polar_uses(self) -> frozenset[tuple[str, bool]]:
        """The sentences' polar words ("before", "first"...), as `TextFacts.polar_uses`."""
        return frozenset().union(*(u.facts.polar_uses for u in self.units))


@dataclass(frozen=True)
class NumberCheck:
    """The claim's numbers the sentences do not state, and sentences that state them instead."""

    findings: tuple[Finding, ...]
    unsupported: tuple[str, ...]
    extra: frozenset[int]
    # The nouns of counts that refer to what the sentences name ("governments" in "the two
    # governments" where they name two countries): stated by those names.
    counted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Allowance:
    """Claim words the sentences state in another form, and the sentences to cite for them."""

    findings: tuple[Finding, ...]
    words: frozenset[str]
    extra: frozenset[int]


@dataclass(frozen=True)
class Support:
    """The outcome of the fact checks of one claim against one set of source sentences."""

    units: tuple[int, ...]
    findings: tuple[Finding, ...]
    # The claim's content words the sentences lack, as the claim spells them.
    missing: tuple[str, ...]
    features: SupportFeatures
    # Sentences that state a descriptor, a name part or a number the claim uses: cited too.
    extra_units: tuple[int, ...]
    # Content words and numbers ("#48") still unstated, for stitching another sentence on.
    uncovered: frozenset[str]


@dataclass(frozen=True)
class Coverage:
    """What a set of source sentences states of a claim, in its words or in other forms,
    before any fact check runs: enough to rank candidate sentences (`rank`, the order
    `check_support`'s match and trigram coverage give) and to know what is still unstated,
    at a fraction of the checks' cost."""

    pool: Pool
    numbers: NumberCheck
    # The claim's content words the sentences lack, as keys; and what states them otherwise.
    missing: tuple[str, ...]
    descriptors: Allowance
    named: Allowance
    reworded: frozenset[str]
    allowed: frozenset[str]
    covered: tuple[str, ...]
    weight_total: float
    weight_covered: float
    match: float
    # Pair and trigram coverage, and the most any one sentence covers.
    overlap: tuple[float, float, float]

    @property
    def weighted_coverage(self) -> float:
        """The share of the claim's IDF weight the sentences state."""
        return self.weight_covered / self.weight_total if self.weight_total else 1.0

    @property
    def uncovered(self) -> frozenset[str]:
        """Content words and numbers ("#48") still unstated, for stitching another sentence."""
        return frozenset(
            [k for k in self.missing if k not in self.allowed]
            + [f"#{t}" for t in self.numbers.unsupported]
        )

    @property
    def rank(self) -> tuple[float, float]:
        """The match, then the trigram coverage: how the search orders sentences before
        the checks' score breaks a tie."""
        return (self.match, self.overlap[1])


def cover(index: SourceIndex, claim: TextFacts, unit_ids: Sequence[int]) -> Coverage:
    """How much of the claim these source sentences state (no fact check run)."""
    if not unit_ids:
        raise ValueError("a coverage needs at least one source sentence")
    pool = Pool.of([index.units[u] for u in unit_ids])
    numbers = check_numbers(index, claim, pool)
    missing = missing_words(claim, pool)
    descriptors, named, reworded = allowances(index, claim, pool, missing)
    allowed = descriptors.words | named.words | reworded | numbers.counted
    covered, weight_total, weight_covered = _covered(index, claim, pool, allowed)
    return Coverage(
        pool=pool,
        numbers=numbers,
        missing=missing,
        descriptors=descriptors,
        named=named,
        reworded=reworded,
        allowed=allowed,
        covered=tuple(covered),
        weight_total=weight_total,
        weight_covered=weight_covered,
        match=_match(index, claim, weight_total, weight_covered, len(numbers.unsupported)),
        overlap=_overlap(claim, pool.units, len(dict.fromkeys(claim.content))),
    )


def check_support(
    index: SourceIndex,
    claim: TextFacts,
    unit_ids: Sequence[int],
    claimed_speaker: frozenset[str],
    coverage: Coverage | None = None,
) -> Support:
    """Check every fact of the claim against the union of these source sentences
    (`coverage`, where given, is `cover` of the same sentences, measured already)."""
    if coverage is None:
        coverage = cover(index, claim, unit_ids)
    pool, numbers, missing = coverage.pool, coverage.numbers, coverage.missing
    binding = index.binder.bind(claim.side, [index.sides[u] for u in unit_ids])
    findings = (
        *numbers.findings,
        *coverage.descriptors.findings,
        *check_missing_words(claim, pool, missing, coverage.allowed),
        *check_polar_words(claim, pool),
        *check_negation(claim, pool),
        *check_reported_speech(index, pool, claimed_speaker),
        *(Finding("binding", conflict) for conflict in binding.conflicts),
        *check_glued_names(index, claim),
        *unlinked_connectives(claim, pool.units),
        *dropped_hedges(claim, pool.units),
        *claim_checks(claim, pool.units),
        *first_person_without_speaker(claim),
        *repeated_stretch_unsaid(claim, pool.units),
    )
    extra = numbers.extra | coverage.descriptors.extra | coverage.named.extra
    return Support(
        units=tuple(unit_ids),
        findings=findings,
        missing=tuple(surface(claim, k) for k in missing),
        features=measure(index, claim, coverage, binding, len(findings)),
        extra_units=tuple(sorted(extra - set(unit_ids))),
        uncovered=coverage.uncovered,
    )


def weighted_coverage(index: SourceIndex, claim: TextFacts, unit_ids: Sequence[int]) -> float:
    """The share of the claim's IDF weight these sentences state: exactly the
    `weighted_coverage` that `check_support` measures, without running any check."""
    return cover(index, claim, unit_ids).weighted_coverage


def missing_words(claim: TextFacts, pool: Pool) -> tuple[str, ...]:
    """The claim's distinct content words the sentences do not state, in order."""
    return tuple(k for k in dict.fromkeys(claim.content) if k not in pool.content)


def allowances(
    index: SourceIndex, claim: TextFacts, pool: Pool, missing: Sequence[str]
) -> tuple[Allowance, Allowance, frozenset[str]]:
    """The descriptors, other parts of names and rewordings that state claim words in
    another form: what counts as stated besides the sentences' own words."""
    return (
        check_descriptors(index, claim, pool),
        named_otherwise(index, claim, pool, missing),
        reworded_words(claim, pool, missing),
    )


# --- numbers ------------------------------------------------------------------------


def check_numbers(index: SourceIndex, claim: TextFacts, pool: Pool) -> NumberCheck:
    """Every quantity, date and weekday of the claim must be one the sentences state."""
    extra: set[int] = set()
    counted: set[str] = set()
    # (the number as the claim writes it, whether the spans leave it out or change it)
    unsupported: list[tuple[str, bool]] = []
    stated_kinds = {q.kind for q in pool.numbers.quantities}
    for quantity in claim.numbers.quantities:
        if quantity_supported(quantity, pool.numbers):
            continue
        # "The two leaders" where the spans name a prime minister and a president.
        noun = _counts_what_is_named(index, claim, quantity.text, pool.units)
        if noun is not None:
            counted.add(noun)
            continue
        # "Barry Beavis, 48, launched a bid": the age may be given where the sources first
        # name him; that sentence is cited too.
        elsewhere = index.apposition_source(claim.side, quantity.text)
        if elsewhere is not None:
            extra.add(elsewhere)
            continue
        # A number of a kind the spans never give is left out; of a kind they give, changed.
        unsupported.append((quantity.text, quantity.kind not in stated_kinds))
    unsupported.extend(
        (d.text, False) for d in claim.numbers.dates if not date_supported(d, pool.numbers)
    )
    unsupported.extend((w, False) for w in sorted(claim.numbers.weekdays - pool.numbers.weekdays))
    unsupported.extend((pair, False) for pair in _unstated_pairs(claim, pool))
    return NumberCheck(
        tuple(
            Finding("number", f"{text} not in cited spans", omitted)
            for text, omitted in unsupported
        ),
        tuple(text for text, _ in unsupported),
        frozenset(extra),
        frozenset(counted),
    )


def _unstated_pairs(claim: TextFacts, pool: Pool) -> list[str]:
    """The claim's scorelines ("beat them 2-1") that the sentences give in neither order,
    where the sentences give scorelines at all: each number alone is no score ("4-0" and a
    "1" elsewhere do not state 2-1). Sentences with no such pair leave the claim's to the
    checks of its numbers one by one ("aged 18 to 24" for "18-24")."""
    stated = {(a, b) for u in pool.units for a, b, _ in u.facts.scorelines}
    if not stated:
        return []
    return [
        written
        for a, b, written in claim.scorelines
        if (a, b) not in stated and (b, a) not in stated
    ]


def _counts_what_is_named(
    index: SourceIndex, claim: TextFacts, number: str, units: Sequence[Unit]
) -> str | None:
    """The counted noun's key where "the two leaders" (or "the three countries") counts
    exactly the leaders (or countries) the units name: a reference to them, not a number of
    its own; else None."""
    tokens = claim.tokens
    for at in range(1, len(tokens) - 1):
        if tokens[at].word != number.lower() or tokens[at - 1].word not in _DEFINITE:
            continue
        specific = SPECIFIC_KEYS.get(claim.keys[at + 1], frozenset())
        if claim.keys[at + 1] in _COUNTRY_COLLECTIVES:
            specific = COUNTRY_KEYS
        if not specific:
            continue
        value = _small_number(number)
        if value is None:
            continue
        named = _count_named(index, specific, units)
        if named == 0:
            # "Both countries agreed": a sentence naming none of them refers to what its
            # article names; that counts only where the article names exactly that many.
            documents = sorted({u.document for u in units})
            article = [index.units[i] for d in documents for i in index.by_document[d]]
            named = _count_named(index, specific, article)
        return claim.keys[at + 1] if named == value else None
    return None


def _count_named(index: SourceIndex, specific: frozenset[str], units: Sequence[Unit]) -> int:
    """How many different people or places the units name that are one of `specific`."""
    named: list[frozenset[str]] = []
    for unit in units:
        for item in unit.facts.items:
            if item.kind != "name":
                continue
            if item.place:
                found = [frozenset({k}) for k in item.keys & specific]
            else:
                described = any(index.descriptors.get(k, set()) & specific for k in item.keys)
                found = [item.keys - PLACE_KEYS] if described else []
            for keys in found:
                # One person named twice ("Jane Smith", "Smith") counts once.
                overlapping = [n for n in named if n & keys]
                merged = keys.union(*overlapping)
                named = [n for n in named if not n & keys] + [merged]
    return len(named)


def _small_number(text: str) -> int | None:
    word = text.lower()
    if word in _SMALL_NUMBERS:
        return _SMALL_NUMBERS[word]
    return int(word) if word.isdigit() and int(word) < 10 else None


# --- names, roles and words ---------------------------------------------------------


def check_descriptors(index: SourceIndex, claim: TextFacts, pool: Pool) -> Allowance:
    """Descriptors the claim attaches to a name must not contradict what the sources say of it."""
    findings: list[Finding] = []
    allowed: set[str] = set()
    extra: set[int] = set()
    for name, descriptors in claim.descriptors.items():
        known = index.descriptors.get(name, set())
        for descriptor in descriptors:
            if descriptor in known:
                allowed.add(descriptor)
                if descriptor not in pool.content:
                    extra.add(index.descriptor_source[(name, descriptor)])
                continue
            same_class = PLACE_KEYS if descriptor in PLACE_KEYS else ROLE_KEYS
            if known & same_class:
                reason = (
                    f"sources do not describe {surface(claim, name)} as "
                    f"{surface(claim, descriptor)}"
                )
                findings.append(Finding("descriptor", reason))
    return Allowance(tuple(findings), frozenset(allowed), frozenset(extra))


def named_otherwise(
    index: SourceIndex, claim: TextFacts, pool: Pool, missing: Sequence[str]
) -> Allowance:
    """Missing claim words the sentences state another way: by another part of the same name,
    or by a specific word for a general one ("the two leaders": a premier and a president)."""
    allowed: set[str] = set()
    extra: set[int] = set()
    unit_ids = {u.index for u in pool.units}
    for key in missing:
        if key not in claim.names:
            continue
        # A full name ("Emir Spahic") is supported by a span naming the person by one part
        # ("Spahic") where the sources give the full name elsewhere; that sentence is cited too.
        for other in claim.names & pool.content:
            source = index.name_parts.get((key, other))
            if source is not None:
                allowed.add(key)
                if source not in unit_ids:
                    extra.add(source)
                break
    allowed.update(k for k in missing if SPECIFIC_KEYS.get(k, frozenset()) & pool.content)
    return Allowance((), frozenset(allowed), frozenset(extra))


def reworded_words(claim: TextFacts, pool: Pool, missing: Sequence[str]) -> frozenset[str]:
    """Missing claim words the sentences state in other words: a WordNet synonym or derived
    form in a common sense, or a more specific word. Never a name, place or role (those must
    be the sources' own), nor a word whose antonym the sentences state."""
    return frozenset(
        key
        for key in missing
        if key not in claim.names
        and key not in PLACE_KEYS
        and key not in ROLE_KEYS
        and not OPPOSITES.get(key, frozenset()) & pool.content
        and STATED_BY.get(key, frozenset()) & pool.content
    )


def check_missing_words(
    claim: TextFacts, pool: Pool, missing: Sequence[str], allowed: frozenset[str]
) -> tuple[Finding, ...]:
    """A name, place or role the sentences lack; a word whose antonym they state."""
    findings: list[Finding] = []
    for key in missing:
        if key in allowed:
            continue
        if key in claim.names or key in PLACE_KEYS or key in ROLE_KEYS:
            findings.append(Finding("name", f"{surface(claim, key)} not in cited spans", True))
            continue
        opposite = ANTONYMS.get(key, frozenset()) & pool.content
        if opposite:
            reason = f"{surface(claim, key)} contradicts {sorted(opposite)[0]} in cited spans"
            findings.append(Finding("antonym", reason))
    return tuple(findings)


def check_polar_words(claim: TextFacts, pool: Pool) -> tuple[Finding, ...]:
    """Opposites among function words and ordinals ("before"/"after", "first"/"last"), each
    against the opposite used the same way: "before" that ends a clause is an adverb ("had
    never collapsed before,": previously), no opposite of the preposition "after" ("died after
    suffering"), though it is of the adverb ("shortly after.")."""
    return tuple(
        Finding("polarity", f"{word} contradicts {opposite} in cited spans")
        for word, use in claim.polar_uses
        for opposite in POLAR_WORDS[word]
        if (opposite, use) in pool.polar_uses and word not in pool.words
    )


def check_negation(claim: TextFacts, pool: Pool) -> tuple[Finding, ...]:
    """The claim negates what the sentences affirm, or affirms what they negate; so too for
    what a cancelling verb says did not happen ("postponed the launch" against "launched")."""
    return (
        *_scopes_against(claim, pool, _NEGATION),
        *_scopes_against(claim, pool, _CANCELLATION),
    )


@dataclass(frozen=True)
class _Scoping:
    """One way a text says something did not happen: a negation, or a cancelling verb."""

    scopes: Callable[[TextFacts], list[tuple[str, ...]]]
    marked: Callable[[TextFacts], frozenset[str]]
    # What the claim says and the spans do not; what the spans say and the claim does not;
    # more of them in the claim than in every span together.
    claim_only: str
    spans_only: str
    unstated: str
    # Whether an antonym in the sentences says the same ("not experienced": "inexperienced").
    by_antonym: bool = False


_NEGATION = _Scoping(
    scopes=lambda facts: facts.negation_scopes,
    marked=lambda facts: facts.negated,
    claim_only="claim negates {}; cited spans do not",
    spans_only="cited spans negate {}; claim does not",
    unstated="claim has a negation the cited spans lack",
    by_antonym=True,
)
_CANCELLATION = _Scoping(
    scopes=lambda facts: facts.cancelled_scopes,
    marked=lambda facts: facts.cancelled,
    claim_only="claim says {} was called off; cited spans do not",
    spans_only="cited spans say {} was called off; claim does not",
    unstated="claim says something was called off; cited spans do not",
)


def _scopes_against(claim: TextFacts, pool: Pool, how: _Scoping) -> tuple[Finding, ...]:
    """The claim's scopes against the sentences' (a negation, or a cancellation):

    - the first claim scope over a word the sentences state and do not scope over, unless
      they scope over its first word;
    - more such scopes in the claim than in all the sentences together;
    - per sentence, the first of its scopes whose every word the claim states unscoped. The
      source side needs the whole scope in the claim, so "neither country is dependent" does
      not veto every sentence that mentions a country.
    """
    scopes = [s for s in how.scopes(claim) if not (how.by_antonym and _said_by_antonym(s, pool))]
    findings = list(_claim_scope_unstated(claim, pool, how, scopes))
    if len(scopes) > sum(len(how.scopes(u.facts)) for u in pool.units):
        findings.append(Finding("negation", how.unstated))
    claim_marked = how.marked(claim)
    for unit in pool.units:
        for scope in how.scopes(unit.facts):
            if set(scope) <= claim.content_set and scope[0] not in claim_marked:
                reason = how.spans_only.format(surface(claim, scope[0]))
                findings.append(Finding("negation", reason))
                break
    return tuple(findings)


def _claim_scope_unstated(
    claim: TextFacts, pool: Pool, how: _Scoping, scopes: Sequence[tuple[str, ...]]
) -> tuple[Finding, ...]:
    """The first claim scope over a word the sentences state and do not scope over."""
    marked_in_pool = frozenset().union(*(how.marked(u.facts) for u in pool.units))
    for scope in scopes:
        # Where the sentences negate the scope's first word (its verb or noun) too, the rest
        # is what that negation reaches in them ("not guilty to two fraud charges": "not
        # guilty to two felony charges"); else any word they state unnegated vetoes.
        if scope[0] in marked_in_pool:
            continue
        stated = [k for k in scope if k in pool.content and k not in marked_in_pool]
        if stated:
            return (Finding("negation", how.claim_only.format(surface(claim, stated[0]))),)
    return ()


def _said_by_antonym(scope: tuple[str, ...], pool: Pool) -> bool:
    """Whether the sentences state the opposite of a negated word and never the word itself
    ("is not an experienced sailor": "an inexperienced sailor"). Where they state both ("won",
    "lost") the negation must be their own."""
    return any(
        key not in pool.content and OPPOSITES.get(key, frozenset()) & pool.content for key in scope
    )


def check_reported_speech(
    index: SourceIndex, pool: Pool, claimed_speaker: frozenset[str]
) -> tuple[Finding, ...]:
    """Reported speech ("the minister said ...") is credited to whom the sentences credit it.

    Quoted words also get the finer, per-quote attribution in the verifier.
    """
    attributable = claimed_speaker and pool.speakers and not pool.pronoun_speaker
    if not attributable or index.speaker_matches(claimed_speaker, pool.speakers):
        return ()
    who = " ".join(sorted(claimed_speaker))
    return (Finding("speaker", f"cited spans do not attribute this to {who}"),)


def check_glued_names(index: SourceIndex, claim: TextFacts) -> tuple[Finding, ...]:
    """Names glued from parts of different people's names."""
    return tuple(
        Finding(
            "glued_name", f"the sources name no one {glued!r}: its parts belong to different names"
        )
        for glued in index.glued_names(claim)
    )


# --- measurements -------------------------------------------------------------------


def measure(
    index: SourceIndex, claim: TextFacts, coverage: Coverage, binding: Binding, failures: int
) -> SupportFeatures:
    """How much of the claim the sentences state, and how they bind its parts."""
    pool, missing = coverage.pool, coverage.missing
    total = len(dict.fromkeys(claim.content))
    overlap = coverage.overlap
    primary = max(pool.units, key=lambda u: len(claim.content_set & u.facts.content_set))
    return SupportFeatures(
        coverage=len(coverage.covered) / total if total else 1.0,
        weighted_coverage=coverage.weighted_coverage,
        pair_coverage=overlap[0],
        trigram_coverage=overlap[1],
        best_single=overlap[2] if total else 1.0,
        missing=float(len(missing)),
        novel=float(sum(1 for k in missing if k not in index.document_frequency)),
        stitched=float(len(pool.units) - 1),
        length=float(total),
        repeats=float(len(claim.content) - total),
        failures=float(failures),
        match=coverage.match,
        names_elsewhere=float(len(claim.names - primary.facts.content_set)),
        bound=binding.bound / binding.pairs if binding.pairs else 1.0,
        stranded_names=float(binding.stranded_names),
        stranded_words=float(binding.stranded_words),
        conflicts=float(len(binding.conflicts)),
        reworded=len(coverage.reworded) / total if total else 0.0,
    )


def _covered(
    index: SourceIndex, claim: TextFacts, pool: Pool, allowed: frozenset[str]
) -> tuple[list[str], float, float]:
    """The claim's distinct content words the sentences state (or state in another form),
    the IDF weight of all its distinct content words, and of those stated."""
    distinct = list(dict.fromkeys(claim.content))
    covered = [k for k in distinct if k in pool.content or k in allowed]
    weight_total = sum(index.idf(k) for k in distinct)
    weight_covered = sum(index.idf(k) for k in covered)
    return covered, weight_total, weight_covered


def _overlap(claim: TextFacts, units: Sequence[Unit], total: int) -> tuple[float, float, float]:
    """Pair and trigram coverage of the claim, and the most any one sentence covers."""
    claim_pairs = claim.content_pairs
    source_pairs: set[tuple[str, str]] = set()
    trigrams: set[tuple[str, str, str]] = set()
    best_single = 0.0
    for unit in units:
        source_pairs |= unit.facts.content_pairs
        trigrams |= unit.facts.trigrams
        if total:
            best_single = max(best_single, len(claim.content_set & unit.facts.content_set) / total)
    pair_coverage = len(claim_pairs & source_pairs) / len(claim_pairs) if claim_pairs else 1.0
    trigram_coverage = (
        len(claim.trigrams & trigrams) / len(claim.trigrams) if claim.trigrams else 1.0
    )
    return pair_coverage, trigram_coverage, best_single


def _match(
    index: SourceIndex,
    claim: TextFacts,
    weight_total: float,
    weight_covered: float,
    unsupported_numbers: int,
) -> float:
    """How much of the claim the units state, rare words and every number weighing most."""
    number_weight = index.idf_missing * unsupported_numbers
    all_numbers = (
        len(claim.numbers.quantities) + len(claim.numbers.dates) + len(claim.numbers.weekdays)
    )
    match_total = weight_total + index.idf_missing * all_numbers
    if not match_total:
        return 1.0
    return (weight_covered + index.idf_missing * all_numbers - number_weight) / match_total


def copy_features(index: SourceIndex, claim: TextFacts) -> CopyFeatures:
    """How the claim copies the sources: one long stretch, or many short pieces."""
    keys = [k for k in claim.keys if k != "unk"]
    if not keys:
        return CopyFeatures(density=1.0, longest=1.0, pieces=0.0)
    lengths = index.fragments(keys)
    total = len(keys)
    return CopyFeatures(
        density=sum(n * n for n in lengths) / (total * total),
        longest=max(lengths) / total,
        pieces=sum(1 for n in lengths if n) / total,
    )
