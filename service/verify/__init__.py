"""The verifier: decides whether each summary sentence is supported by real spans of the sources."""

from service.verify.types import Citation, Claim, ClaimEvidence, Verdict
from service.verify.verifier import Verifier

__all__ = ["Citation", "Claim", "ClaimEvidence", "Verdict", "Verifier"]
