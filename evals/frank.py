"""Build the frank_valid task: one example per FRANK article, golden = the outlet's reference."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# Where the team's shared checkout keeps FRANK's validation split (see its README).
DEFAULT_SOURCE = (
    Path(__file__).resolve().parents[2] / "shared/data/frank-valid/frank_valid_sentences.jsonl"
)
# Summary sentence budget per outlet: CNN/DM highlights run to 3-4 sentences, XSum is one.
BUDGET_BY_SOURCE = {"cnndm": 3, "bbc": 1}
# CNN/DM highlights arrive lower-cased and tokenised, sentences ending in a detached " .".
_HIGHLIGHT_END = re.compile(r"(?<= \.) +")


def split_reference(reference: str, source: str) -> list[str]:
    """The reference as sentences: CNN/DM highlights split at ' . ', an XSum lede kept whole."""
    if source != "cnndm":
        return [reference.strip()]
    return [part.strip() for part in _HIGHLIGHT_END.split(reference) if part.strip()]


def frank_examples(lines: list[str]) -> list[dict[str, Any]]:
    """One example per distinct doc_id, in first-seen order (the file interleaves both outlets)."""
    examples: dict[str, dict[str, Any]] = {}
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        doc_id, source = row["doc_id"], row["source"]
        if doc_id in examples:
            continue
        examples[doc_id] = {
            "id": doc_id,
            "articles": [{"id": doc_id, "text": row["article"]}],
            "reference": [{"text": s} for s in split_reference(row["reference"], source)],
            "options": {"max_key_points": BUDGET_BY_SOURCE[source], "max_quotes": 0},
            "tags": {"source": source},
        }
    return list(examples.values())


def import_frank(source_file: Path, dataset: Path) -> int:
    """Write the task's JSONL from FRANK's per-summary file; returns the number of examples."""
    examples = frank_examples(source_file.read_text(encoding="utf-8").splitlines())
    with dataset.open("w", encoding="utf-8") as out:
        for example in examples:
            out.write(json.dumps(example, ensure_ascii=False) + "\n")
    return len(examples)
