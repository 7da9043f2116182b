"""How the approximate FAISS types trade recall@10 (against exact search) for speed, on the same
synthetic vectors as bench/scale.py: the evidence for the parameters in src/cppcc_qa/vectors.py.

    python bench/ann_sweep.py --n 1000000 --hnsw 32:80 32:160 --ivfpq 48 96

HNSW: one build per M:efConstruction, then efSearch varied. IVF-PQ: one build per number of
sub-quantisers (8 bits each, nlist as vectors.py picks it), then nprobe varied, without and with
an exact re-ranking of k_factor x 10 candidates (IndexRefineFlat). Builds use every core; the
timed searches run one query at a time on one thread, like `serve`. Writes
bench/results/ann-sweep-<n>.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale  # noqa: E402 - bench/scale.py

EF_SEARCH = (64, 128, 192, 256, 384, 512)
NPROBE = (16, 32, 64, 128)
REFINE = (4, 10)
TIMED = 200


def recall(truth: np.ndarray, found: np.ndarray) -> float:
    return round(float(np.mean([len(set(a) & set(b)) / truth.shape[1] for a, b in zip(truth, found)])), 4)


def one_by_one(index: object, q: np.ndarray) -> dict:
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    cpu = []
    for i in range(min(TIMED, len(q))):
        _, _, c = scale.timed(index.search, q[i : i + 1], 10)
        cpu.append(c)
    faiss.omp_set_num_threads(threads)
    return scale.summary(cpu)


def main() -> None:
    import faiss

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--hnsw", nargs="*", default=["32:80"], help="M:efConstruction pairs")
    p.add_argument("--ivfpq", nargs="*", type=int, default=[48], help="sub-quantiser counts (dim must divide)")
    p.add_argument("--ef-search", nargs="*", type=int, default=list(EF_SEARCH))
    p.add_argument("--nprobe", nargs="*", type=int, default=list(NPROBE))
    p.add_argument("--refine", nargs="*", type=int, default=list(REFINE), help="k_factors of exact re-ranking")
    p.add_argument("--tag", default="", help="suffix of the results file name")
    p.add_argument("--work", type=Path, default=scale.DEFAULT_WORK)
    a = p.parse_args()
    out = {"n": a.n, "date": time.strftime("%Y-%m-%d %H:%M"), "machine": scale.machine(),
           "command": scale.command_line(), "queries": scale.ANN_QUERIES, "loadavg_start": scale.loadavg(),
           "hnsw": [], "ivfpq": []}
    x, q = scale.synth_vectors(a.n, a.work)
    flat = faiss.IndexFlatIP(scale.DIM)
    flat.add(x)
    _, truth = flat.search(q, 10)
    del flat
    for spec in a.hnsw:
        m, efc = map(int, spec.split(":"))
        index = faiss.IndexHNSWFlat(scale.DIM, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = efc
        t0 = time.perf_counter()
        index.add(x)
        build = round(time.perf_counter() - t0, 1)
        for ef in a.ef_search:
            index.hnsw.efSearch = ef
            row = {"M": m, "efConstruction": efc, "build_s": build, "efSearch": ef,
                   "recall_at_10": recall(truth, index.search(q, 10)[1]), "search_cpu_ms": one_by_one(index, q)}
            out["hnsw"].append(row)
            print(json.dumps(row), flush=True)
        del index
    for m in a.ivfpq:
        nlist = max(16, int(4 * np.sqrt(a.n)))  # as vectors.VectorIndex.build
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(scale.DIM), scale.DIM, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        t0 = time.perf_counter()
        index.train(x[np.random.default_rng(0).choice(a.n, min(a.n, 100_000), replace=False)])
        index.add(x)
        build = round(time.perf_counter() - t0, 1)
        refined = faiss.IndexRefineFlat(index, faiss.swig_ptr(x))
        for nprobe in a.nprobe:
            index.nprobe = nprobe
            for kf in (None, *a.refine):
                target = index if kf is None else refined
                if kf is not None:
                    refined.k_factor = kf
                row = {"m": m, "nlist": nlist, "build_s": build, "nprobe": nprobe, "refine_k_factor": kf,
                       "recall_at_10": recall(truth, target.search(q, 10)[1]), "search_cpu_ms": one_by_one(target, q)}
                out["ivfpq"].append(row)
                print(json.dumps(row), flush=True)
        del refined, index
    out["loadavg_end"] = scale.loadavg()
    scale.RESULTS.mkdir(exist_ok=True)
    (scale.RESULTS / f"ann-sweep-{a.n}{a.tag}.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
