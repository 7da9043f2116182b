"""FAISS folder store vs Milvus (Lite) as the index backend: latency and one replica's memory.

    python bench/backends.py builtin          # the built-in corpus, real default embedder
    python bench/backends.py scale --n 100000 # synthetic passages, synthetic vectors (no embedding)

`builtin`: builds the FAISS index, copies it into a Milvus Lite file (`migrate_to_milvus`), then
asks the dev questions through a service on each backend (whole answer, `QAService.ask`), and
times retrieval alone (`hybrid_search` with the in-memory FAISS/BM25 against dense + BM25
searches served by Milvus, `MilvusRetriever`). `scale`: `n` synthetic passages (bench/synth.py
through bench/scale.py's synth_corpus) with clustered synthetic unit vectors (embedding 100k
passages on 2 cores would take most of an hour), written to Milvus; retrieval alone on each
side. RSS is VmRSS of this process before and after a replica loads (`/proc/self/status`).
Prints one JSON object; bench/RESULTS.md keeps the figures.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ms(xs: list[float]) -> dict[str, float]:
    a = np.asarray(xs) * 1000
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "mean": round(float(a.mean()), 2), "n": len(xs)}


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def fused(index, dense, bm, qv, toks, depth=30):  # type: ignore[no-untyped-def]
    """Retrieval alone as hybrid_search reads it: both rankings at `depth`, RRF-fused."""
    from cppcc_qa.search.retrieve import rrf_fuse

    _, d = dense.search(qv.reshape(1, -1), depth)
    _, b = bm.top(toks, depth)
    return sorted(rrf_fuse([([int(i) for i in d[0] if i >= 0], 1.0), ([int(i) for i in b], 1.0)], 60).items(),
                  key=lambda kv: -kv[1])[:5]


def cmd_builtin(work: Path) -> dict:
    from cppcc_qa.indexing.migrate import migrate_to_milvus
    from cppcc_qa.indexing.milvus_store import MilvusRetriever, MilvusStore, bm25_weights
    from cppcc_qa.service import build_service
    from cppcc_qa.settings import Settings
    from cppcc_qa.text.tokenize import tokenize

    shared = HERE.parent.parent / "shared" / "eval"
    questions = [json.loads(x)["question"] for f in ("dev_gold.jsonl", "dev_paraphrase.jsonl")
                 for x in (shared / f).read_text(encoding="utf-8").splitlines() if x.strip()]
    fs = Settings(index_dir=work / "index", data_dir=work / "data")
    faiss = build_service(fs)
    faiss.build()
    uri = str(work / "milvus.db")
    t = time.perf_counter()
    migrate_to_milvus(fs.index_dir, MilvusStore(uri, work / "index"))
    migrate_s = time.perf_counter() - t
    before = rss_mib()
    ms_ = fs.model_copy(update={"index_backend": "milvus", "milvus_uri": uri})
    milvus = build_service(ms_)
    milvus._embedder = faiss.embedder  # one model in memory for both
    t = time.perf_counter()
    milvus.load()
    load_s = time.perf_counter() - t
    replica_rss = rss_mib() - before
    out: dict = {"passages": len(faiss.chunks()), "questions": len(questions), "migrate_s": round(migrate_s, 2),
                 "milvus_replica_load_s": round(load_s, 2), "milvus_replica_rss_delta_mib": round(replica_rss, 1)}
    for name, svc in (("faiss", faiss), ("milvus", milvus)):
        svc.ask(questions[0])
        out[f"answer_{name}"] = ms([timed(svc.ask, q) for q in questions])
    idx = faiss.state().index
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    ret = MilvusRetriever(st, idx.version, bm25_weights(idx.bm25)[1])
    qvs = [faiss.query_vector(q) for q in questions]
    toks = [tokenize(q) for q in questions]
    for name, dense, bm in (("faiss", idx.vectors, idx.bm25), ("milvus_search", ret, ret)):
        out[f"retrieval_{name}"] = ms([timed(fused, idx, dense, bm, v, tk) for v, tk in zip(qvs, toks)])
    same = sum(fused(idx, idx.vectors, idx.bm25, v, tk)[0][0] == fused(idx, ret, ret, v, tk)[0][0]
               for v, tk in zip(qvs, toks))
    out["retrieval_same_top1"] = f"{same}/{len(questions)}"
    return out


def cmd_scale(work: Path, n: int) -> dict:
    from cppcc_qa.indexing.build import assemble_index
    from cppcc_qa.indexing.chunking import ChunkingConfig
    from cppcc_qa.indexing.embedders.hash_backend import HashEmbedder
    from cppcc_qa.indexing.milvus_store import MilvusRetriever, MilvusStore, bm25_weights
    from scale import SegmentTokenizer, synth_corpus
    from synth import clustered_unit_vectors

    t = time.perf_counter()
    docs, chunks = synth_corpus(n)
    tok = SegmentTokenizer()
    tokens = [tok(c.index_text()) for c in chunks]
    vecs = clustered_unit_vectors(n + 50, 384, seed=0)
    base, queries = vecs[:n], vecs[n:]
    data = assemble_index(docs, chunks, base, tokens, HashEmbedder(), ChunkingConfig(), "flat")
    prep_s = time.perf_counter() - t
    st = MilvusStore(str(work / "milvus.db"), work)
    t = time.perf_counter()
    st.write_collections(data, tokens)
    st.switch(data.version)
    write_s = time.perf_counter() - t
    rng = np.random.default_rng(0)
    qtoks = [tokens[i][: 8] for i in rng.choice(n, 50, replace=False)]
    before = rss_mib()
    ret = MilvusRetriever(st, data.version, bm25_weights(data.bm25)[1])
    search_rss = rss_mib() - before
    out: dict = {"passages": n, "prepare_s": round(prep_s, 1), "milvus_write_s": round(write_s, 1),
                 "vectors": "synthetic clustered unit vectors (bench/synth.py), 384-d"}
    for name, dense, bm in (("faiss", data.vectors, data.bm25), ("milvus_search", ret, ret)):
        fused(data, dense, bm, queries[0], qtoks[0])
        out[f"retrieval_{name}"] = ms([timed(fused, data, dense, bm, q, tk) for q, tk in zip(queries, qtoks)])
        out[f"dense_only_{name}"] = ms([timed(dense.search, q.reshape(1, -1), 30) for q in queries])
        out[f"bm25_only_{name}"] = ms([timed(bm.top, tk, 30) for tk in qtoks])
    out["milvus_search_client_rss_delta_mib"] = round(search_rss, 1)
    del data
    before = rss_mib()
    t = time.perf_counter()
    loaded = st.load("hash", ChunkingConfig(), st.current_version())  # noqa: F841
    out["milvus_replica_load_s"] = round(time.perf_counter() - t, 1)
    out["milvus_replica_rss_delta_mib"] = round(rss_mib() - before, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["builtin", "scale"])
    ap.add_argument("--n", type=int, default=100_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cppcc-backends-") as tmp:
        res = cmd_builtin(Path(tmp)) if a.what == "builtin" else cmd_scale(Path(tmp), a.n)
    print(json.dumps(res, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
