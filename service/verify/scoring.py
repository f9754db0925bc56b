"""From check features to a score in [0, 1] and a decision; weights calibrated on FRANK."""

from __future__ import annotations

import math

# Logistic weights over the check features; `evals/verifier_bench.py --calibrate` refits them.
WEIGHTS: dict[str, float] = {
    "bias": -6.0,
    "coverage": 8.0,
}
# A claim is supported when its score reaches this (and no hard check failed).
THRESHOLD = 0.5


def score_of(features: dict[str, float]) -> float:
    """The calibrated probability that the features describe a supported claim."""
    total = WEIGHTS.get("bias", 0.0)
    for name, weight in WEIGHTS.items():
        if name != "bias":
            total += weight * features.get(name, 0.0)
    return 1.0 / (1.0 + math.exp(-total))


def decide(features: dict[str, float]) -> bool:
    """Whether the score clears the support threshold."""
    return features.get("score", score_of(features)) >= THRESHOLD
