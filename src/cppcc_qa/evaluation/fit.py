"""Fitting the answer scorer (answer/model.py) on the question bank.

Every question of the bank's `tune` split is asked of the index its `doc` needs (the built-in
corpus, or one with the extra reports added); every candidate clause the engine considers becomes
a row of signals (scoring.SIGNALS), labelled 1 when the words a reply would quote from it hold an
accepted answer (and no `wrong` string) in a passage holding the evidence — the referee's rule.
Gradient-boosted trees (or a logistic regression) are fitted on the rows; the refusal threshold is then chosen
on probabilities each question gets from a model fitted without it (cross-validation) to maximise
right − `WRONG_COST` × wrong answers, so that a wrong answer
costs more than a refusal. The `holdout` split is never read here.

    python -m cppcc_qa.evaluation.fit --bank eval/bank --index index --reports-index /tmp/idx \\
        --out src/cppcc_qa/answer/scorer.json
"""
from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from cppcc_qa.answer.model import DEFAULT_MODEL_PATH, ScorerModel, save_model
from cppcc_qa.answer.question import inherit_context, split_compound
from cppcc_qa.answer.scoring import SIGNALS
from cppcc_qa.evaluation.evaluate import norm
from cppcc_qa.records import Turn
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

__all__ = ["Row", "collect", "fit_trees", "fit_logistic", "choose_threshold", "main", "WRONG_COST"]

#: How many refusals one wrong answer is worth when the threshold is chosen.
WRONG_COST = 2.0
#: The trees: shallow and many, measured by 5-fold cross-validation over questions (README).
TREE_DEPTH = 2
TREE_ROUNDS = 300
TREE_LEARNING_RATE = 0.05
#: The documents asked of the index with the extra reports (a bank line's `doc`).
REPORT_DOC_PREFIX = "gwr"


@dataclass(frozen=True)
class Row:
    qid: str
    signals: tuple[float, ...]
    label: int
    words: str = ""  # what a reply would quote (for reading the errors)


def _label(words: str, passage: str, gold: dict[str, Any]) -> int:
    if not gold.get("answerable", True):
        return 0
    w, p = norm(words), norm(passage)
    if not any(norm(a) in w for a in [*gold.get("answers", []), *gold.get("answers_all", [])]):
        return 0
    if any(norm(x) in w for x in gold.get("wrong", [])):
        return 0
    ev = gold.get("evidence", [])
    return int(not ev or any(norm(e) in p for e in ev))


def collect(service: QAService, golds: Iterable[dict[str, Any]]) -> tuple[list[Row], dict[str, int]]:
    """Candidate rows of every question, and which questions are answerable (1) or not (0)."""
    rows: list[Row] = []
    answerable: dict[str, int] = {}
    st = service.state()
    composer = st.composer
    for gold in golds:
        if gold.get("type") == "derived":
            continue
        qid = gold["id"]
        answerable[qid] = int(gold.get("answerable", True))
        turns = [Turn(t["question"], t.get("answer", "")) for t in gold.get("history", [])]
        first = None
        for k, piece in enumerate(split_compound(gold["question"])):  # as the service asks them
            parsed = service.parse(piece, turns, st)
            parsed = inherit_context(parsed, first) if first is not None else parsed
            first = first or parsed
            cands, hits, _ = composer.candidates(parsed, service.retrieve(parsed, st=st), loose=True)
            for c in cands:
                words, _, _ = composer._span(c, composer.cfg.context_budget, whole=parsed.multi)
                rows.append(Row(f"{qid}#{k}" if k else qid, c.signals,
                                _label(words, hits[c.hit_rank].chunk.text, gold), words))
            turns.append(Turn(piece, ""))
    return rows, answerable


def fit_logistic(rows: Sequence[Row], c_reg: float = 1.0) -> ScorerModel:
    """A logistic regression over the standardised signals (threshold still to be chosen)."""
    from sklearn.linear_model import LogisticRegression

    x, y = _xy(rows)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c_reg, max_iter=5000, class_weight="balanced").fit((x - mean) / scale, y)
    return ScorerModel(SIGNALS, 0.5, "logistic", tuple(mean.tolist()), tuple(scale.tolist()),
                       tuple(clf.coef_[0].tolist()), float(clf.intercept_[0]))


