"""The fitted scorer (answer/model.py, evaluation/fit.py): the shipped file loads and is for the
code's signals; exported trees give scikit-learn's own probabilities; a bad file is refused."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from cppcc_qa.answer.model import PACKAGED_MODEL_PATH, load_model, save_model
from cppcc_qa.answer.scoring import SIGNALS
from cppcc_qa.errors import CppccError
from cppcc_qa.evaluation.fit import Row, choose_threshold, fit_logistic, fit_trees, out_of_fold


def _rows(n: int = 400) -> list[Row]:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        sig = [rng.random() for _ in SIGNALS]
        label = int(sig[0] + 0.5 * sig[4] + rng.gauss(0, 0.2) > 0.9)  # clause recall and precision decide
        rows.append(Row(f"q{i // 3}", tuple(sig), label))
    return rows


def test_the_packaged_model_loads_for_the_codes_signals() -> None:
    model = load_model(PACKAGED_MODEL_PATH)
    assert model.names == SIGNALS and 0.0 < model.threshold < 1.0 and model.fitted_on["split"] == "tune"


def test_exported_trees_give_the_probabilities_of_the_fitted_classifier(tmp_path: Path) -> None:
    rows = _rows()
    model = fit_trees(rows, depth=2, rounds=30)
    save_model(model, tmp_path / "m.json")
    again = load_model(tmp_path / "m.json")
    probs = [again.prob(r.signals) for r in rows]
    assert probs == pytest.approx([model.prob(r.signals) for r in rows])
    high = [p for p, r in zip(probs, rows) if r.label]
    low = [p for p, r in zip(probs, rows) if not r.label]
    assert sum(high) / len(high) > sum(low) / len(low) + 0.3


def test_the_threshold_is_chosen_on_held_out_probabilities_and_wrong_answers_cost_more() -> None:
    rows = _rows()
    probs = out_of_fold(rows, fit_logistic)
    answerable = {r.qid: 1 for r in rows}
    cheap, _ = choose_threshold(probs, rows, answerable, wrong_cost=0.5)
    dear, counts = choose_threshold(probs, rows, answerable, wrong_cost=8.0)
    assert dear >= cheap and counts["wrong"] <= counts["right"]


def test_a_model_for_other_signals_is_refused(tmp_path: Path) -> None:
    data = json.loads(PACKAGED_MODEL_PATH.read_text(encoding="utf-8"))
    data["names"] = data["names"][:-1]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CppccError, match="other signals"):
        load_model(tmp_path / "old.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(CppccError, match="cannot read"):
        load_model(tmp_path / "bad.json")
