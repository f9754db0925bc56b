"""Token counting with tiktoken, loaded offline from a hash-verified copy in the package."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import tiktoken
from tiktoken.load import load_tiktoken_bpe

ENCODING_NAME = "cl100k_base"
ENCODING_FILE = Path(__file__).parent / "data" / "cl100k_base.tiktoken"
# The SHA-256 that tiktoken itself pins for cl100k_base: a corrupted copy fails loudly.
ENCODING_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_SPECIAL_TOKENS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, built from the bundled file; never touches the network."""
    ranks = load_tiktoken_bpe(str(ENCODING_FILE), expected_hash=ENCODING_SHA256)
    return tiktoken.Encoding(
        name=ENCODING_NAME,
        pat_str=_PATTERN,
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL_TOKENS,
    )


def count_tokens(text: str) -> int:
    """Tokens in `text`; special-token markers inside articles count as plain text."""
    return len(encoding().encode(text, disallowed_special=()))
