"""The fitted scorer: a model over a candidate's signals (scoring.SIGNALS) that says how likely the
clause answers the question, and the refusal threshold calibrated on the question bank so that
wrong answers, not refusals, are what is minimised (evaluation/fit.py writes it).

Two kinds, both plain JSON evaluated here without scikit-learn:
- "trees": gradient-boosted decision trees (scikit-learn's HistGradientBoostingClassifier, its
  nodes exported as [feature, threshold, left, right, leaf value]); the default, because on the
  bank it removes more wrong answers per right answer lost (README, "Fitted scorer");
- "logistic": standardised signals, weights and a bias.
A file whose signal names differ from the code's is refused rather than silently misread.
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

__all__ = ["ScorerModel", "load_model", "save_model", "DEFAULT_MODEL_PATH", "PACKAGED_MODEL_PATH"]

#: The model fitted on the bank and shipped with the package.
PACKAGED_MODEL_PATH = Path(__file__).with_name("scorer.json")
DEFAULT_MODEL_PATH = PACKAGED_MODEL_PATH  # where `fit` writes unless told otherwise

# A tree node: feature index, threshold (go left when x <= threshold), left child, right child,
# leaf value (used when left == -1).
Node = tuple[int, float, int, int, float]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class ScorerModel:
    names: tuple[str, ...]
    threshold: float
    kind: str = "logistic"  # logistic | trees
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    bias: float = 0.0
    trees: tuple[tuple[Node, ...], ...] = ()
    fitted_on: dict[str, Any] = field(default_factory=dict)

    def raw(self, signals: Sequence[float]) -> float:
        if self.kind == "trees":
            z = self.bias
            for tree in self.trees:
                i = 0
                while tree[i][2] != -1:
                    f, thr, left, right, _ = tree[i]
                    i = left if signals[f] <= thr else right
                z += tree[i][4]
            return z
        return self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, signals, self.mean, self.scale))

    def prob(self, signals: Sequence[float]) -> float:
        return _sigmoid(self.raw(signals))


def load_model(path: Path) -> ScorerModel:
    """Read a fitted model; CppccError when the file is missing, unreadable or for other signals."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = ScorerModel(
            names=tuple(data["names"]), threshold=float(data["threshold"]), kind=str(data.get("kind", "logistic")),
            mean=tuple(data.get("mean", ())), scale=tuple(data.get("scale", ())),
            weights=tuple(data.get("weights", ())), bias=float(data.get("bias", 0.0)),
            trees=tuple(tuple((int(n[0]), float(n[1]), int(n[2]), int(n[3]), float(n[4])) for n in t)
                        for t in data.get("trees", ())),
            fitted_on=dict(data.get("fitted_on", {})),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise CppccError(f"cannot read the fitted scorer {path}: {exc}") from exc
    if model.names != SIGNALS:
        raise CppccError(f"{path} was fitted on other signals ({', '.join(model.names)}); refit it "
                         "with `python -m cppcc_qa.evaluation.fit`")
    if model.kind == "logistic" and not (len(model.mean) == len(model.scale) == len(model.weights) == len(SIGNALS)):
        raise CppccError(f"{path}: a logistic model needs one mean, scale and weight per signal")
    if model.kind not in ("logistic", "trees"):
        raise CppccError(f"{path}: unknown model kind {model.kind!r}")
    return model


def save_model(model: ScorerModel, path: Path) -> None:
    """Write the model atomically (a temp file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(model), fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
