"""The tokenizer loads offline from the bundled, hash-checked encoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.text import token_count as tokens


def test_counts_known_strings() -> None:
    # cl100k_base facts: "hello world" is two tokens, the special marker is not special here.
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("<|endoftext|>") > 1


def test_round_trip_of_unicode_text() -> None:
    text = "Meloni said: “special strategic” — 160th anniversary, 東京 🇯🇵"
    enc = tokens.encoding()
    assert enc.decode(enc.encode(text)) == text


def test_loads_without_network_or_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # An empty cache dir and no network (the conftest guard) must still work.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    tokens.encoding.cache_clear()
    assert tokens.count_tokens("Japan and Italy") == 3
    assert list(tmp_path.iterdir()) == []


def test_corrupted_copy_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "cl100k_base.tiktoken"
    shutil.copy(tokens.ENCODING_FILE, bad)
    with bad.open("ab") as handle:
        handle.write(b"Zm9v 999999\n")
    with pytest.raises(tokens.EncodingFileError, match="hash mismatch"):
        tokens.load_ranks(bad, tokens.ENCODING_SHA256)


def test_missing_copy_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(tokens.EncodingFileError, match="cannot read"):
        tokens.load_ranks(tmp_path / "absent.tiktoken", tokens.ENCODING_SHA256)
