"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused by weighted reciprocal rank.

RRF needs no score calibration between a cosine and a BM25 score; k=60 is the constant of
Cormack et al. (2009) that damps the head of each list (measured against k=10/30/100 on the dev
set: README). A question that names a committee keeps that committee's passages first.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from cppcc_qa.indexing.passages import ServedIndex
from cppcc_qa.records import Chunk, Hit

__all__ = ["FusionConfig", "hybrid_search", "rrf_fuse"]


@dataclass(frozen=True)
class FusionConfig:
    candidates: int = 30  # how deep each ranking is read before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0


def rrf_fuse(rankings: Sequence[tuple[Sequence[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of weight / (k + rank) over the rankings (rank from 1)."""
    fused: dict[int, float] = {}
    for ids, weight in rankings:
        for rank, i in enumerate(ids, start=1):
            fused[int(i)] = fused.get(int(i), 0.0) + weight / (k + rank)
    return fused


def hybrid_search(
    index: ServedIndex,
    query_vector: np.ndarray,
    query_tokens: Sequence[str],
    top_k: int,
    cfg: FusionConfig,
    committees: Sequence[str] = (),
    documents: Collection[str] = (),
    off_period: Callable[[Chunk], bool] | None = None,
) -> list[Hit]:
    """Top-k hits; with `committees`, passages of those committees rank before all others, and
    with `documents` (ids of the reports a question's year points to), passages of those; with
    `off_period`, passages it says speak of another period than the one asked come after the rest."""
    n = len(index.passages)
    if n == 0:
        return []
    depth = min(n, cfg.candidates if not (committees or documents) else cfg.candidates * 3)
    dense_scores, dense_ids = index.vectors.search(query_vector.reshape(1, -1), depth)
    dense = [int(i) for i in dense_ids[0] if i >= 0]
    cosine = {int(i): float(d) for i, d in zip(dense_ids[0], dense_scores[0]) if i >= 0}
    _, bm_ids = index.bm25.top(query_tokens, depth)
    bm = [int(i) for i in bm_ids]
    fused = rrf_fuse([(dense, cfg.dense_weight), (bm, cfg.bm25_weight)], cfg.rrf_k)
    dense_rank = {i: r for r, i in enumerate(dense, 1)}
    bm_rank = {i: r for r, i in enumerate(bm, 1)}
    wanted = set(committees)

    docs = set(documents)
    chunks = dict(zip(fused, index.passages.rows(list(fused))))  # one fetch for every candidate

    def key(i: int) -> tuple[int, int, int, float]:
        c = chunks[i]
        preferred = 0 if not wanted or c.committee in wanted else 1
        late = int(off_period(c)) if off_period is not None else 0
        return preferred, 0 if not docs or c.doc_id in docs else 1, late, -fused[i]

    order = sorted(fused, key=key)[:top_k]
    return [Hit(chunks[i], fused[i], dense_rank.get(i), bm_rank.get(i), cosine.get(i)) for i in order]
