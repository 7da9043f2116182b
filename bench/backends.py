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


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
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


def dev_questions() -> list[str]:
    """The questions of dev_gold and dev_paraphrase (../shared/eval beside the checkout)."""
    shared = HERE.parent.parent / "shared" / "eval"
    return [json.loads(x)["question"] for f in ("dev_gold.jsonl", "dev_paraphrase.jsonl")
            for x in (shared / f).read_text(encoding="utf-8").splitlines() if x.strip()]


def cmd_builtin(work: Path) -> dict:
    from cppcc_qa.indexing.migrate import migrate_to_milvus
    from cppcc_qa.indexing.milvus_store import MilvusRetriever, MilvusStore, bm25_weights
    from cppcc_qa.service import build_service
    from cppcc_qa.settings import Settings
    from cppcc_qa.text.tokenize import tokenize

    questions = dev_questions()
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


REPLICA_MODES = ("faiss", "milvus", "milvus_in_memory")


def _replica_settings(work: Path, mode: str, uri: str):  # type: ignore[no-untyped-def]
    from cppcc_qa.settings import Settings

    s = Settings(embedder="hash", index_dir=work / "faiss", lexicon_embedder="")
    if mode != "faiss":
        s = s.model_copy(update={"index_backend": "milvus", "milvus_uri": uri,
                                 "index_dir": work / "m", "milvus_in_memory": mode == "milvus_in_memory"})
    return s


def cmd_replica(work: Path, n: int) -> dict:
    """One replica process per mode over the same `n` passages: its start (open the current
    version), its memory after start and after the questions, and whole answers (`ask`)."""
    import subprocess

    from cppcc_qa.indexing.build import assemble_index
    from cppcc_qa.indexing.chunking import ChunkingConfig
    from cppcc_qa.indexing.embedders.hash_backend import HASH_DIM, HashEmbedder
    from cppcc_qa.indexing.store import write_index
    from scale import SegmentTokenizer, synth_corpus
    from synth import clustered_unit_vectors

    t = time.perf_counter()
    docs, chunks = synth_corpus(n)
    tok = SegmentTokenizer()
    tokens = [tok(c.index_text()) for c in chunks]
    # vectors of the hash embedder's dimension, so a service with it can serve them (the dense
    # side ranks arbitrary neighbours: this times the path, not its quality)
    vecs = clustered_unit_vectors(n, HASH_DIM, seed=0)
    data = assemble_index(docs, chunks, vecs, tokens, HashEmbedder(), ChunkingConfig(), "flat")
    out: dict = {"passages": n, "reports": len(docs), "prepare_s": round(time.perf_counter() - t, 1)}
    t = time.perf_counter()
    write_index(data, work / "faiss")
    out["faiss_write_s"] = round(time.perf_counter() - t, 1)
    del data, vecs, tokens, chunks
    # Milvus Lite runs inside the process that opens its file: a `milvus-lite server` process
    # holds it here, as a Milvus server would, so a replica's memory is its own
    import shutil
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or "milvus-lite"
    log = (work / "milvus.log").open("w")
    server = subprocess.Popen([exe, "server", "--data-dir", str(work / "milvus-data"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    try:
        _wait_for(uri, server)
        for mode in ("migrate", *REPLICA_MODES):
            res = subprocess.run([sys.executable, __file__, "child", "--mode", mode, "--work", str(work), "--uri", uri],
                                 capture_output=True, text=True)
            if res.returncode != 0:
                raise SystemExit(f"the {mode} replica failed:\n{res.stderr[-3000:]}")
            out[mode] = json.loads(res.stdout.strip().splitlines()[-1])
            out[mode]["milvus_server_rss_mib"] = round(rss_mib(server.pid), 1)
    finally:
        server.terminate()
        server.wait(30)
    return out


def _wait_for(uri: str, server) -> None:  # type: ignore[no-untyped-def]
    from pymilvus import MilvusClient

    deadline = time.monotonic() + 120
    while True:
        try:
            MilvusClient(uri).list_collections()
            return
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the milvus-lite server did not start") from None
            time.sleep(0.5)


def cmd_child(work: Path, mode: str, uri: str) -> dict:
    """A replica of `mode` over the index of `cmd_replica` (run in its own process), or with
    `migrate` the copy of its FAISS folder into Milvus Lite."""
    from cppcc_qa.service import build_service

    if mode == "migrate":
        from cppcc_qa.indexing.migrate import migrate_to_milvus
        from cppcc_qa.indexing.milvus_store import MilvusStore

        t = time.perf_counter()
        migrate_to_milvus(work / "faiss", MilvusStore(uri, work / "m"))
        return {"write_s": round(time.perf_counter() - t, 1)}

    base = rss_mib()
    svc = build_service(_replica_settings(work, mode, uri))
    t = time.perf_counter()
    svc.warm_up()
    out: dict = {"start_s": round(time.perf_counter() - t, 2), "rss_start_mib": round(rss_mib() - base, 1)}
    questions = dev_questions()
    svc.ask(questions[0])
    out["answer"] = ms([timed(svc.ask, q) for q in questions * 2])
    out["rss_after_mib"] = round(rss_mib() - base, 1)
    out["rss_process_mib"] = round(rss_mib(), 1)
    t = time.perf_counter()
    svc.figures()
    out["figures_table_s"] = round(time.perf_counter() - t, 1)
    out["rss_with_figures_mib"] = round(rss_mib() - base, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["builtin", "scale", "replica", "child"])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--mode", choices=("migrate", *REPLICA_MODES), default="milvus")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--uri", default="")
    a = ap.parse_args()
    if a.what == "child":
        print(json.dumps(cmd_child(a.work, a.mode, a.uri), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="cppcc-backends-") as tmp:
        cmds = {"builtin": lambda: cmd_builtin(Path(tmp)), "scale": lambda: cmd_scale(Path(tmp), a.n),
                "replica": lambda: cmd_replica(Path(tmp), a.n)}
        res = cmds[a.what]()
    print(json.dumps(res, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
