"""`newsbot bench-store`: the two stores at scale, on synthetic data (prints figures).

N passages with random unit vectors and generated text (words drawn from a Zipf law, ten passages
an article) are written as one version into PostgreSQL, the way a build stores one (COPY, then the
corpus's HNSW index), and into the FAISS index the file store keeps. Then the same questions (a
stored vector plus noise) are searched in each: latency p50/p99 of the 10 nearest, and the recall@10
of pgvector's HNSW against exact search (FAISS's flat index is exact).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from index import (
    EF_SEARCH,
    PASSAGES_PER_ANSWER,
    SEARCH_CANDIDATES,
    ChunkerSettings,
    PostgresStore,
    SyntheticEmbedder,
    UsageError,
    drop_corpus,
    exact_neighbours,
    nearest_passages,
    percentile,
    synthetic_article,
    synthetic_question_texts,
    synthetic_questions,
    synthetic_version,
    update_index,
)

from ..core.service import Newsbot, database_url, store_for


def run_bench_store(
    app: Newsbot,
    passages: int,
    queries: int,
    dimension: int = 384,
    reuse: bool = False,
    keep: bool = False,
    clusters: int = 0,
) -> None:
    """`keep` leaves the corpus bench-N in the database for a later run with `reuse`, which searches it
    instead of storing it again."""
    database_url(app.config.store, "bench-store measures PostgreSQL")
    shape = f"around {clusters:,} centres" if clusters else "spread at random"
    print(
        f"synthetic corpus: {passages:,} passages of generated text, {dimension}-dimensional unit vectors {shape}; "
        f"{queries} questions, 10 nearest each",
        flush=True,
    )
    started = time.perf_counter()
    version = synthetic_version(passages, dimension, clusters=clusters)
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    asked = synthetic_questions(version.vectors, queries)

    exact, faiss_times, faiss_insert = exact_neighbours(version.vectors, asked, 10)
    print(
        f"faiss (flat, exact): inserted {passages / faiss_insert:,.0f} rows/s ({faiss_insert:.1f} s); query p50 "
        f"{percentile(faiss_times, 0.5):.1f} ms, p99 {percentile(faiss_times, 0.99):.1f} ms; recall@10 1.000",
        flush=True,
    )

    store = store_for(
        dataclasses.replace(app.config.store, backend="postgres"),
        Path(f"bench-{passages}" + (f"-{clusters}" if clusters else "")),
    )
    assert isinstance(store, PostgresStore)
    try:
        stored = store.read_manifest()
        if stored is not None and stored.model != version.manifest.model:  # a corpus of real articles
            raise UsageError(
                f"the database holds a corpus named {store.corpus} that bench-store did not make, and would drop it",
                "rename that index's folder, or run bench-store with another --passages or --clusters",
            )
        if reuse and stored is not None and stored.chunks == passages and stored.model == version.manifest.model:
            print(
                f"postgres: reusing the corpus {store.corpus} an earlier run stored (its insert figures are that run's)"
            )
        else:
            with store.lock():
                drop_corpus(store)  # from nothing, as a first build
                store.publish(version, keep=1)
            timings = store.last_publish
            print(
                f"postgres: inserted {passages / timings['insert']:,.0f} rows/s ({timings['insert']:.1f} s: passages "
                f"and vectors {timings.get('passages', 0):.1f} s, postings {timings.get('postings', 0):.1f} s of which "
                f"{timings.get('postings_indexes', 0):.1f} s building their indexes); HNSW index (m {store.graph.m}, "
                f"ef_construction {store.graph.ef_construction}) built in {timings['vector_index']:.1f} s",
                flush=True,
            )
        ids = _ids_by_row(store, len(version.chunk_lines))
        for ef_search in (EF_SEARCH // 2, EF_SEARCH, EF_SEARCH * 2):  # newsbot uses the middle one
            found, times = [], []
            for question in asked:
                started = time.perf_counter()
                found.append(nearest_passages(store, question, 10, ef_search))
                times.append(1000 * (time.perf_counter() - started))
            recall = np.mean([len({ids[row] for row in truth} & set(got)) / 10 for truth, got in zip(exact, found)])
            print(
                f"postgres (HNSW, ef_search {ef_search}): query p50 {percentile(times, 0.5):.1f} ms, p99 "
                f"{percentile(times, 0.99):.1f} ms; recall@10 against exact search {recall:.3f}",
                flush=True,
            )
        _hybrid_questions(store, asked, synthetic_question_texts(version, len(asked)))
        _one_article_changed(store)
        if keep or reuse:
            print(f"postgres: the corpus {store.corpus} stays in the database for --reuse")
        else:
            with store.lock():
                drop_corpus(store)
            print(f"postgres: dropped the corpus {store.corpus}")
    finally:
        store.close()


def _hybrid_questions(store: PostgresStore, vectors: np.ndarray, texts: list[str]) -> None:
    """The whole question as newsbot asks it (BM25, HNSW, fusion, passages fetched), and BM25 alone:
    first with the version's word postings not yet read (as after a change), then again."""
    manifest = store.read_manifest()
    assert manifest is not None
    index = store.open(SyntheticEmbedder(manifest))
    lexical = index.parts()[1]
    print(f"postgres: BM25 word postings cached up to {store.postings_cache.most_bytes / 2**20:,.0f} MB", flush=True)
    for label in ("words read from the database", "words cached"):
        whole, alone = [], []
        for vector, text in zip(vectors, texts):
            if label.startswith("words read"):
                store.postings_cache.forget()
            started = time.perf_counter()
            with index.reading():
                lexical.search(text, SEARCH_CANDIDATES)
            alone.append(1000 * (time.perf_counter() - started))
            if label.startswith("words read"):
                store.postings_cache.forget()
            started = time.perf_counter()
            index.search(text, k=PASSAGES_PER_ANSWER * 3, query_vector=vector)
            whole.append(1000 * (time.perf_counter() - started))
        print(
            f"postgres hybrid question ({label}): p50 {percentile(whole, 0.5):.1f} ms, p99 {percentile(whole, 0.99):.1f} "
            f"ms; BM25 alone p50 {percentile(alone, 0.5):.1f} ms, p99 {percentile(alone, 0.99):.1f} ms",
            flush=True,
        )


def _one_article_changed(store: PostgresStore) -> None:
    """One article added, then removed, by a process that did not make the version in use (a store
    of its own, nothing kept in memory), as a feed or /add changes a corpus."""
    manifest = store.read_manifest()
    assert manifest is not None
    article = synthetic_article("bench-change")
    size = 0
    for change in ("added", "removed"):
        other = PostgresStore(store.url, store.corpus)
        try:
            started = time.perf_counter()
            report = update_index(
                other,
                SyntheticEmbedder(manifest),
                ChunkerSettings(),
                add=[article] if change == "added" else [],
                remove=[article.doc_id] if change == "removed" else [],
            )
            took = time.perf_counter() - started
        finally:
            other.close()
        size = report.embedded if change == "added" else size
        print(
            f"postgres: one article of {size} passages {change} by another process: {took:.2f} s "
            f"({report.manifest.chunks:,} passages after)",
            flush=True,
        )


def _ids_by_row(store: PostgresStore, count: int) -> np.ndarray:
    """Passage ids in row order (a version's rows are stored in order under consecutive ids)."""
    with store.snapshot() as connection:
        row = connection.execute(
            "SELECT min(id) FROM newsbot.passages WHERE corpus = %s AND removed_in IS NULL", (store.corpus,)
        ).fetchone()
    assert row is not None
    return row[0] + np.arange(count)
