"""Fitting the answer scorer (answer/model.py) on the question bank.

Every question of the bank's `tune` split is asked of the index its `doc` needs (the built-in
corpus, or one with the extra reports added); every candidate clause the engine considers becomes
a row of signals (scoring.SIGNALS), labelled 1 when the words a reply would quote from it hold an
accepted answer (and no `wrong` string) in a passage holding the evidence — the referee's rule.
A logistic regression (scikit-learn) is fitted on the rows; the refusal threshold is then chosen
on the same questions to maximise right − `WRONG_COST` × wrong answers, so that a wrong answer
costs more than a refusal. The `holdout` split is never read here.

    python -m cppcc_qa.evaluation.fit --bank eval/bank --index index --reports-index /tmp/idx \\
        --out src/cppcc_qa/answer/scorer.json
"""
from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cppcc_qa.answer.model import DEFAULT_MODEL_PATH, ScorerModel, save_model
from cppcc_qa.answer.scoring import SIGNALS
from cppcc_qa.records import Turn
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

__all__ = ["Row", "collect", "fit_model", "choose_threshold", "main", "WRONG_COST"]

#: How many refusals one wrong answer is worth when the threshold is chosen.
WRONG_COST = 4.0
#: The documents asked of the index with the extra reports (a bank line's `doc`).
REPORT_DOC_PREFIX = "gwr"


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class Row:
    qid: str
    signals: tuple[float, ...]
    label: int
    words: str = ""  # what a reply would quote (for reading the errors)


def _label(words: str, passage: str, gold: dict[str, Any]) -> int:
    if not gold.get("answerable", True):
        return 0
    w, p = _norm(words), _norm(passage)
    if not any(_norm(a) in w for a in gold.get("answers", [])):
        return 0
    if any(_norm(x) in w for x in gold.get("wrong", [])):
        return 0
    ev = gold.get("evidence", [])
    return int(not ev or any(_norm(e) in p for e in ev))


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
        history = [Turn(t["question"], t.get("answer", "")) for t in gold.get("history", [])]
        parsed = service.parse(gold["question"], history, st)
        cands, hits, _ = composer.candidates(parsed, service.retrieve(parsed, st=st))
        for c in cands:
            words, _, _ = composer._span(c, composer.cfg.context_budget)
            rows.append(Row(qid, c.signals, _label(words, hits[c.hit_rank].chunk.text, gold), words))
    return rows, answerable


def fit_model(rows: Sequence[Row], c_reg: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardisation (mean, scale) and logistic weights and bias over the rows."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([r.signals for r in rows], dtype=float)
    y = np.array([r.label for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c_reg, max_iter=2000, class_weight="balanced")
    clf.fit((x - mean) / scale, y)
    return mean, scale, clf.coef_[0], float(clf.intercept_[0])


def _top(model: ScorerModel, rows: Sequence[Row]) -> dict[str, tuple[float, int]]:
    best: dict[str, tuple[float, int]] = {}
    for r in rows:
        p = model.prob(r.signals)
        if r.qid not in best or p > best[r.qid][0]:
            best[r.qid] = (p, r.label)
    return best


def choose_threshold(model: ScorerModel, rows: Sequence[Row], answerable: dict[str, int]) -> tuple[float, dict[str, float]]:
    """The threshold maximising right − WRONG_COST × wrong, with the counts at it."""
    best = _top(model, rows)
    grid = sorted({round(p, 3) for p, _ in best.values()} | {0.5})
    scored = []
    for t in grid:
        right = sum(1 for p, lab in best.values() if p >= t and lab)
        wrong = sum(1 for p, lab in best.values() if p >= t and not lab)
        scored.append((right - WRONG_COST * wrong, -t, t, right, wrong))
    _, _, t, right, wrong = max(scored)
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
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
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
    mean, scale, w, b = fit_model(rows, args.c)
    model = ScorerModel(SIGNALS, tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()), b, 0.5)
    t, counts = choose_threshold(model, rows, answerable)
    info = {"bank": str(args.bank), "split": "tune", "rows": len(rows), "positives": sum(r.label for r in rows),
            "wrong_cost": WRONG_COST, "c": args.c, **counts}
    model = ScorerModel(SIGNALS, model.mean, model.scale, model.weights, b, t, info)
    save_model(model, args.out)
    print(json.dumps({"threshold": t, **info, "weights": dict(zip(SIGNALS, (round(x, 3) for x in w)))},
                     ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
