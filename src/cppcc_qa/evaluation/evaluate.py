"""Evaluation against gold Q&A, by the same rule as the referee's score.py, plus retrieval and
latency metrics. `evaluate()` runs the service; `score_case()` is the pure rule."""
from __future__ import annotations

import json
import statistics
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cppcc_qa.errors import InputError
from cppcc_qa.records import Answer

if TYPE_CHECKING:
    from cppcc_qa.service import QAService

__all__ = ["GoldCase", "CaseResult", "EvalResult", "load_gold", "evaluate", "score_case", "format_metrics", "write_report", "norm",
           "run_metadata", "METRIC_DEFINITIONS", "compute_metrics"]

MAX_ANSWER_CHARS = 300  # the referee's limit: a longer reply is a passage dump
UNSCORED_TYPES = frozenset({"derived"})  # arithmetic over several facts: reported, not scored
RETRIEVAL_DEPTH = 10


def norm(text: str) -> str:
    """The referee's comparison form: NFKC, no whitespace, lower case."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


@dataclass(frozen=True)
class GoldCase:
    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool
    type: str
    evidence: tuple[str, ...] = ()
    answers_all: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CaseResult:
    case: GoldCase
    answer: Answer
    correct: bool
    cited: bool | None  # None when not applicable (refused, or unanswerable)
    evidence_rank: int | None  # 1-based rank of the first retrieved passage holding the evidence
    latency_ms: float


@dataclass(frozen=True)
class EvalResult:
    results: tuple[CaseResult, ...]
    metrics: dict = field(default_factory=dict)


def load_gold(path: Path, split: str | None = None) -> list[GoldCase]:
    """Read a gold JSONL file (only the lines of `split`, "tune" or "holdout", when given: the
    bank's lines carry one); a malformed line is an InputError naming the line."""
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read gold file {path}: {exc}") from exc
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            g = json.loads(line)
            if split is not None and g.get("split") != split:
                continue
            cases.append(GoldCase(
                id=str(g.get("id", i)), question=g["question"], answers=tuple(g.get("answers") or ()),
                answerable=bool(g["answerable"]), type=g.get("type", "other"), evidence=tuple(g.get("evidence") or ()),
                answers_all=tuple(g.get("answers_all") or ()), wrong=tuple(g.get("wrong") or ()),
                history=tuple((h["question"], h.get("answer", "")) for h in g.get("history") or ()),
            ))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{i}: not a gold case ({exc})") from exc
    if not cases:
        raise InputError(f"{path} holds no gold cases" + (f" of split {split!r}" if split else ""))
    return cases


def score_case(case: GoldCase, resp: dict) -> tuple[bool, bool | None]:
    """(answer correct, citation holds evidence) by the referee's rule."""
    answer = norm(resp.get("answer", ""))
    if not case.answerable:
        return resp.get("answerable") is False, None
    ok = (
        resp.get("answerable") is True
        and len(resp.get("answer", "")) <= MAX_ANSWER_CHARS
        and any(norm(a) in answer for a in case.answers)
        and all(norm(a) in answer for a in case.answers_all)
        and not any(norm(w) in answer for w in case.wrong)
    )
    if resp.get("answerable") is not True:
        return ok, None
    texts = [norm(c.get("text", "")) + "\n" + norm(c.get("quote", "")) for c in resp.get("citations") or []]
    return ok, any(norm(e) in t for e in case.evidence for t in texts)


def _evidence_rank(svc: QAService, case: GoldCase) -> int | None:
    if not case.evidence:
        return None
    from cppcc_qa.records import Turn

    parsed = svc.parse(case.question, [Turn(q, a) for q, a in case.history])
    hits = svc.retrieve(parsed, top_k=RETRIEVAL_DEPTH)
    for rank, h in enumerate(hits, 1):
        if any(norm(e) in norm(h.chunk.text) for e in case.evidence):
            return rank
    return None


def _pct(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def evaluate(svc: QAService, cases: Sequence[GoldCase]) -> EvalResult:
    """Ask every gold question and compute the metrics."""
    from cppcc_qa.records import Turn

    results = []
    for case in cases:
        t = time.perf_counter()
        ans = svc.ask(case.question, [Turn(q, a) for q, a in case.history])
        latency = (time.perf_counter() - t) * 1e3
        ok, cited = score_case(case, ans.to_dict())
        results.append(CaseResult(case, ans, ok, cited, _evidence_rank(svc, case), latency))
    return EvalResult(tuple(results), compute_metrics(results))


def _ratio(k: int, n: int, empty: float) -> float:
    return round(k / n, 4) if n else empty


def _case_line(r: CaseResult) -> dict:
    return {"id": r.case.id, "type": r.case.type, "question": r.case.question, "answer": r.answer.answer,
            "answerable": r.answer.answerable, "want": list(r.case.answers[:1]), "correct": r.correct,
            "cited": r.cited, "evidence_rank": r.evidence_rank}


def compute_metrics(results: Sequence[CaseResult]) -> dict:
    """The metrics of `METRIC_DEFINITIONS`, each with its numerator and denominator. Derived cases
    (`UNSCORED_TYPES`) are listed apart under "derived" and count in no score (latency aside)."""
    derived = [r for r in results if r.case.type in UNSCORED_TYPES]
    kept = [r for r in results if r.case.type not in UNSCORED_TYPES]
    scored = [r for r in kept if r.case.answerable]
    unans = [r for r in kept if not r.case.answerable]
    answered = [r for r in scored if r.answer.answerable]
    with_ev = [r for r in scored if r.case.evidence]
    lat = [r.latency_ms for r in results]
    by_type: dict[str, list[CaseResult]] = defaultdict(list)
    for r in kept:
        by_type[r.case.type].append(r)
    lengths = sorted(len(r.answer.answer) for r in scored if r.answer.answerable)
    right = sum(r.correct for r in scored)
    cited = sum(bool(r.cited) for r in answered)
    refused = sum(r.correct for r in unans)
    at1 = sum(r.evidence_rank == 1 for r in with_ev)
    at5 = sum(r.evidence_rank is not None and r.evidence_rank <= 5 for r in with_ev)

    def block(rs: Sequence[CaseResult]) -> dict:
        a = [r for r in rs if r.case.answerable]
        u = [r for r in rs if not r.case.answerable]
        cited = [r for r in a if r.answer.answerable]
        ev = [r for r in a if r.case.evidence]
        return {
            "n": len(rs),
            "right": sum(r.correct for r in rs),
            "accuracy": round(sum(r.correct for r in rs) / len(rs), 4) if rs else None,
            "citation_accuracy": round(sum(bool(r.cited) for r in cited) / len(cited), 4) if cited else None,
            "refusal_rate": round(sum(r.correct for r in u) / len(u), 4) if u else None,
            "false_refusals": sum(not r.answer.answerable for r in a),
            "recall_at_1": round(sum(r.evidence_rank == 1 for r in ev) / len(ev), 4) if ev else None,
            "recall_at_5": round(sum(r.evidence_rank is not None and r.evidence_rank <= 5 for r in ev) / len(ev), 4) if ev else None,
            "latency_p50_ms": round(_pct([r.latency_ms for r in rs], 50), 2),
            "latency_p95_ms": round(_pct([r.latency_ms for r in rs], 95), 2),
        }

    return {
        "cases": len(results),
        "scored_cases": len(kept),
        "answer_accuracy": _ratio(right, len(scored), 0.0),
        "citation_accuracy": _ratio(cited, len(answered), 0.0),
        "refusal_rate": _ratio(refused, len(unans), 1.0),
        "false_refusals": sum(not r.answer.answerable for r in scored),
        # what the referee counts: right of the scored answerable cases, wrong = answered but not
        # right, plus unanswerable cases answered (a wrong answer is worse than a refusal)
        "right": right,
        "answerable": len(scored),
        "answered": len(answered),
        "cited": cited,
        "unanswerable": len(unans),
        "refused": refused,
        "wrong_answers": sum(1 for r in scored if r.answer.answerable and not r.correct)
        + sum(1 for r in unans if r.answer.answerable),
        "derived": {"n": len(derived), "right": sum(r.correct for r in derived),
                    "cases": [_case_line(r) for r in derived]},
        "with_evidence": len(with_ev),
        "recall_at_1_hits": at1,
        "recall_at_5_hits": at5,
        "recall_at_1": _ratio(at1, len(with_ev), 0.0),
        "recall_at_5": _ratio(at5, len(with_ev), 0.0),
        "mrr": round(statistics.fmean([1 / r.evidence_rank if r.evidence_rank else 0.0 for r in with_ev]), 4) if with_ev else 0.0,
        "latency_p50_ms": round(_pct(lat, 50), 2),
        "latency_p95_ms": round(_pct(lat, 95), 2),
        "answer_chars_median": lengths[len(lengths) // 2] if lengths else 0,
        "by_type": {t: block(rs) for t, rs in sorted(by_type.items())},
        "misses": [_case_line(r) for r in kept if not r.correct or r.cited is False],
    }


#: What each metric of the report means, in words (the report prints them under its figures).
METRIC_DEFINITIONS: dict[str, str] = {
    "answer accuracy": "right answers / answerable questions (derived questions excluded). An answer is right "
                       "when it is given (not refused), at most 300 characters, holds one of the gold answers "
                       "(and all of answers_all) and none of the known wrong ones, compared after NFKC, "
                       "without spaces, in lower case — the referee's rule.",
    "citation accuracy": "answers whose citations (passage text or quote) hold a gold evidence string / "
                         "answerable questions that were answered.",
    "refusal rate": "unanswerable questions refused / unanswerable questions.",
    "false refusals": "answerable questions the service refused.",
    "wrong answers": "answerable questions answered wrongly, plus unanswerable questions answered.",
    "recall@k": "answerable questions whose first passage holding a gold evidence string is among the top k "
                "retrieved / answerable questions that name evidence.",
    "MRR": "mean of 1/rank of that passage (0 when it is not in the top 10), over the same questions.",
    "latency": "wall time of one ask (question in, cited answer out) on this machine, all cases; p50 and p95.",
    "derived": "questions whose answer is computed from several facts (arithmetic): listed, never scored.",
}


def _of(k: int, n: int, value: float) -> str:
    """ "25/26 = 0.962": the numerator and denominator with the ratio."""
    return f"{k}/{n} = {value:.3f}" if n else f"{k}/0 (none)"


def format_metrics(m: dict) -> str:
    """A readable summary with each ratio's numerator and denominator (--json has everything)."""
    d = m["derived"]
    lines = [
        f"answer accuracy {_of(m['right'], m['answerable'], m['answer_accuracy'])}   "
        f"citation accuracy {_of(m['cited'], m['answered'], m['citation_accuracy'])}   "
        f"refusal rate {_of(m['refused'], m['unanswerable'], m['refusal_rate'])}",
        f"false refusals {m['false_refusals']}/{m['answerable']}   wrong answers {m['wrong_answers']}/"
        f"{m['answerable'] + m['unanswerable']}",
        f"retrieval recall@1 {_of(m['recall_at_1_hits'], m['with_evidence'], m['recall_at_1'])}   "
        f"recall@5 {_of(m['recall_at_5_hits'], m['with_evidence'], m['recall_at_5'])}   MRR {m['mrr']:.3f}",
        f"latency p50 {m['latency_p50_ms']:.1f} ms   p95 {m['latency_p95_ms']:.1f} ms   "
        f"median answer {m['answer_chars_median']} chars   cases {m['cases']} ({m['scored_cases']} scored)",
        "by type:",
    ]
    for t, b in m["by_type"].items():
        lines.append(f"  {t:<13} accuracy {_of(b['right'], b['n'], b['accuracy'] or 0.0)}  "
                     f"false refusals {b['false_refusals']}  p50 {b['latency_p50_ms']:.1f} ms")
    lines.append(f"derived (listed apart, not scored): {d['right']}/{d['n']} right")
    for x in d["cases"]:
        lines.append(f"  DERIVED {x['id']}: {x['question']} -> {x['answer'][:100]} (want {x['want']}, "
                     f"{'right' if x['correct'] else 'not right'})")
    for x in m["misses"]:
        lines.append(f"MISS {x['id']} ({x['type']}): {x['question']} -> {x['answer'][:100]} (want {x['want']}, rank {x['evidence_rank']})")
    return "\n".join(lines)


def run_metadata(gold: Path, svc: QAService, split: str | None = None, added: Sequence[Path] = ()) -> dict:
    """What a report must say to be read later: the gold file (and its sha256), the split, the
    index version and embedder, reports added, the date, the machine and its load while measured."""
    import datetime
    import hashlib
    import os
    import platform

    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not available on this platform
        load = None
    return {
        "gold": str(gold), "gold_sha256": hashlib.sha256(gold.read_bytes()).hexdigest(), "split": split,
        "index_version": svc.index_version, "embedder": svc.settings.embedder, "added": [str(p) for p in added],
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})",
        "load_average_1_5_15": load,
    }


def write_report(result: EvalResult, folder: Path, meta: dict | None = None) -> Path:
    """Markdown report: what was measured and where (`run_metadata`), each metric with its
    numerator and denominator and its definition, a per-type accuracy chart and a latency
    histogram, the derived cases apart and the misses."""
    from cppcc_qa.evaluation.plots import plot_latency, plot_types

    folder.mkdir(parents=True, exist_ok=True)
    m = result.metrics
    meta = meta or {}
    plot_types(m["by_type"], folder / "accuracy_by_type.png")
    plot_latency([r.latency_ms for r in result.results], folder / "latency.png")
    rows = [f"| {t} | {b['right']}/{b['n']} = {b['accuracy']:.3f} | {b['false_refusals']} | "
            f"{b['recall_at_5'] if b['recall_at_5'] is not None else '—'} |" for t, b in m["by_type"].items()]
    misses = [f"- **{x['id']}** ({x['type']}) {x['question']}\n  - returned: {x['answer']}\n  - wanted: {x['want']}, "
              f"cited evidence: {x['cited']}, evidence rank: {x['evidence_rank']}" for x in m["misses"]]
    derived = [f"- **{x['id']}** {x['question']}\n  - returned: {x['answer']}\n  - wanted: {x['want']}, "
               f"{'right' if x['correct'] else 'not right'}" for x in m["derived"]["cases"]]
    run = [f"- {k}: {v}" for k, v in meta.items()]
    text = "\n".join([
        "# Evaluation report", "", "## Run", "", *(run or ["- (not recorded)"]), "",
        "## Results", "",
        f"- answer accuracy **{_of(m['right'], m['answerable'], m['answer_accuracy'])}**",
        f"- citation accuracy **{_of(m['cited'], m['answered'], m['citation_accuracy'])}**",
        f"- refusal rate {_of(m['refused'], m['unanswerable'], m['refusal_rate'])}; false refusals "
        f"{m['false_refusals']}/{m['answerable']}; wrong answers {m['wrong_answers']}",
        f"- retrieval recall@1 {_of(m['recall_at_1_hits'], m['with_evidence'], m['recall_at_1'])}, recall@5 "
        f"{_of(m['recall_at_5_hits'], m['with_evidence'], m['recall_at_5'])}, MRR {m['mrr']:.3f}",
        f"- latency p50 {m['latency_p50_ms']:.1f} ms, p95 {m['latency_p95_ms']:.1f} ms over {m['cases']} cases; "
        f"median answer {m['answer_chars_median']} chars",
        "", "| type | accuracy | false refusals | recall@5 |", "|---|---|---|---|", *rows, "",
        "![Answer accuracy by question type](accuracy_by_type.png)", "", "![Answer latency](latency.png)", "",
        "## What the metrics mean", "", *(f"- **{k}**: {v}" for k, v in METRIC_DEFINITIONS.items()), "",
        f"## Derived questions (listed apart, not scored): {m['derived']['right']}/{m['derived']['n']} right", "",
        *(derived or ["none"]), "",
        "## Misses", "", *(misses or ["none"]), "",
    ])
    out = folder / "report.md"
    out.write_text(text, encoding="utf-8")
    (folder / "metrics.json").write_text(json.dumps({"run": meta, **m}, ensure_ascii=False, indent=2), encoding="utf-8")
    return out
