"""Stage 2, the index: embedders.py (sentence-transformers, local weights only), store.py (Chroma vectors
and the SQLite passage table, the source of truth), keyword.py (BM25), ingest.py (incremental, by
content hash).
"""
