"""Measuring retrieval: evaluation against judged question sets, synthetic corpora for benchmarks,
and what the PostgreSQL benchmarks need of a store (postgres_hooks.py)."""
