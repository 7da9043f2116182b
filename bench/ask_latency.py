"""Latency of `cppcc-qa ask --jsonl` (batch mode) on the built-in corpus.

    .venv/bin/python bench/ask_latency.py [--rounds 5] [--gold ../shared/eval/dev_gold.jsonl] [--index-dir DIR]

`--index-dir` times another index (e.g. one with the three dev reports added:
`cppcc-qa build --index-dir /tmp/r && cppcc-qa add ../shared/eval/reports --index-dir /tmp/r`,
then `--index-dir /tmp/r --gold ../shared/eval/dev_reports_gold.jsonl`).

Starts the batch command once (the model loads once), feeds it the gold questions `rounds` times,
and times each answer line as it arrives (wall clock per question, after the first answer, so
start-up is not counted). Also reports the service's own `timings_ms.total`. Needs a built index.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "eval" / "dev_gold.jsonl")
    ap.add_argument("--index-dir", type=Path, default=None)
    args = ap.parse_args()
    questions = [json.loads(x)["question"] for x in args.gold.read_text(encoding="utf-8").splitlines() if x.strip()]
    extra = ["--index-dir", str(args.index_dir)] if args.index_dir else []
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "cppcc-qa"), "ask", "--jsonl", *extra], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1)
    wall: list[float] = []
    inside: list[float] = []
    proc.stdin.write(json.dumps({"question": "预热"}, ensure_ascii=False) + "\n")
    proc.stdin.flush()
    proc.stdout.readline()  # the model and index are loaded once the first answer is out
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            proc.stdin.write(json.dumps({"question": q}, ensure_ascii=False) + "\n")
            proc.stdin.flush()
            resp = json.loads(proc.stdout.readline())
            wall.append((time.perf_counter() - t) * 1e3)
            inside.append(resp["timings_ms"]["total"])
    proc.stdin.close()
    proc.wait(timeout=60)
    print(f"machine: {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
          f"python {sys.version.split()[0]}")
    print(f"questions: {len(questions)} x {args.rounds} rounds = {len(wall)}")
    print(f"batch wall clock per question: p50 {statistics.median(wall):.1f} ms, p95 {pct(wall, 95):.1f} ms, max {max(wall):.1f} ms")
    print(f"service timings_ms.total:      p50 {statistics.median(inside):.1f} ms, p95 {pct(inside, 95):.1f} ms")


if __name__ == "__main__":
    main()
