"""A bounded load run against the HTTP API, on loopback only.

    .venv/bin/python bench/load.py                       # mixed ask / stream / verify / documents / passages, 3 minutes
    .venv/bin/python bench/load.py --only ask --seconds 60   # the /api/ask target (issue 3)

Starts its own server (uvicorn on 127.0.0.1, a free port, the rate limit raised so it cannot
trip), waits for /api/health, warms it up, then runs `--clients` closed-loop clients (threads with
one httpx connection each) until `--seconds` pass or `--max-requests` are sent, whichever first,
and stops the server. Requests: questions from the repo's gold set (answerable and not), as plain
JSON (`ask`), as server-sent events read to the last event (`stream`), and claims to /api/verify
(`verify`, only when /openapi.json has that route). Reports p50/p95 latency per kind, requests/s,
errors, and the server's RSS (VmRSS from /proc/<pid>/status) at start, middle and end; with
`--write`, appends the results to bench/LOAD.md with the date and the machine.

Targets checked: --only ask: >= 30 requests/s, no errors, p95 <= 250 ms; every run: RSS growth
from start to end <= RSS_BOUND_MIB.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "gold.jsonl"
LOAD_MD = ROOT / "bench" / "LOAD.md"
# The targets for /api/ask with 8 clients, and the memory bound for any run: a server
# that settled after warm-up should not grow by more than this over minutes of steady load.
TARGET_RPS = 30.0
TARGET_P95_MS = 250.0
RSS_BOUND_MIB = 50.0
WARM_UP_REQUESTS = 20
STARTUP_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 30.0
RSS_SAMPLE_S = 1.0
# The mix of the issue-10 rerun: asks (JSON and streamed), verifies, the report list and passages.
MIXED_WEIGHTS = {"ask": 0.35, "stream": 0.15, "verify": 0.2, "documents": 0.15, "passages": 0.15}


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "?")
    mem = next((int(ln.split()[1]) // 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {mem / 1024:.1f} GiB RAM, Linux {platform.release()}, Python {platform.python_version()}"


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0

    def take_ticket(self, limit: int) -> bool:
        with self.lock:
            if self.sent >= limit:
                return False
            self.sent += 1
            return True

    def record(self, kind: str, ms: float, error: str | None, version: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)
            if version:
                self.versions.add(version)
            if error:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{kind}: {error}")


class Server:
    """uvicorn running the app, started and stopped by this script (its own pid only)."""

    def __init__(self, port: int, env: dict[str, str], command: list[str] | None = None) -> None:
        """uvicorn on the app factory, or `command` (another way of serving it on `port`)."""
        self.port = port
        command = command or [
            sys.executable, "-m", "uvicorn", "cppcc_qa.api.app:app_from_env", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--no-access-log", "--no-proxy-headers"]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> dict:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}: {self.proc.stderr.read()[-2000:]}")
            try:
                r = httpx.get(f"{self.url}/api/health", timeout=5)
                if r.status_code == 200:
                    return r.json()
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit("server did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def verify_body(openapi: dict, claim: str) -> dict | None:
    """A request body for /api/verify built from its schema (None when there is no such route)."""
    op = openapi.get("paths", {}).get("/api/verify", {}).get("post")
    if op is None:
        return None
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    body: dict = {}
    for name in schema.get("required", []):
        prop = schema.get("properties", {}).get(name, {})
        if prop.get("type") == "array":
            body[name] = [claim]
        else:
            body[name] = claim
    return body


def client_loop(base: str, kinds: list[str], weights: list[float], questions: list[str], claims: list[str],
                openapi: dict, results: Results, stop_at: float, max_requests: int, seed: int,
                passages: list[str] | None = None) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        while time.monotonic() < stop_at and results.take_ticket(max_requests):
            kind = rng.choices(kinds, weights)[0]
            error, version = None, None
            t0 = time.perf_counter()
            try:
                if kind == "ask":
                    r = client.post("/api/ask", json={"question": rng.choice(questions)})
                    body = r.json()
                    version = body.get("index_version")
                    error = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:200]}"
                elif kind == "stream":
                    with client.stream("POST", "/api/ask", json={"question": rng.choice(questions), "stream": True}) as r:
                        text = "".join(r.iter_text())
                    if r.status_code != 200 or "event: done" not in text:
                        error = f"HTTP {r.status_code}, no done event: {text[:200]}"
                elif kind == "documents":
                    r = client.get("/api/documents")
                    error = None if r.status_code == 200 and r.json()["documents"] else f"HTTP {r.status_code}"
                elif kind == "passages":
                    r = client.get(f"/api/passages/{rng.choice(passages or ['none'])}")
                    error = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:200]}"
                else:
                    r = client.post("/api/verify", json=verify_body(openapi, rng.choice(claims)))
                    error = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:200]}"
                    if r.status_code == 200:
                        version = r.json().get("index_version")
            except (httpx.HTTPError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            results.record(kind, (time.perf_counter() - t0) * 1e3, error, version)


def run(args: argparse.Namespace) -> dict:
    gold = [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    questions = [g["question"] for g in gold]
    claims = [e for g in gold for e in g.get("evidence", [])] or questions
    data_dir = Path(tempfile.mkdtemp(prefix="cppcc-load-"))
    env = {**os.environ, "CPPCC_QA_RATE_LIMIT_PER_MINUTE": str(10**9), "CPPCC_QA_DATA_DIR": str(data_dir)}
    if args.index_dir:
        env["CPPCC_QA_INDEX_DIR"] = str(args.index_dir)
    if args.threads:
        env["CPPCC_QA_THREADS"] = str(args.threads)
    server = Server(free_port(), env)
    try:
        health = server.wait_ready()
        openapi = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
        has_verify = verify_body(openapi, "x") is not None
        if args.only:
            kinds = [args.only]
            if args.only == "verify" and not has_verify:
                raise SystemExit("/api/verify is not in /openapi.json")
        else:
            kinds = [k for k in MIXED_WEIGHTS if k != "verify" or has_verify]
        weights = [MIXED_WEIGHTS[k] for k in kinds]
        passages = sorted({c["passage_id"] for q in questions[:20] for c in httpx.post(
            f"{server.url}/api/ask", json={"question": q}, timeout=60).json().get("citations", [])})
        warm = Results()
        client_loop(server.url, kinds, weights, questions, claims, openapi, warm, time.monotonic() + 120,
                    WARM_UP_REQUESTS, seed=0, passages=passages)
        rss: list[tuple[float, float]] = []
        results = Results()
        t_start = time.monotonic()
        stop_at = t_start + args.seconds
        threads = [threading.Thread(target=client_loop, args=(server.url, kinds, weights, questions, claims, openapi,
                                                              results, stop_at, args.max_requests, i + 1,
                                                              passages))
                   for i in range(args.clients)]
        load_before = os.getloadavg()[0]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            rss.append((time.monotonic() - t_start, rss_mib(server.proc.pid)))
            if server.proc.poll() is not None:
                raise SystemExit(f"server died during the run: {server.proc.stderr.read()[-2000:]}")
            time.sleep(RSS_SAMPLE_S)
        elapsed = time.monotonic() - t_start
        rss.append((elapsed, rss_mib(server.proc.pid)))
    finally:
        server.stop()
    total = sum(len(v) for v in results.latencies.values())
    errors = sum(results.errors.values())
    middle = min(rss, key=lambda s: abs(s[0] - elapsed / 2))[1]
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "bench/load.py " + " ".join(sys.argv[1:]),
        "index_version": health.get("index_version"), "embedder": health.get("embedder"),
        "documents": health.get("documents"), "chunks": health.get("chunks"),
        "clients": args.clients, "seconds": round(elapsed, 1), "requests": total, "errors": errors,
        "requests_per_s": round(total / elapsed, 1), "load_avg_at_start": round(load_before, 2),
        "kinds": {k: {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1),
                      "max_ms": round(max(v), 1), "errors": results.errors.get(k, 0),
                      "per_s": round(len(v) / elapsed, 1)} for k, v in sorted(results.latencies.items())},
        "rss_mib": {"start": round(rss[0][1], 1), "middle": round(middle, 1), "end": round(rss[-1][1], 1),
                    "peak": round(max(r for _, r in rss), 1)},
        "error_samples": results.error_samples,
        "verify_route": has_verify,
        "versions_seen": sorted(results.versions),
    }
    growth = out["rss_mib"]["end"] - out["rss_mib"]["start"]
    checks = {f"RSS growth {growth:+.1f} MiB <= +{RSS_BOUND_MIB:.0f} MiB": growth <= RSS_BOUND_MIB,
              "no errors": errors == 0}
    if args.only == "ask":
        ask = out["kinds"]["ask"]
        checks[f"{out['requests_per_s']} req/s >= {TARGET_RPS:.0f}"] = out["requests_per_s"] >= TARGET_RPS
        checks[f"p95 {ask['p95_ms']} ms <= {TARGET_P95_MS:.0f} ms"] = ask["p95_ms"] <= TARGET_P95_MS
    out["checks"] = checks
    return out


def markdown(r: dict) -> str:
    lines = [f"## {r['date']} — `{r['command']}`", "",
             f"- machine: {r['machine']} (load average {r['load_avg_at_start']} when the run started)",
             f"- index {r['index_version']} ({r['embedder']}, {r['documents']} documents, {r['chunks']} chunks); "
             f"{r['clients']} clients for {r['seconds']} s; /api/verify {'included' if r['verify_route'] else 'absent (not run)'}",
             f"- **{r['requests']} requests, {r['requests_per_s']} req/s, {r['errors']} errors**",
             "", "| kind | requests | req/s | p50 ms | p95 ms | max ms | errors |", "|---|---:|---:|---:|---:|---:|---:|"]
    for k, v in r["kinds"].items():
        lines.append(f"| {k} | {v['n']} | {v['per_s']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} | {v['errors']} |")
    m = r["rss_mib"]
    lines += ["", f"- server RSS: start {m['start']} MiB, middle {m['middle']} MiB, end {m['end']} MiB, peak {m['peak']} MiB",
              "- checks: " + "; ".join(f"{name}: {'PASS' if ok else 'FAIL'}" for name, ok in r["checks"].items())]
    if r["error_samples"]:
        lines.append("- first errors: " + " / ".join(f"`{e[:160]}`" for e in r["error_samples"]))
    return "\n".join(lines) + "\n"


HEADER = """# Load runs (bench/load.py)

