"""Finding passages: hybrid dense + BM25 retrieval fused by reciprocal rank, and the English
word → corpus term lexicon.

May import: indexing, ingest, text, records, errors, settings.
"""
