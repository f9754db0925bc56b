"""API keys: known only by their SHA-256 digests, checked in constant time, never logged.

A key is a random string (`secrets.token_urlsafe(32)`: 256 bits), so a plain SHA-256 is the
right store for it, as for any high-entropy token: nothing to salt against, nothing to stretch.
A client sends it as `Authorization: Bearer KEY` or `X-API-Key: KEY`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from service.config import Settings, parse_key_digests
from service.errors import ConfigError

# How much of a digest names a key in logs and rate-limit windows: enough to tell keys apart,
# and only ever a digest's prefix, never the key.
KEY_ID_HEX = 12


class Verdict(Enum):
    """What the credentials a request carries allow."""

    ALLOWED = "allowed"
    MISSING = "missing"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Access:
    """The verdict, and the name of the key that was shown (a digest prefix) when valid."""

    verdict: Verdict
    key_id: str | None = None


def digest(key: str) -> str:
    """The SHA-256 hex digest the configuration stores for `key`."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _matching(candidate: str, digests: Iterable[str]) -> str | None:
    # Every digest is compared, each in constant time: the time taken says nothing of which.
    found = None
    for known in digests:
        if hmac.compare_digest(candidate, known):
            found = known
    return found


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key in `Authorization: Bearer ...` or `X-API-Key`, if the request carries one."""
    authorization = headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    api_key = headers.get("x-api-key", "").strip()
    return api_key or None


class KeyRing:
    """The configured digests: client keys, and the keys that may read /metrics."""

    def __init__(self, client_digests: Iterable[str], metrics_digests: Iterable[str] = ()) -> None:
        self.client_digests = frozenset(client_digests)
        self.metrics_digests = frozenset(metrics_digests)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """The digests in the environment and in `SUMMARIZER_API_KEY_HASHES_FILE`."""
        digests = list(settings.api_key_hashes)
        path = settings.api_key_hashes_file
        if path is not None:
            digests += _read_digest_file(path)
        return cls(digests, settings.metrics_key_hashes)

    @property
    def enabled(self) -> bool:
        """Whether any key is asked for at all."""
        return bool(self.client_digests or self.metrics_digests)

    def check(self, key: str | None, *, metrics: bool = False) -> Access:
        """What `key` may do on a guarded route (`metrics`: the /metrics route)."""
        wanted = self.metrics_digests if metrics and self.metrics_digests else self.client_digests
        if not wanted:
            return Access(Verdict.ALLOWED)
        if key is None:
            return Access(Verdict.MISSING)
        candidate = digest(key)
        found = _matching(candidate, wanted)
        if found is not None:
            return Access(Verdict.ALLOWED, found[:KEY_ID_HEX])
        other = _matching(candidate, self.client_digests | self.metrics_digests)
        if other is not None:
            return Access(Verdict.FORBIDDEN, other[:KEY_ID_HEX])
        return Access(Verdict.INVALID)


def _read_digest_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"SUMMARIZER_API_KEY_HASHES_FILE: cannot read {path}: {exc}") from exc
    try:
        digests = list(parse_key_digests(text))
    except ValueError as exc:
        raise ConfigError(f"SUMMARIZER_API_KEY_HASHES_FILE ({path}): {exc}") from exc
    if not digests:
        # An empty file would silently open the service: refuse it.
        raise ConfigError(f"SUMMARIZER_API_KEY_HASHES_FILE ({path}) holds no key digest")
    return digests
