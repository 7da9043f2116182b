"""Dense vector search with FAISS. Takes vectors, never models.

Index type by corpus size (inner product on unit vectors == cosine):
- up to `FLAT_MAX` vectors: exact `IndexFlatIP` (a brute-force scan of 100k x 384 floats is a
  few ms; exact results, no training);
- above it: HNSW (`IndexHNSWFlat`, M=32, efSearch=128), which keeps recall@10 high at a
  million vectors while a query stays sub-millisecond-to-few-ms;
- `ivfpq` on request, for corpora whose raw vectors do not fit in memory.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["VectorIndex", "choose_index_type", "INDEX_TYPES"]

INDEX_TYPES = ("auto", "flat", "hnsw", "ivfpq")
FLAT_MAX = 200_000  # exact search stays under ~15 ms per query at 200k x 384 on 2 cores
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
IVF_NPROBE = 32


def choose_index_type(n: int, requested: str = "auto") -> str:
    """The FAISS index type for `n` vectors ('auto' picks by size)."""
    if requested not in INDEX_TYPES:
        raise InputError(f"faiss index type must be one of {INDEX_TYPES}. Currently, it is {requested!r}")
    if requested != "auto":
        return requested
    return "flat" if n <= FLAT_MAX else "hnsw"


class VectorIndex:
    """A FAISS index over row-aligned vectors (row i is chunk i)."""

    def __init__(self, index: object, kind: str) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> VectorIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        kind = choose_index_type(n, kind)
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            nlist = max(16, int(4 * np.sqrt(n)))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFPQ(quantizer, dim, nlist, max(1, dim // 8), 8, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors[np.random.default_rng(0).choice(n, min(n, 100_000), replace=False)])
        index.add(vectors)
        return cls(index, kind)

    def _tune(self) -> None:
        import faiss

        if self.kind == "hnsw":
            faiss.downcast_index(self._index).hnsw.efSearch = HNSW_EF_SEARCH
        elif self.kind == "ivfpq":
            faiss.extract_index_ivf(self._index).nprobe = IVF_NPROBE

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


def _mmap_flags(faiss: object, kind: str) -> int:
    """FAISS read flags that map the index file instead of copying it into private memory.

    `IO_FLAG_MMAP` maps only the inverted lists of IVF indexes (ivfpq); a flat or HNSW index read
    with it is still copied into each process's heap (measured with faiss-cpu 1.15: 100k x 384
    flat = 146 MiB of anonymous memory per worker). Those need `IO_FLAG_MMAP_IFC` (codes of
    IndexFlatCodes-derived indexes and the HNSW graph); FAISS refuses the two together for IVF.
    """
    if kind in ("flat", "hnsw") and hasattr(faiss, "IO_FLAG_MMAP_IFC"):
        return faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
    return faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY
