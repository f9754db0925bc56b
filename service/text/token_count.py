"""Token counting with tiktoken, loaded offline from a hash-verified copy in the package."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

import tiktoken

ENCODING_NAME = "cl100k_base"
ENCODING_FILE = Path(__file__).parent.parent / "data" / "cl100k_base.tiktoken"
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


class EncodingFileError(RuntimeError):
    """The bundled encoding file is missing or is not the pinned one."""


def load_ranks(path: Path, expected_sha256: str) -> dict[bytes, int]:
    """BPE ranks from a `.tiktoken` file, refused unless its SHA-256 matches."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EncodingFileError(f"cannot read the token encoding {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise EncodingFileError(
            f"hash mismatch for {path}: expected {expected_sha256}, got {digest}"
        )
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, built from the bundled file; no network, no cache writes."""
    ranks = load_ranks(ENCODING_FILE, ENCODING_SHA256)
    return tiktoken.Encoding(
        name=ENCODING_NAME,
        pat_str=_PATTERN,
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL_TOKENS,
    )


def count_tokens(text: str) -> int:
    """Tokens in `text`; special-token markers inside articles count as plain text."""
    return len(encoding().encode(text, disallowed_special=()))
