"""From check features to a score in [0, 1]: a logistic model calibrated on human labels.

The weights live in `calibration.json` beside this module and are refitted by
`python -m evals.verifier_bench --calibrate`, never edited by hand. The bias is shifted so that
the decision threshold is always 0.5: a score of 0.5 or more means supported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

THRESHOLD = 0.5
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class Calibration:
    """Standardised logistic weights over named features."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    fitted_on: str = ""

    def score(self, features: Mapping[str, float]) -> float:
        """The probability that a claim with these features is supported."""
        total = self.bias
        for name, weight, mean, scale in zip(
            self.features, self.weights, self.mean, self.scale, strict=True
        ):
            total += weight * (features.get(name, 0.0) - mean) / scale
        # Clamp before exp: a far-off claim must give 0, not an overflow.
        total = max(min(total, 50.0), -50.0)
        return 1.0 / (1.0 + math.exp(-total))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, as written to calibration.json."""
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "bias": self.bias,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        """Read the form `to_json` writes."""
        return cls(
            features=tuple(str(f) for f in data["features"]),
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            mean=tuple(float(m) for m in data["mean"]),
            scale=tuple(float(s) for s in data["scale"]),
            fitted_on=str(data.get("fitted_on", "")),
        )


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The shipped calibration."""
    return Calibration.from_json(json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")))
