"""Dense vector search with FAISS. Takes vectors, never models.

Index type by corpus size (inner product on unit vectors == cosine):
- up to `FLAT_MAX` vectors: exact `IndexFlatIP` (a brute-force scan of 100k x 384 floats is a
  few ms; exact results, no training);
- above it: HNSW (`IndexHNSWFlat`, M=32, efConstruction=80, efSearch=512), which keeps recall@10
  against exact search at 0.97 at a million vectors while a query stays about a millisecond
  (bench/RESULTS.md, "Approximate search");
- `ivfpq` on request: IVF-PQ candidates re-ranked exactly (`IndexRefineFlat`, k_factor 64). Bare
  IVF-PQ on these embeddings reached recall@10 of only 0.24 at 1M (bench/RESULTS.md); with the
  exact re-ranking 0.9998 at ~1 ms and a faster build than HNSW, at the memory of a flat index.
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from cppcc_qa.errors import InputError

if TYPE_CHECKING:
    import faiss

__all__ = ["VectorIndex", "choose_index_type", "set_search_threads", "INDEX_TYPES"]

INDEX_TYPES = ("auto", "flat", "hnsw", "ivfpq")
FLAT_MAX = 200_000  # exact search stays under ~15 ms per query at 200k x 384 on 2 cores
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# efSearch 128 gave recall@10 0.85 at 1M (0.99 at 100k); 384 → 0.953, 512 → 0.971 at ~1 ms a
# query on one thread (bench/ann_sweep.py). efConstruction 160 reaches 0.976 with efSearch 256
# but doubles the build (108 s → 190 s at 1M on 2 cores), so the search side pays instead.
HNSW_EF_SEARCH = 512
IVF_NPROBE = 32
REFINE_K_FACTOR = 64  # ivfpq: exact re-ranking of k x this many PQ candidates


def choose_index_type(n: int, requested: str = "auto") -> str:
    """The FAISS index type for `n` vectors ('auto' picks by size)."""
    if requested not in INDEX_TYPES:
        raise InputError(f"faiss index type must be one of {INDEX_TYPES}. Currently, it is {requested!r}")
    if requested != "auto":
        return requested
    return "flat" if n <= FLAT_MAX else "hnsw"


class VectorIndex:
    """A FAISS index over row-aligned vectors (row i is chunk i)."""

    def __init__(self, index: faiss.Index, kind: str) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> VectorIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        kind = choose_index_type(n, kind)
        index: faiss.Index
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index = hnsw
        else:
            nlist = max(16, int(4 * np.sqrt(n)))
            quantizer = faiss.IndexFlatIP(dim)
            ivfpq = faiss.IndexIVFPQ(quantizer, dim, nlist, max(1, dim // 8), 8, faiss.METRIC_INNER_PRODUCT)
            ivfpq.train(vectors[np.random.default_rng(0).choice(n, min(n, 100_000), replace=False)])
            index = faiss.IndexRefineFlat(ivfpq)
        index.add(vectors)
        return cls(index, kind)

    def _tune(self) -> None:
        import faiss

        # faiss's stub types downcast_index as returning the base `Index`; at runtime it returns
        # the concrete subclass (IndexHNSWFlat / IndexRefineFlat), hence the `Any` handles.
        if self.kind == "hnsw":
            hnsw: Any = faiss.downcast_index(self._index)
            hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        elif self.kind == "ivfpq":
            refine: Any = faiss.downcast_index(self._index)
            refine.k_factor = REFINE_K_FACTOR
            faiss.extract_index_ivf(refine.base_index).nprobe = IVF_NPROBE

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for each query row; ids are -1 where fewer than k exist."""
        self._tune()
        k = max(1, min(k, len(self)))
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def stored_vectors(self) -> np.ndarray | None:
        """The vectors as added (row i is chunk i), read back with `reconstruct_n`; None for
        `ivfpq`, which keeps only lossy codes. Lets an update reuse them instead of re-embedding."""
        if self.kind not in ("flat", "hnsw"):
            return None
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str, mmap: bool = True) -> VectorIndex:
        """Load; memory-mapped where FAISS supports it, so worker processes share the pages."""
        import faiss

        flags = _mmap_flags(faiss, kind) if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:
            index = faiss.read_index(str(path))
        return cls(index, kind)


def _mmap_flags(faiss: ModuleType, kind: str) -> int:
    """FAISS read flags that map the index file instead of copying it into private memory.

    `IO_FLAG_MMAP` maps only the inverted lists of IVF indexes (ivfpq); a flat or HNSW index read
    with it is still copied into each process's heap (measured with faiss-cpu 1.15: 100k x 384
    flat = 146 MiB of anonymous memory per worker). Those need `IO_FLAG_MMAP_IFC` (codes of
    IndexFlatCodes-derived indexes and the HNSW graph); FAISS refuses the two together for IVF.
    """
    if kind in ("flat", "hnsw") and hasattr(faiss, "IO_FLAG_MMAP_IFC"):
        return faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
    return faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY


def set_search_threads(n: int) -> None:
    """FAISS's OpenMP threads for this process. Under concurrent requests one thread per search
    is faster than two fighting over two cores (bench/RESULTS.md)."""
    import faiss

    faiss.omp_set_num_threads(max(1, int(n)))
