"""Build service/text/wordnet_relations.txt from the WordNet 3.0 database files.

The verifier lets a claim use another word for a source's word only where WordNet relates the
two in their common senses. This script derives that table, offline, from Debian's
`wordnet-base` package (Princeton WordNet 3.0; `apt-get install wordnet-base` puts the files in
/usr/share/wordnet):

    python -m devtools.wordnet_tables /usr/share/wordnet > service/text/wordnet_relations.txt

Only single-word, lower-case lemmas (no proper names), and only a word's most frequent senses
(WordNet orders a lemma's senses by their frequency in its tagged corpus) take part, so a rare
sense ("hold" as "a ship's cargo space") never makes two words equivalent. Each line is a
relation: `syn a b` (the words share a sense that is common for one of them and among the
first SYNONYM_RANK senses of the other: "elevate" relations is most often to promote them, a
sense "upgrade" lists third), `hyp specific general` (in a common
sense, the first is a kind of the second, at most two steps up), `der a b` (derivationally
related forms in a common sense: "arrest"/"arrested" aside, "death"/"die").
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# A lemma's senses that count as common: its first SENSES, and of those only senses seen in
# WordNet's tagged corpus (a tagged count above zero); a lemma never seen there takes no part.
SENSES = 2
# A common sense of one word makes another word its synonym where that word lists the sense
# among its first SYNONYM_RANK senses, tagged or not.
SYNONYM_RANK = 3
HYPERNYM_STEPS = 2
# A general word states a specific one only below the top of the hierarchy: "person", "act"
# or "thing" would state almost anything. Minimum depth (steps from a root) of the general
# sense, for nouns and for the other parts of speech (verb hierarchies are shallow).
MIN_NOUN_DEPTH = 5
MIN_OTHER_DEPTH = 1
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_WORD = re.compile(r"^[a-z]{2,}$")


@dataclass
class Synset:
    """One synset: its lemmas and the pointers this table follows."""

    words: list[str]
    hypernyms: list[str] = field(default_factory=list)
    # (source word index, target synset, target word index), for derivation pointers.
    derived: list[tuple[int, str, int]] = field(default_factory=list)


def _data_lines(path: Path) -> Iterator[list[str]]:
    for line in path.read_text(encoding="latin-1").splitlines():
        if line and not line.startswith("  "):
            yield line.split(" | ")[0].split()


def read_synsets(root: Path) -> dict[str, Synset]:
    """Every synset, keyed 'offset.pos' (adjective satellites filed under 'a')."""
    synsets: dict[str, Synset] = {}
    for pos, name in POS_FILES.items():
        for fields in _data_lines(root / f"data.{name}"):
            offset, count = fields[0], int(fields[3], 16)
            words = [re.sub(r"\(.*\)$", "", w).lower() for w in fields[4 : 4 + 2 * count : 2]]
            synset = Synset(words)
            at = 4 + 2 * count
            for _ in range(int(fields[at])):
                symbol, target, target_pos, numbers = fields[at + 1 : at + 5]
                target_key = f"{target}.{'a' if target_pos == 's' else target_pos}"
                if symbol in ("@", "@i"):
                    synset.hypernyms.append(target_key)
                elif symbol == "+":
                    source_word, target_word = int(numbers[:2], 16), int(numbers[2:], 16)
                    synset.derived.append((source_word - 1, target_key, target_word - 1))
                at += 4
            synsets[f"{offset}.{pos}"] = synset
    return synsets


@dataclass(frozen=True)
class IndexEntry:
    """One lemma of an index file: its senses, most frequent first, as 'offset.pos' keys, and
    how many of them WordNet's tagged corpus saw."""

    lemma: str
    senses: list[str]
    tagged: int


def index_entries(root: Path) -> Iterator[IndexEntry]:
    """Every single-word, lower-case lemma of the index files, for each part of speech."""
    for pos, name in POS_FILES.items():
        for line in (root / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split()
            lemma, synset_count, pointer_count = fields[0], int(fields[2]), int(fields[3])
            if not _WORD.match(lemma):
                continue
            offsets = fields[6 + pointer_count : 6 + pointer_count + synset_count]
            yield IndexEntry(lemma, [f"{o}.{pos}" for o in offsets], int(fields[5 + pointer_count]))


def common_senses(root: Path) -> dict[str, list[str]]:
    """Each lemma's common senses, as 'offset.pos' keys, most frequent first."""
    senses: dict[str, list[str]] = {}
    for entry in index_entries(root):
        if entry.tagged:
            senses.setdefault(entry.lemma, []).extend(entry.senses[: min(SENSES, entry.tagged)])
    return senses


def leading_senses(root: Path, rank: int) -> dict[str, list[str]]:
    """Synset key -> the lemmas that list it among their first `rank` senses."""
    lemmas: dict[str, list[str]] = {}
    for entry in index_entries(root):
        for key in entry.senses[:rank]:
            lemmas.setdefault(key, []).append(entry.lemma)
    return lemmas


def _depths(synsets: dict[str, Synset]) -> dict[str, int]:
    """Each synset's fewest hypernym steps to a root."""
    depth: dict[str, int] = {}

    def of(key: str, trail: frozenset[str]) -> int:
        if key not in depth:
            parents = [h for h in synsets[key].hypernyms if h not in trail]
            depth[key] = 1 + min((of(h, trail | {key}) for h in parents), default=-1)
        return depth[key]

    for key in synsets:
        of(key, frozenset())
    return depth


def relations(root: Path) -> Iterator[tuple[str, str, str]]:
    """Every relation the table records, each once."""
    synsets = read_synsets(root)
    senses = common_senses(root)
    common_of: dict[str, set[str]] = {}
    for lemma, keys in senses.items():
        for key in keys:
            common_of.setdefault(key, set()).add(lemma)
    seen: set[tuple[str, str, str]] = set()

    def emit(kind: str, a: str, b: str) -> Iterator[tuple[str, str, str]]:
        if a != b and (kind, a, b) not in seen:
            seen.add((kind, a, b))
            yield kind, a, b

    leading = leading_senses(root, SYNONYM_RANK)
    depth = _depths(synsets)
    for key, lemmas in sorted(common_of.items()):
        ordered = sorted(lemmas)
        for a, b in sorted({tuple(sorted((a, b))) for a in ordered for b in leading.get(key, ())}):
            yield from emit("syn", a, b)
        frontier, steps = [key], 0
        while frontier and steps < HYPERNYM_STEPS:
            frontier = [h for k in frontier for h in synsets[k].hypernyms]
            steps += 1
            for general in frontier:
                floor = MIN_NOUN_DEPTH if general.endswith(".n") else MIN_OTHER_DEPTH
                if depth[general] < floor:
                    continue
                for b in sorted(common_of.get(general, ())):
                    for a in ordered:
                        yield from emit("hyp", a, b)
        synset = synsets[key]
        for source_word, target_key, target_word in synset.derived:
            a = synset.words[source_word]
            target = synsets[target_key].words[target_word]
            if a in lemmas and target in common_of.get(target_key, ()):
                yield from emit("der", *sorted((a, target)))


def main(argv: list[str]) -> int:
    """Print the table for the WordNet files in the folder given."""
    if len(argv) != 1 or not (Path(argv[0]) / "data.noun").is_file():
        print("usage: python -m devtools.wordnet_tables WORDNET_DICT_FOLDER", file=sys.stderr)
        return 2
    print(__doc__.split("\n\n")[0].replace("Build", "# Built by devtools/wordnet_tables.py:"))
    for kind, a, b in relations(Path(argv[0])):
        print(kind, a, b)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
