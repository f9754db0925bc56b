"""Why the verifier rejects FRANK's human-written reference sentences, grouped by reason.

    python -m devtools.reference_rejections [--source cnndm] [--examples 3] [--json FILE]

Each reference sentence is verified against its article exactly as `evals.verifier_bench`
does (shipped calibration, no citations). A rejection is put in one group: the kind of its
first hard veto ("name", "number", "binding", "quote"...; a name or number absent from the
cited spans is split by whether the article states it somewhere, which is what stitching
could fix), else "soft" (a soft finding, or a score below the threshold). It prints the
groups, largest first, with a few examples each: a tool for choosing what to work on, not a
measure (the benchmark is that).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from evals.verifier_bench import FRANK_FILE, make_document
from evals.verifier_suites import frank_rows, reference_sentences
from service.domain import Document
from service.verify import Claim, Verdict, Verifier

_ABSENT = re.compile(r"^(?:'(?P<part>.+)'|(?P<word>.+)) not in cited spans$")


@dataclass(frozen=True)
class Rejection:
    """One rejected reference sentence, its group and every reason the verifier gave."""

    group: str
    doc_id: str
    sentence: str
    score: float
    reasons: tuple[str, ...]


def group_of(verdict: Verdict, document: Document) -> str:
    """The group a rejection belongs to (see the module docstring)."""
    if not verdict.vetoes:
        return "soft"
    first = verdict.vetoes[0]
    absent = _ABSENT.match(first)
    if absent is None:
        return _veto_kind(first)
    what = absent.group("part") or absent.group("word")
    where = "in article" if what.lower() in document.text.lower() else "not in article"
    return f"absent ({where})"


# Reason wordings (service/verify) by the kind of finding that words them.
_KINDS: tuple[tuple[str, str], ...] = (
    ("negation", r"negat"),
    ("binding", r"^the cited spans put "),
    ("quote", r"^quoted words not in cited spans"),
    ("quote speaker", r"^the source attributes "),
    ("speaker", r"do not attribute this to"),
    ("polarity or antonym", r" contradicts "),
    ("hedge", r"hedge"),
    ("first person", r"first person"),
    ("link", r"do not link"),
)


def _veto_kind(reason: str) -> str:
    """The kind of finding a veto reason words; its first words where none is known."""
    for kind, pattern in _KINDS:
        if re.search(pattern, reason):
            return kind
    return " ".join(reason.split()[:4])


def rejections(source: str) -> tuple[int, list[Rejection]]:
    """How many reference sentences of this source there are, and each one rejected."""
    verifiers: dict[str, tuple[Verifier, Document]] = {}
    total = 0
    found: list[Rejection] = []
    for src, doc_id, article, sentence in reference_sentences(frank_rows(FRANK_FILE)):
        if src != source:
            continue
        total += 1
        if doc_id not in verifiers:
            document = make_document(doc_id, article)
            verifiers[doc_id] = (Verifier([document]), document)
        verifier, document = verifiers[doc_id]
        verdict = verifier.verify(Claim(sentence))
        if not verdict.supported:
            found.append(
                Rejection(
                    group_of(verdict, document),
                    doc_id,
                    sentence,
                    verdict.score,
                    tuple(verdict.reasons),
                )
            )
    return total, found


def main(argv: Sequence[str] | None = None) -> int:
    """Print the rejections grouped by reason."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", default="cnndm", choices=("cnndm", "bbc"))
    parser.add_argument("--examples", type=int, default=3, help="examples printed per group")
    parser.add_argument("--json", type=Path, help="write every rejection to this file")
    args = parser.parse_args(argv)
    total, found = rejections(args.source)
    groups: dict[str, list[Rejection]] = {}
    for item in found:
        groups.setdefault(item.group, []).append(item)
    print(f"{args.source}: {total - len(found)} of {total} accepted, {len(found)} rejected")
    for group, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{len(items):4d}  {group}")
        for item in items[: args.examples]:
            print(f"      {item.sentence}")
            print(f"        -> {'; '.join(item.reasons)[:300]}")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in found], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