Each run starts its own server on 127.0.0.1 (rate limit raised so it cannot trip), warms it with
a few requests, then drives it with closed-loop clients for a fixed time. Latency is wall clock
per request as the client sees it (a streamed answer: until its last event). RSS is the server
process's VmRSS. Bound checked on every run: RSS growth from start to end <= +50 MiB. Target for
`--only ask`: >= 30 requests/s with 8 clients, no errors, p95 <= 250 ms.

"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=180.0, help="length of the load phase (default 180)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent closed-loop clients (default 8)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests")
    ap.add_argument("--only", choices=list(MIXED_WEIGHTS), help="one kind of request instead of the mix")
    ap.add_argument("--index-dir", type=Path, help="index folder (default: the server's default, ./index)")
    ap.add_argument("--threads", type=int, help="embedder threads per request in the server (CPPCC_QA_THREADS; "
                    "default: the server's setting, 2)")
    ap.add_argument("--write", action="store_true", help="append the results to bench/LOAD.md")
    args = ap.parse_args()
    if args.seconds <= 0 or args.clients <= 0 or args.max_requests <= 0:
        raise SystemExit("--seconds, --clients and --max-requests must be positive")
    result = run(args)
    text = markdown(result)
    print(text)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.write:
        if not LOAD_MD.exists():
            LOAD_MD.write_text(HEADER, encoding="utf-8")
        with LOAD_MD.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    sys.exit(0 if all(result["checks"].values()) else 1)


if __name__ == "__main__":
    main()
