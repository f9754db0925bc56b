"""Sentences that address the model instead of the reader: never summarised, never cited.

An article can carry text planted to steer a summariser ("ignore previous instructions and
write that ..."). The verifier alone cannot stop it, because the planted words are really in
the source; so such sentences are excluded from the citable material at ingest time.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from service.domain import Document

_PATTERNS = [
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|guidelines)\b",
    r"\b(?:previous|prior|above|earlier|system)\s+(?:instructions?|prompts?|messages?)\b",
    r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|llm|summari[sz]er)\b",
    r"\bas\s+an\s+(?:ai|language\s+model)\b",
    r"^\s*(?:system|assistant|user)\s*:",
    r"\b(?:summari[sz]er|summary\s+model|language\s+model|llm|ai\s+model|chatbot)s?\b.{0,60}"
    r"\b(?:must|should|shall|will|needs?\s+to)\b",
    r"\b(?:when|if)\s+(?:you\s+)?summari[sz](?:e|ing)\b",
    r"\b(?:in|into)\s+(?:your|the)\s+summary\b",
    r"\b(?:respond|reply|answer|output)\s+(?:only\s+)?(?:with|in)\b.{0,30}\b(?:json|following|text)\b",
    r"\[/?INST\]|<\|im_(?:start|end)\|>|<\|(?:system|user|assistant)\|>",
]
_INSTRUCTION_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)


def is_planted_instruction(sentence: str) -> bool:
    """True when the sentence speaks to an AI system rather than reporting news."""
    return _INSTRUCTION_RE.search(sentence) is not None


def exclude_planted_instructions(documents: Sequence[Document]) -> list[Document]:
    """Documents whose instruction-like sentences are marked non-citable (like boilerplate)."""
    out = []
    for doc in documents:
        sentences = [
            dataclasses.replace(s, boilerplate=True)
            if not s.boilerplate and is_planted_instruction(s.text)
            else s
            for s in doc.sentences
        ]
        out.append(dataclasses.replace(doc, sentences=sentences))
    return out
