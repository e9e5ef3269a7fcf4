"""PostgreSQL's own full text search in place of BM25, measured on a judged set (prints figures).

The PostgreSQL backend scores BM25 in SQL (index/stores/postgres/reads.py). This puts PostgreSQL's full
text search (`to_tsvector('english', ...)`, the question's words OR-ed, `ts_rank` normalised by
length) in BM25's place over the same passages, and runs `newsbot eval`'s measurement with each:
the figures in docs/deploying.md chose BM25.

    python -m bot.measure.fulltext --config CONFIG --corpus C --queries Q --qrels R

CONFIG must set [store] backend = "postgres"; the corpus's index is built or reused as `newsbot
eval` does. The full text vectors live in a temporary table, gone with the connection.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index import PostgresStore, SearchMode, evaluate, read_qrels, read_queries

from ..core.config import load_config
from ..core.service import Newsbot
from .evaluate import app_for_corpus, format_report


class FullTextLexical:
    """PostgreSQL full text over the passages in use, searched as `LexicalSearch` is."""

    def __init__(self, store: PostgresStore, bm25) -> None:
        self._store = store
        self._bm25 = bm25
        connection = store.connection()
        connection.execute(
            "CREATE TEMP TABLE IF NOT EXISTS fulltext AS SELECT id, "
            "to_tsvector('english', (chunk::json)->>'text') AS tsv FROM newsbot.passages "
            "WHERE corpus = %s AND removed_in IS NULL",
            (store.corpus,),
        )
        connection.execute("CREATE INDEX IF NOT EXISTS fulltext_tsv ON fulltext USING gin (tsv)")

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        rows = (
            self._store.connection()
            .execute(
                "WITH w AS (SELECT replace(plainto_tsquery('english', %s)::text, '&', '|')::tsquery AS q) "
                "SELECT id, ts_rank(tsv, w.q, 1) FROM fulltext, w WHERE tsv @@ w.q ORDER BY 2 DESC, id LIMIT %s",
                (query, k),
            )
            .fetchall()
        )
        return [(int(i), float(s)) for i, s in rows]

    def idfs(self, tokens: Sequence[str]) -> dict[str, float]:
        return self._bm25.idfs(tokens)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.measure.fulltext", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--qrels", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path(".newsbot/eval"))
    args = parser.parse_args(argv)
    app = Newsbot(load_config(args.config))
    try:
        corpus_app = app_for_corpus(app, [args.corpus], args.cache)
        index = corpus_app.index
        assert isinstance(corpus_app.store, PostgresStore), 'set [store] backend = "postgres" in the config'
        queries, qrels = read_queries(args.queries), read_qrels(args.qrels)
        modes: tuple[SearchMode, ...] = ("bm25", "hybrid")
        for mode in modes:
            print("BM25 in SQL:        " + format_report(evaluate(index, queries, qrels, mode)[0]), flush=True)
        vectors, bm25 = index.parts()
        index._lexical = FullTextLexical(corpus_app.store, bm25)
        for mode in modes:
            print("PostgreSQL full text: " + format_report(evaluate(index, queries, qrels, mode)[0]), flush=True)
        corpus_app.close()
    finally:
        app.close()


if __name__ == "__main__":
    main()
