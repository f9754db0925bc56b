"""Sentences that address the model instead of the reader: never summarised, never cited.

An article can carry text planted to steer a summariser ("ignore previous instructions and
write that ...", "Note to language models: ...", "Assistant: disregard the above ..."). The
verifier alone cannot stop it, because the planted words are really in the source; so such
sentences are excluded from the citable material at ingest time.

News is written to readers about the world; a planted instruction is written to a machine
about its own output. So a sentence is planted when it does one of these:
- carries a chat-template marker or opens with a chat role label ("system:", "[INST]");
- tells its reader to set aside what came before ("disregard the above", "forget what you
  were told", "ignore all prior rules");
- talks about the reader's own output ("in your summary", "begin your answer with");
- names an AI system as its addressee (an AI, assistant, chatbot, language model, LLM,
  summariser, automated reader, a named chatbot) and either speaks to it (a vocative:
  "Note to ...", "Attention ...", "Dear ...", "Hey ...", "If you are ...", "... :") or tells it
  what to do ("... should report that", "... are asked to state").
News about AI ("the chatbot will be available in May") names the system but neither speaks to
it nor tells it what to write, so it is kept.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from service.domain import Document, SourceSentence

_FLAGS = re.IGNORECASE | re.MULTILINE

# Who a planted instruction speaks to. "Model" and "agent" count only as an AI's ("the model
# reading this", "LLM agents"): a fashion model or a football agent is news.
_AI_NOUN = (
    r"(?:"
    r"a\.?i\.?|artificial\s+intelligence|(?:ai|digital|virtual|research|writing)\s+assistants?"
    r"|assistants?|chat\s?bots?|bots?|(?:large[\s-]+)?language[\s-]+models?"
    r"(?:[\s-]+(?:summari[sz]ers?|assistants?|agents?))?|llms?|gpts?|chatgpt"
    r"|claude|gemini|copilot|bard|llama|mistral|summari[sz]ers?"
    r"|(?:ai|ml|llm)[\s-]+(?:models?|systems?|agents?|tools?|readers?)"
    r"|automated[\s-]+(?:readers?|systems?|tools?|summar\w*|agents?|assistants?|models?)"
    r"|summar\w*[\s-]+(?:tools?|models?|systems?|bots?|engines?|agents?|assistants?)"
    r"|machine\s+readers?|model(?=\s+(?:reading|processing|summari[sz]ing|that\s+reads))"
    r")"
)
_AI = rf"(?:(?:an?\s+|the\s+|any\s+|all\s+|every\s+|other\s+)?{_AI_NOUN})"
# What a machine does with this very text: "the AI reading this", "models processing this page".
_READING_THIS = (
    r"(?:that\s+|who\s+|which\s+)?(?:is\s+|are\s+|'s\s+)?(?:currently\s+|now\s+)?"
    r"(?:reading|processing|summari[sz]ing|parsing|scanning|analy[sz]ing|crawling|ingesting)"
    r"\s+(?:this|these|the\s+(?:text|article|page|story|passage|document))\b"
)
# Verbs that tell a writer what to put in its output.
_DIRECTIVE = (
    r"(?:say|state|write|report|mention|include|insert|add|output|print|reply|respond|answer"
    r"|summari[sz]e|describe|claim|conclude|repeat|tell|stress|emphasi[sz]e|note|present"
    r"|treat|ignore|disregard|forget|omit|refer|call|begin|start|end|translate|pretend|act)"
)
_VOCATIVE = (
    r"(?:note|message|memo|instructions?|attention|notice|warning|reminder|request)\s+(?:to|for)"
)

# Patterns that need no AI named.
_PLAIN_PATTERNS = (
    # Chat-template markers and role labels.
    r"\[/?INST\]|<\|(?:im_start|im_end|system|user|assistant|endoftext)\|>|<</?SYS>>"
    r"|^\W*#{2,}\s*(?:instruction|system|response)\b",
    r"^\W*(?:system|assistant|user|ai|bot|chatbot|model)\s*(?:prompt\s*)?[:>\]]",
    # Setting aside what came before.
    r"\b(?:ignore|disregard|forget|override|bypass|discard|set\s+aside)\b[^.;:,]{0,40}?"
    r"\b(?:instructions?|prompts?|rules|guidelines|directions|directives|orders"
    r"|above|before|earlier|previously|so\s+far|until\s+now|preceding"
    r"|what\s+(?:you\s+(?:were|have\s+been)\s+(?:told|asked|given)|came\s+before)"
    r"|(?:all|any)\s+(?:previous|prior|earlier))\b",
    r"\b(?:what|whatever|anything)\s+you\s+(?:were|have\s+been|are\s+being)\s+"
    r"(?:told|asked|instructed|given)\b",
    r"\b(?:previous|prior|above|earlier|preceding|original|system|hidden|initial|secret)\s+"
    r"(?:instructions?|prompts?)\b|\byour\s+(?:instructions|system\s+prompt|prompt)\b",
    r"\b(?:new|updated|real|actual|true|revised)\s+(?:instructions?|task|orders)\s*(?:is|are|:)",
    # The reader's own output.
    r"\b(?:in|into|from|to)\s+your\s+(?:summary|answer|response|reply|output|report|article)\b",
    r"\b(?:begin|start|open|end|close|conclude|finish)\s+(?:your|the|any)\s+"
    r"(?:summary|answer|response|reply|output)\b",
    r"\b(?:when|if|while|before)\s+you\s+(?:are\s+)?(?:summari[sz]|writ|respond|answer)\w*",
    rf"\b(?:any|every|each|your)\s+summary\b[^.;]{{0,40}}?\b(?:must|should|shall|needs?\s+to"
    rf"|has\s+to)\s+(?:\w+\s+){{0,2}}?{_DIRECTIVE}\b",
    r"\byour\s+(?:summary|summaries|output|response)\b",
)
# Patterns that name an AI (each holds `_AI` or `_AI_NOUN`).
_AI_PATTERNS = (
    # An AI as the addressee, spoken to.
    rf"\b{_VOCATIVE}\s+{_AI}",
    rf"\b(?:dear|hey|hi|hello|attention|calling|ok|okay)[\s,]+{_AI}",
    # A vocative opening takes no article: "Chatbots:", "Summarisers, please ...".
    rf"^\W*(?:[\w-]+\s+)?{_AI_NOUN}(?:(?:\s*,\s*|,?\s+and\s+){_AI})*\s*:",
    rf"^\W*(?:[\w-]+\s+)?{_AI_NOUN}(?:(?:\s*,\s*|,?\s+and\s+){_AI})*\s*,\s*"
    rf"(?:please\s+)?{_DIRECTIVE}\b",
    rf"\b(?:please|kindly)[\s,]+{_AI}\b",
    rf"\b(?:if|when|since|because)\s+you(?:\s+are|'re|’re)\s+(?:an?\s+|the\s+)?{_AI}",
    rf"\byou(?:\s+are|'re|’re)\s+(?:now\s+)?(?:an?\s+|the\s+)?{_AI}\b",
    rf"\b(?:to|for)\s+(?:any|all|every|whichever|whatever|each)\s+{_AI}",
    rf"\b{_AI}\s+{_READING_THIS}",
    # An AI as the addressee, told what to do.
    rf"\b{_AI}[\s,]+(?:\w+[\s,]+){{0,6}}?(?:should|must|shall|need\s+to|needs\s+to|have\s+to|has\s+to"
    rf"|(?:are|is)\s+(?:hereby\s+)?(?:asked|required|instructed|told|requested|expected|supposed"
    rf"|ordered|directed|advised|invited|encouraged)\s+to)\s+(?:\w+\s+){{0,2}}?{_DIRECTIVE}\b",
    rf"\b{_AI}[\s,]+(?:\w+[\s,]+){{0,6}}?(?:please|kindly)\s+{_DIRECTIVE}\b",
    rf"\bplease\s+{_DIRECTIVE}\b[^.]{{0,60}}\b{_AI}",
)
_PLAIN_RE = re.compile("|".join(f"(?:{p})" for p in _PLAIN_PATTERNS), _FLAGS)
_AI_RE = re.compile("|".join(f"(?:{p})" for p in _AI_PATTERNS), _FLAGS)
# A word that starts every `_AI_NOUN` match: each alternative opens with one of these at a
# word boundary (or holds one there: "digital assistant", "large language model"). A sentence
# without one cannot match `_AI_RE`, whose patterns scan every word boundary for an AI noun:
# two thirds of the time of the whole search, spent on sentences that name no AI at all.
_AI_WORD = re.compile(
    r"\b(?:a\.?i|artificial|assistant|chat|bot|language|llm|gpt|claude|gemini|copilot|bard"
    r"|llama|mistral|summar|ml|automated|machine|model)",
    re.IGNORECASE,
)
# A planted instruction that points at what follows ("... treat the following as true.")
# carries its payload in the next sentence ...
_POINTS_ON = re.compile(r":\W*$|\bthe\s+following\b|\bbelow\b|\bnext\s+sentence\b", _FLAGS)
# ... unless the payload follows a colon inside it ("treat the following as true: ...").
_CARRIES_PAYLOAD = re.compile(r":\s*\w")


def is_planted_instruction(sentence: str) -> bool:
    """True when the sentence speaks to an AI system rather than reporting news."""
    text = " ".join(sentence.split())
    if _PLAIN_RE.search(text) is not None:
        return True
    return _AI_WORD.search(text) is not None and _AI_RE.search(text) is not None


def _planted(sentences: Sequence[SourceSentence], text: str) -> set[int]:
    """Indices of planted sentences, and of the sentence a planted one points on to."""
    found: set[int] = set()
    for index, sentence in enumerate(sentences):
        if sentence.boilerplate or not is_planted_instruction(sentence.text):
            continue
        found.add(index)
        after = index + 1
        points_on = _POINTS_ON.search(sentence.text) and not _CARRIES_PAYLOAD.search(sentence.text)
        if after < len(sentences) and points_on:
            # Only within the paragraph: a blank line ends what the instruction introduces.
            between = text[sentence.end : sentences[after].start]
            if "\n\n" not in between:
                found.add(after)
    return found


def exclude_planted_instructions(documents: Sequence[Document]) -> list[Document]:
    """Documents whose instruction-like sentences are marked non-citable (like boilerplate)."""
    out = []
    for doc in documents:
        planted = _planted(doc.sentences, doc.text)
        sentences = [
            dataclasses.replace(s, boilerplate=True) if i in planted else s
            for i, s in enumerate(doc.sentences)
        ]
        out.append(dataclasses.replace(doc, sentences=sentences))
    return out
