"""The fitted scorer: a logistic model over a candidate's signals (scoring.SIGNALS) that says how
likely the clause answers the question, and the refusal threshold calibrated on the question bank
so that wrong answers, not refusals, are what is minimised (evaluation/fit.py writes it).

The model is a JSON file (`scorer.json` beside this module, or `settings.scorer_path`): names of
the signals, their standardisation, the weights, the threshold and how it was fitted. A file whose
signal names differ from the code's is refused rather than silently misread.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cppcc_qa.answer.scoring import SIGNALS
from cppcc_qa.errors import CppccError

__all__ = ["ScorerModel", "load_model", "save_model", "DEFAULT_MODEL_PATH"]

DEFAULT_MODEL_PATH = Path("eval/fitted/scorer.json")  # where `fit` writes, relative to the checkout


@dataclass(frozen=True)
class ScorerModel:
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted_on: dict[str, Any] = field(default_factory=dict)

    def prob(self, signals: Sequence[float]) -> float:
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, signals, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def load_model(path: Path) -> ScorerModel:
    """Read a fitted model; CppccError when the file is missing, unreadable or for other signals."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = ScorerModel(tuple(data["names"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                            float(data["bias"]), float(data["threshold"]), dict(data.get("fitted_on", {})))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CppccError(f"cannot read the fitted scorer {path}: {exc}") from exc
    if model.names != SIGNALS or not (len(model.mean) == len(model.scale) == len(model.weights) == len(SIGNALS)):
        raise CppccError(f"{path} was fitted on other signals ({', '.join(model.names)}); refit it "
                         "with `python -m cppcc_qa.evaluation.fit`")
    return model


def save_model(model: ScorerModel, path: Path) -> None:
    """Write the model atomically (a temp file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(model), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    os.replace(tmp, path)
