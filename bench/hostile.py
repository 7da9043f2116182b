"""The probe's hostile requests against a real `cppcc-qa serve` on loopback, while normal
questions are timed (issue 10, "Work bounded by input size").

    .venv/bin/python bench/hostile.py --index-dir index            # all phases, 30 s each

Phases, each `--seconds` long, with `--normal-clients` closed-loop clients asking the gold set's
questions (their latency is what is reported):
  baseline  nothing else runs;
  probe     16 hostile clients at once send the probe's requests: a 1,000-character random question,
            and the same with 6 such history turns (now refused with 422 at once);
  largest   16 hostile clients send the largest requests the limits accept: a random question of
            max_question_chars in max_question_parts parts, after max_history_turns random turns of
            max_question_chars (trimmed to max_history_chars), so every step runs at its cap.
Before the phases, the worst accepted request is timed in-process on one thread (CPU time).
Target: normal p95 under 250 ms in the probe phase. Random text is drawn from the reports' own
characters (no dictionary word: the tagger's worst case). Stops the server it started (its pid).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import GOLD, ROOT, Server, free_port, machine, pct, rss_mib

TARGET_P95_MS = 250.0
HOSTILE_CLIENTS = 16
PROBE_CHARS = 1000  # the probe's question and history turns
REQUEST_TIMEOUT_S = 60.0


def random_text(rng: random.Random, chars: list[str], n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n - 3)) + "多少？"


def report_chars() -> list[str]:
    corpus = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.md")))
    return sorted({c for c in corpus if "\u4e00" <= c <= "\u9fff"})


def probe_body(rng: random.Random, chars: list[str]) -> dict:
    history = [] if rng.random() < 0.5 else [{"question": random_text(rng, chars, PROBE_CHARS), "answer": ""}
                                              for _ in range(6)]
    return {"question": random_text(rng, chars, PROBE_CHARS), "history": history}


def largest_body(rng: random.Random, chars: list[str], limits: dict) -> dict:
    q, parts, turns = limits["max_question_chars"], limits["max_question_parts"], limits["max_history_turns"]
    piece = q // parts
    question = "".join(random_text(rng, chars, piece) for _ in range(parts))  # each part ends in 多少？
    return {"question": question[:q],
            "history": [{"question": random_text(rng, chars, q), "answer": ""} for _ in range(turns)]}


def worst_in_process(index_dir: Path | None, chars: list[str], reps: int = 5) -> dict:
    """CPU ms of the largest accepted request, asked of the service directly on one thread."""
    from cppcc_qa.records import Turn
    from cppcc_qa.service import build_service
    from cppcc_qa.settings import Settings

    settings = Settings(threads=1, **({"index_dir": index_dir} if index_dir else {}))
    svc = build_service(settings)
    svc.warm_up()
    limits = settings.model_dump(include={"max_question_chars", "max_question_parts", "max_history_turns"})
    rng = random.Random(7)
    svc.ask("武威市政协委员参与诉前调解调结了多少件案件？")
    out = []
    for _ in range(reps):
        body = largest_body(rng, chars, limits)
        t0 = time.process_time()
        svc.ask(body["question"], [Turn(t["question"], "") for t in body["history"]])
        out.append((time.process_time() - t0) * 1e3)
    return {"reps": reps, "cpu_ms_max": round(max(out), 1), "cpu_ms_median": round(sorted(out)[reps // 2], 1)}


def serve(port: int, index_dir: Path | None) -> Server:
    """`cppcc-qa serve` on 127.0.0.1:`port` (rate limit raised so it cannot trip)."""
    env = {**os.environ, "CPPCC_QA_RATE_LIMIT_PER_MINUTE": str(10**9),
           "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [sys.executable, "-m", "cppcc_qa.cli.app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if index_dir:
        args += ["--index-dir", str(index_dir)]
    return Server(port, env, args)


def phase(url: str, seconds: float, normal_clients: int, questions: list[str], make_hostile) -> dict:
    """Run normal clients (timed) and, if `make_hostile`, HOSTILE_CLIENTS hostile ones for `seconds`."""
    stop_at = time.monotonic() + seconds
    normal: list[float] = []
    normal_codes: Counter = Counter()
    hostile: list[float] = []
    hostile_codes: Counter = Counter()
    lock = threading.Lock()

    def normal_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as c:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                try:
                    code = c.post("/api/ask", json={"question": rng.choice(questions)}).status_code
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                with lock:
                    normal.append((time.perf_counter() - t0) * 1e3)
                    normal_codes[code] += 1

    def hostile_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as c:
            while time.monotonic() < stop_at:
                body = make_hostile(rng)
                t0 = time.perf_counter()
                try:
                    code = c.post("/api/ask", json=body).status_code
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                with lock:
                    hostile.append((time.perf_counter() - t0) * 1e3)
                    hostile_codes[code] += 1

    threads = [threading.Thread(target=normal_loop, args=(i,)) for i in range(normal_clients)]
    if make_hostile is not None:
        threads += [threading.Thread(target=hostile_loop, args=(100 + i,)) for i in range(HOSTILE_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"normal": {"n": len(normal), "p50_ms": round(pct(normal, 50), 1), "p95_ms": round(pct(normal, 95), 1),
                      "max_ms": round(max(normal), 1) if normal else None, "codes": dict(normal_codes)}}
    if make_hostile is not None:
        out["hostile"] = {"n": len(hostile), "p50_ms": round(pct(hostile, 50), 1),
                          "p95_ms": round(pct(hostile, 95), 1), "codes": {str(k): v for k, v in hostile_codes.items()}}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each phase (default 30)")
    ap.add_argument("--normal-clients", type=int, default=2, help="closed-loop normal clients (default 2)")
    ap.add_argument("--index-dir", type=Path, help="index folder (default: the server's default)")
    ap.add_argument("--phases", nargs="+", default=["baseline", "probe", "largest"],
                    choices=["baseline", "probe", "largest"])
    args = ap.parse_args()
    questions = [json.loads(x)["question"] for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    chars = report_chars()
    result: dict = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                    "command": "bench/hostile.py " + " ".join(sys.argv[1:]),
                    "worst_accepted_in_process": worst_in_process(args.index_dir, chars)}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    server = serve(free_port(), args.index_dir)
    try:
        health = server.wait_ready()
        result["limits"] = health.get("limits")
        limits = httpx.get(f"{server.url}/api/health", timeout=5).json()["limits"]
        for _ in range(10):  # warm up
            httpx.post(f"{server.url}/api/ask", json={"question": questions[0]}, timeout=30)
        makers = {"baseline": None, "probe": lambda rng: probe_body(rng, chars),
                  "largest": lambda rng: largest_body(rng, chars, limits)}
        result["rss_mib_start"] = round(rss_mib(server.proc.pid), 1)
        for name in args.phases:
            load = os.getloadavg()[0]
            result[name] = {"load_avg_at_start": round(load, 2),
                            **phase(server.url, args.seconds, args.normal_clients, questions, makers[name])}
            print(name, json.dumps(result[name], ensure_ascii=False), flush=True)
        result["rss_mib_end"] = round(rss_mib(server.proc.pid), 1)
    finally:
        server.stop()
    if "probe" in result:
        p95 = result["probe"]["normal"]["p95_ms"]
        result["check"] = f"normal p95 {p95} ms while the probe's requests run <= {TARGET_P95_MS:.0f} ms: " + (
            "PASS" if p95 <= TARGET_P95_MS else "FAIL")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
