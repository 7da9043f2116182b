"""Building and keeping the index: chunking, the embedders (one module per backend), FAISS
vectors, BM25, the versioned on-disk store with its manifest and atomic swap, the library of
added reports.

May import: ingest, text, records, errors, settings.
"""
