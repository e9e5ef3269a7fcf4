"""Searching one index version, and deciding whether what it found answers.

news_index.py     NewsIndex: a version made from its parts (passages, vectors, BM25); search
fusion.py         the dense and BM25 rankings fused into one
vectors.py        FAISS over unit vectors
lexical.py        BM25 (bm25s) and the tokens both stores score with
filters.py        source:, since: and before: filters
spelling.py       spelling fixes from the corpus's own words
answerability.py  the answer decision and its calibration per corpus
"""
