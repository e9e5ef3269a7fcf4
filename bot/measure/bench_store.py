"""`newsbot bench-store`: the two stores at scale, on synthetic data (prints figures).

N passages with random unit vectors and generated text (words drawn from a Zipf law, ten passages
an article) are written as one version into PostgreSQL, the way a build stores one (COPY, then the
corpus's HNSW index), and into the FAISS index the file store keeps. Then the same questions (a
stored vector plus noise) are searched in each: latency p50/p99 of the 10 nearest, and the recall@10
of pgvector's HNSW against exact search (FAISS's flat index is exact).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np

from index import Article, ArticleMeta, ChunkerSettings, NewVersion, PostgresStore, percentile
from index.lexical import TermCounts
from index.reuse import StoredArticle
from index.store import FORMAT_VERSION, Manifest
from index.vectors import VectorIndex

from ..core.service import Newsbot, open_store

WORDS = 20_000
WORDS_PER_PASSAGE = 40
PASSAGES_PER_ARTICLE = 10


def synthetic_version(passages: int, dimension: int, seed: int = 7) -> NewVersion:
    """A version of `passages` passages: random unit vectors, and text of Zipf-drawn words."""
    import scipy.sparse

    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((passages, dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    word_ids = np.minimum(rng.zipf(1.3, size=(passages, WORDS_PER_PASSAGE)) - 1, WORDS - 1)
    counts = scipy.sparse.csr_matrix((np.ones(word_ids.size, dtype=np.float32),
                                      (np.repeat(np.arange(passages), WORDS_PER_PASSAGE), word_ids.ravel())),
                                     shape=(passages, WORDS))
    counts.sum_duplicates()
    terms = TermCounts(counts, {f"w{i}": i for i in range(WORDS)})
    chunk_lines, articles = [], {}
    for first in range(0, passages, PASSAGES_PER_ARTICLE):
        doc_id = f"a{first // PASSAGES_PER_ARTICLE:07d}"
        rows = range(first, min(first + PASSAGES_PER_ARTICLE, passages))
        texts = [" ".join(f"w{w}" for w in word_ids[row]) for row in rows]
        for number, text in enumerate(texts):
            chunk_lines.append(json.dumps({"chunk_id": f"{doc_id}#{number}", "doc_id": doc_id, "start": 0,
                                           "end": len(text), "text": text, "tokens": WORDS_PER_PASSAGE}).encode())
        record = {"doc_id": doc_id, "title": f"Article {doc_id}", "outlet": "Synthetic", "url": None, "date": None,
                  "byline": None, "source_path": None, "text": "\n".join(texts), "digest": doc_id, "passages": len(rows)}
        article = Article(ArticleMeta(doc_id, record["title"], "Synthetic"), record["text"])
        articles[doc_id] = StoredArticle(article, doc_id, json.dumps(record).encode(), rows)
    manifest = Manifest(format_version=FORMAT_VERSION, model=f"synthetic-{dimension}", dimension=dimension,
                        max_tokens=256, chunker=ChunkerSettings().to_json(), corpus_fingerprint="synthetic",
                        corpus_paths=[], articles=len(articles), chunks=passages,
                        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), build_seconds=0.0)
    return NewVersion(manifest, articles, chunk_lines, vectors, terms, {})


QUESTION_NOISE = 0.3
"""The length of the noise added to a stored vector to make a question (cosine about 0.96 to it)."""


def questions(vectors: np.ndarray, count: int, seed: int = 11) -> np.ndarray:
    """Stored vectors plus noise, normalised: each question has one passage clearly nearest."""
    rng = np.random.default_rng(seed)
    picked = vectors[rng.choice(len(vectors), size=count, replace=False)]
    noise = rng.standard_normal(picked.shape, dtype=np.float32)
    noisy = picked + noise / np.linalg.norm(noise, axis=1, keepdims=True) * QUESTION_NOISE
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def run_bench_store(app: Newsbot, passages: int, queries: int, dimension: int = 384, reuse: bool = False) -> None:
    from index.postgres_store import EF_SEARCH, PostgresVectors

    print(f"synthetic corpus: {passages:,} passages of {WORDS_PER_PASSAGE} words, {dimension}-dimensional unit vectors; "
          f"{queries} questions, 10 nearest each", flush=True)
    started = time.perf_counter()
    version = synthetic_version(passages, dimension)
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    asked = questions(version.vectors, queries)

    started = time.perf_counter()
    flat = VectorIndex(dimension)
    flat.add(np.arange(passages), version.vectors)
    faiss_insert = time.perf_counter() - started
    exact, faiss_times = [], []
    for question in asked:
        started = time.perf_counter()
        exact.append([row for row, _ in flat.search(question, 10)])
        faiss_times.append(1000 * (time.perf_counter() - started))
    print(f"faiss (flat, exact): inserted {passages / faiss_insert:,.0f} rows/s ({faiss_insert:.1f} s); query p50 "
          f"{percentile(faiss_times, 0.5):.1f} ms, p99 {percentile(faiss_times, 0.99):.1f} ms; recall@10 1.000", flush=True)

    store = open_store(dataclasses.replace(app.config.store, backend="postgres"), Path(f"bench-{passages}"))
    assert isinstance(store, PostgresStore)
    try:
        stored = store.read_manifest()
        if reuse and stored is not None and stored.chunks == passages and stored.model == version.manifest.model:
            print(f"postgres: reusing the corpus {store.corpus} an earlier run stored (its insert figures are that run's)")
        else:
            with store.lock():
                store.drop()  # from nothing, as a first build
                store.publish(version, keep=1)
            timings = store.last_publish
            print(f"postgres: inserted {passages / timings['insert']:,.0f} rows/s ({timings['insert']:.1f} s: passages, "
                  f"vectors and postings); HNSW index built in {timings['vector_index']:.1f} s", flush=True)
        ids = _ids_by_row(store, len(version.chunk_lines))
        for ef_search in (EF_SEARCH // 2, EF_SEARCH, EF_SEARCH * 2):  # newsbot searches with EF_SEARCH
            vectors = PostgresVectors(store, dimension, ef_search)
            found, times = [], []
            for question in asked:
                started = time.perf_counter()
                with store.snapshot():
                    found.append([row for row, _ in vectors.search(question, 10)])
                times.append(1000 * (time.perf_counter() - started))
            recall = np.mean([len({ids[row] for row in truth} & set(got)) / 10 for truth, got in zip(exact, found)])
            print(f"postgres (HNSW, ef_search {ef_search}): query p50 {percentile(times, 0.5):.1f} ms, p99 "
                  f"{percentile(times, 0.99):.1f} ms; recall@10 against exact search {recall:.3f}", flush=True)
    finally:
        store.close()


def _ids_by_row(store: PostgresStore, count: int) -> np.ndarray:
    """Passage ids in row order (a version's rows are stored in order under consecutive ids)."""
    with store.snapshot() as connection:
        row = connection.execute("SELECT min(id) FROM newsbot.passages WHERE corpus = %s AND removed_in IS NULL",
                                 (store.corpus,)).fetchone()
    assert row is not None
    return row[0] + np.arange(count)