def fit_trees(rows: Sequence[Row], depth: int = TREE_DEPTH, rounds: int = TREE_ROUNDS) -> ScorerModel:
    """Gradient-boosted trees (scikit-learn), exported node by node (threshold still to be chosen)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _xy(rows)
    clf = HistGradientBoostingClassifier(max_depth=depth, max_iter=rounds, learning_rate=TREE_LEARNING_RATE,
                                         random_state=0).fit(x, y)
    trees = []
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        trees.append(tuple(
            (int(n["feature_idx"]), float(n["num_threshold"]), -1 if n["is_leaf"] else int(n["left"]),
             -1 if n["is_leaf"] else int(n["right"]), float(n["value"]))
            for n in nodes))
    return ScorerModel(SIGNALS, 0.5, "trees", bias=float(np.ravel(clf._baseline_prediction)[0]), trees=tuple(trees))


def _xy(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([r.signals for r in rows], dtype=float), np.array([r.label for r in rows])


#: Half-width of the window the threshold's utility curve is averaged over.
SMOOTH_WINDOW = 0.05
#: Folds (over questions) of the cross-validation whose held-out probabilities set the threshold.
FOLDS = 5


def out_of_fold(rows: Sequence[Row], fit: Callable[[Sequence[Row]], ScorerModel]) -> list[float]:
    """Each row's probability from a model fitted without its question (FOLDS folds by question),
    so that the threshold is chosen on probabilities as a new question will get them."""
    qids = sorted({r.qid for r in rows})
    fold = {q: int(hashlib.sha1(q.encode()).hexdigest(), 16) % FOLDS for q in qids}
    probs = [0.0] * len(rows)
    for k in range(FOLDS):
        model = fit([r for r in rows if fold[r.qid] != k])
        for i, r in enumerate(rows):
            if fold[r.qid] == k:
                probs[i] = model.prob(r.signals)
    return probs


def _top(probs: Sequence[float], rows: Sequence[Row]) -> dict[str, tuple[float, int]]:
    best: dict[str, tuple[float, int]] = {}
    for p, r in zip(probs, rows):
        if r.qid not in best or p > best[r.qid][0]:
            best[r.qid] = (p, r.label)
    return best


def choose_threshold(probs: Sequence[float], rows: Sequence[Row], answerable: dict[str, int],
                     wrong_cost: float = WRONG_COST) -> tuple[float, dict[str, float]]:
    """The threshold maximising right − wrong_cost × wrong over each question's best row (by
    `probs`, one per row), with the counts at it. The curve is flat near its top and its argmax
    jumps from one fit to the next, so the utility is first averaged over a window of
    ±SMOOTH_WINDOW around each point of a 0.01 grid."""
    best = _top(probs, rows)

    def counts(t: float) -> tuple[int, int]:
        return (sum(1 for p, lab in best.values() if p >= t and lab),
                sum(1 for p, lab in best.values() if p >= t and not lab))

    grid = [round(0.2 + 0.01 * i, 2) for i in range(76)]  # 0.20 … 0.95
    utility = {t: r - wrong_cost * w for t, (r, w) in ((t, counts(t)) for t in grid)}
    k = round(SMOOTH_WINDOW / 0.01)
    smooth = {t: sum(utility[grid[j]] for j in range(max(0, i - k), min(len(grid), i + k + 1)))
              / (min(len(grid), i + k + 1) - max(0, i - k)) for i, t in enumerate(grid)}
    t = max(grid, key=lambda x: (smooth[x], -x))
    right, wrong = counts(t)
    n_ans = sum(answerable.values())
    return t, {"questions": len(answerable), "answerable": n_ans, "right": right, "wrong": wrong,
               "reachable": sum(1 for _, lab in best.values() if lab)}


def _bank(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    builtin: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    for f in sorted(folder.glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            d = json.loads(line)
            if "question" not in d or d.get("split") != "tune":
                continue
            (reports if str(d.get("doc", "")).startswith(REPORT_DOC_PREFIX) else builtin).append(d)
    return builtin, reports


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fit the answer scorer on the question bank's tune split.")
    ap.add_argument("--bank", type=Path, default=Path("eval/bank"))
    ap.add_argument("--index", type=Path, required=True, help="index of the built-in corpus")
    ap.add_argument("--reports-index", type=Path, required=True, help="index with the extra reports added")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    ap.add_argument("--kind", choices=("trees", "logistic"), default="trees")
    ap.add_argument("--wrong-cost", type=float, default=WRONG_COST)
    args = ap.parse_args(argv)
    builtin, reports = _bank(args.bank)
    rows: list[Row] = []
    answerable: dict[str, int] = {}
    for index, golds in ((args.index, builtin), (args.reports_index, reports)):
        svc = build_service(Settings(index_dir=index, scorer_path=""))
        svc.warm_up()
        r, a = collect(svc, golds)
        rows += r
        answerable |= a
    fit = fit_trees if args.kind == "trees" else fit_logistic
    t, counts = choose_threshold(out_of_fold(rows, fit), rows, answerable, args.wrong_cost)
    model = fit(rows)
    info = {"bank": str(args.bank), "split": "tune", "rows": len(rows), "positives": sum(r.label for r in rows),
            "wrong_cost": args.wrong_cost, **counts}
    model = replace(model, threshold=t, fitted_on=info)
    save_model(model, args.out)
    print(json.dumps({"kind": model.kind, "threshold": t, **info}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
