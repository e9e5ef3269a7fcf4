"""Building an index: articles -> chunks -> embeddings + term counts -> a complete new version.

`build_index` reads the whole corpus (a reindex); `update_index` adds and removes articles given
by the caller, starting from the version in use, without reading the rest of the corpus again.
Both write a complete new version and switch to it atomically, and both reuse what the version in
use already holds (see `reuse.py` and `StoredVersion`): only new or changed articles are chunked, embedded and
tokenized.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .defaults import EMBEDDING_BATCH, VERSIONS_KEPT
from .documents import Article, Chunk
from .embedding.base import Embedder
from .errors import ConfigError, CorpusError, IndexMissingError
from .manifest import FORMAT_VERSION, Manifest
from .reuse import article_digest, article_record, text_digest
from .search.answerability import Calibration, calibrate
from .search.lexical import LexicalIndex, TermCounts
from .search.news_index import ChunkLines, NewsIndex
from .search.spelling import count_words
from .search.vectors import VectorIndex
from .stores import as_store
from .stores.base import (
    CurrentArticles,
    HeldLock,
    NewVersion,
    StoredArticle,
    StoredVersion,
    VersionChange,
    VersionStore,
)
from .text.chunking import ChunkerSettings, chunk_articles, embedded_text, short_title
from .text.loaders import load_corpus

BuildProgress = Callable[[str, int, int], None]
"""Called with (stage, done, total); stages are "chunking", "embedding" and "writing"."""


CHUNKING_BATCH = 256
"""Articles chunked together: word pieces are counted in one tokenizer call per batch."""


@dataclass
class BuildReport:
    manifest: Manifest
    version_name: str
    """The name of the version in use after the build (the one written, or the one kept)."""
    warnings: list[str] = field(default_factory=list)
    embedded: int = 0
    """Passages embedded by this build."""
    reused: int = 0
    """Passages whose vectors came from the previous version (same text and model)."""
    added: int = 0
    changed: int = 0
    removed: int = 0
    """Articles, compared with the previous version."""
    version: StoredVersion | None = field(default=None, repr=False)
    """The new version's contents, for the next build to start from without reading them back."""
    unchanged: bool = False
    """True when nothing had changed: no version was written, the one in use stays."""


@dataclass(frozen=True)
class BuildOptions:
    batch_size: int = EMBEDDING_BATCH
    keep_versions: int = VERSIONS_KEPT
    progress: BuildProgress | None = None


def corpus_fingerprint(articles: Sequence[Article]) -> str:
    """A digest of every article's id, metadata and text: equal fingerprints, equal corpora."""
    return _fingerprint(article_digest(article) for article in articles)


def _fingerprint(article_digests: Iterable[str]) -> str:
    return text_digest("\n".join(sorted(article_digests)))


def build_index(
    corpus_paths: Sequence[str | Path],
    index_dir: Path | VersionStore,
    embedder: Embedder,
    settings: ChunkerSettings = ChunkerSettings(),
    *,
    batch_size: int = EMBEDDING_BATCH,
    keep_versions: int = VERSIONS_KEPT,
    progress: BuildProgress | None = None,
    kept: StoredVersion | None = None,
    lock: HeldLock | None = None,
) -> BuildReport:
    """Build a complete new version from the whole corpus and switch to it atomically.

    `index_dir`: an index folder, or any store (`index.stores`).
    `lock`: the build lock, when the caller already holds it (see `VersionStore.lock`)."""
    started = time.perf_counter()
    store = as_store(index_dir)
    with store.lock(lock):
        loaded = load_corpus(corpus_paths)
        if not loaded.articles:
            raise ConfigError(  # the host's folders: a setting to fix, not an article
                f"no articles found in {', '.join(map(str, corpus_paths))}",
                "add .txt, .md, .html or .jsonl files there, or point [corpus] paths or --corpus elsewhere",
            )
        report = _write_version(
            store,
            loaded.articles,
            store.read_current(kept),
            embedder,
            settings,
            [str(p) for p in corpus_paths],
            BuildOptions(batch_size, keep_versions, progress),
            started,
        )
    report.warnings = loaded.warnings
    return report


def update_index(
    index_dir: Path | VersionStore,
    embedder: Embedder,
    settings: ChunkerSettings = ChunkerSettings(),
    *,
    add: Iterable[Article] = (),
    remove: Iterable[str] = (),
    batch_size: int = EMBEDDING_BATCH,
    keep_versions: int = VERSIONS_KEPT,
    progress: BuildProgress | None = None,
    kept: StoredVersion | None = None,
    lock: HeldLock | None = None,
) -> BuildReport:
    """A new version: the version in use without the `remove` ids, with the `add` articles."""
    started = time.perf_counter()
    add, remove = list(add), set(remove)
    store = as_store(index_dir)
    options = BuildOptions(batch_size, keep_versions, progress)
    with store.lock(lock):
        if store.takes_changes:
            current = store.read_articles(remove | {article.doc_id for article in add})
            if current is not None:
                _check_change(current.digests.keys(), add, remove)
                report = _write_change(store, current, add, remove, embedder, settings, options, started)
                if report is not None:
                    return report
        stored = store.read_current(kept)
        if stored is None:
            raise IndexMissingError(
                f"there is no readable index in {store.location} to change", "build one with `newsbot index build`"
            )
        _check_change(stored.articles.keys(), add, remove)
        articles = [s.article for doc_id, s in stored.articles.items() if doc_id not in remove] + add
        return _write_version(
            store,
            articles,
            stored,
            embedder,
            settings,
            stored.manifest.corpus_paths,
            options,
            started,
        )


def _check_change(in_use: Collection[str], add: list[Article], remove: set[str]) -> None:
    """CorpusError, naming the fix, for a change that removes an article the index lacks, adds one it
    holds, or leaves it empty."""
    unknown = sorted(remove - set(in_use))
    if unknown:
        raise CorpusError(f"no article {unknown[0]!r} in the index", "see `newsbot index dump --json` for the ids")
    clashing = [a.doc_id for a in add if a.doc_id in in_use and a.doc_id not in remove]
    if clashing:
        raise CorpusError(f"an article {clashing[0]!r} is already in the index", "remove it first, or rename the file")
    if len(in_use) - len(remove) + len(add) <= 0:
        raise CorpusError("that would leave the index with no articles", "add another article first")


def _write_change(
    store: VersionStore,
    current: CurrentArticles,
    add: list[Article],
    remove: set[str],
    embedder: Embedder,
    settings: ChunkerSettings,
    options: BuildOptions,
    started: float,
) -> BuildReport | None:
    """The change as a change (`VersionStore.publish_change`): only the articles it adds are chunked,
    embedded (a replaced article's unchanged passages keep their vectors) and written, and only those
    it removes are read. None when it cannot be one, before anything is embedded: another model or
    chunker made the version, it kept no word counts, or the change is too large for the answer
    calibration to carry over (the build then reads and measures the whole version)."""
    touched = current.touched
    calibration = Calibration.from_json(current.manifest.answerability)
    words = touched.word_counts()
    if calibration is None or words is None or not touched.same_passages(embedder, settings):
        return None
    digests = {article.doc_id: article_digest(article) for article in add}
    if remove == digests.keys() and all(
        current.digests[a.doc_id] == digests[a.doc_id] and touched.articles[a.doc_id].article.meta == a.meta
        for a in add
    ):
        return BuildReport(current.manifest, current.name, reused=current.passages, unchanged=True)
    chunks = _chunk(add, embedder, settings, options.progress)
    removed_rows = _concatenated([touched.articles[doc_id].rows for doc_id in sorted(remove)])
    changed = sum(len(article_chunks) for article_chunks in chunks) + len(removed_rows)
    carried = calibration.carried_over(changed)
    if carried is None:
        return None
    texts = {a.doc_id: _embedded_texts(a, article_chunks, embedder, settings) for a, article_chunks in zip(add, chunks)}
    vectors, embedded = _fresh_vectors(add, texts, touched, embedder, settings, options)
    chunk_lines: list[bytes] = []
    added: dict[str, StoredArticle] = {}
    for article, article_chunks in zip(add, chunks):
        rows = range(len(chunk_lines), len(chunk_lines) + len(article_chunks))
        chunk_lines.extend(_line(chunk.to_json()) for chunk in article_chunks)
        record = article_record(article, digests[article.doc_id], len(article_chunks))
        added[article.doc_id] = StoredArticle(article, digests[article.doc_id], _line(record), rows)
    terms = TermCounts.of([text for article in add for text in texts[article.doc_id]])
    counts = Counter(words)
    counts.subtract(count_words(touched.articles[doc_id].article.text for doc_id in remove))
    counts.update(count_words(article.text for article in add))
    after = {doc_id: digest for doc_id, digest in current.digests.items() if doc_id not in remove} | digests
    assert touched.terms is not None  # same_passages
    total_terms = current.total_terms - float(touched.terms.counts[removed_rows].sum()) + float(terms.counts.sum())
    changes = {
        "added": len(digests.keys() - remove),
        "changed": sum(1 for doc_id in digests.keys() & remove if current.digests[doc_id] != digests[doc_id]),
        "removed": len(remove - digests.keys()),
        "embedded": embedded,
        "reused": current.passages - len(removed_rows) + len(chunk_lines) - embedded,
    }
    manifest = dataclasses.replace(
        _manifest(embedder, settings, after.values(), current.manifest.corpus_paths, started),
        articles=len(after),
        chunks=current.passages - len(removed_rows) + len(chunk_lines),
        answerability=carried.to_json(),
        changes=changes,
    )
    change = VersionChange(
        current.name,
        manifest,
        sorted(remove),
        added,
        chunk_lines,
        vectors,
        terms,
        {word: count for word, count in counts.items() if count > 0},
        total_terms,
    )
    if options.progress:
        options.progress("writing", 0, 1)
    name = store.publish_change(change, keep=options.keep_versions)
    if options.progress:
        options.progress("writing", 1, 1)
    return BuildReport(
        manifest=manifest,
        version_name=name,
        added=changes["added"],
        changed=changes["changed"],
        removed=changes["removed"],
        embedded=changes["embedded"],
        reused=changes["reused"],
    )


def _write_version(
    store: VersionStore,
    articles: list[Article],
    stored: StoredVersion | None,
    embedder: Embedder,
    settings: ChunkerSettings,
    corpus_paths: list[str],
    options: BuildOptions,
    started: float,
) -> BuildReport:
    progress = options.progress
    old = stored.articles if stored else {}
    digests = [
        old[a.doc_id].digest if a.doc_id in old and old[a.doc_id].article == a else article_digest(a) for a in articles
    ]
    keeps = stored is not None and stored.same_passages(embedder, settings)
    kept = [keeps and a.doc_id in old and old[a.doc_id].digest == d for a, d in zip(articles, digests)]
    if (
        stored is not None
        and all(kept)
        and old.keys() == {a.doc_id for a in articles}
        and len(old) == len(articles)
        and all(old[a.doc_id].article.meta == a.meta for a in articles)
        and stored.manifest.corpus_paths == list(corpus_paths)
        and store.keeps_unchanged(stored)
    ):
        # Nothing changed: the version in use stays, and the versions kept before it are not pushed out.
        return BuildReport(
            manifest=stored.manifest,
            version_name=stored.name,
            version=stored,
            reused=len(stored.chunk_lines),
            unchanged=True,
        )

    fresh = [a for a, k in zip(articles, kept) if not k]
    fresh_chunks = _chunk(fresh, embedder, settings, progress)
    fresh_texts = {a.doc_id: _embedded_texts(a, chunks, embedder, settings) for a, chunks in zip(fresh, fresh_chunks)}
    fresh_vectors, embedded = _fresh_vectors(fresh, fresh_texts, stored, embedder, settings, options)

    # Rows of the new version, article by article: kept articles' rows come from the stored version.
    new_articles: dict[str, StoredArticle] = {}
    chunk_lines: list[bytes] = []
    kept_rows: list[range] = []
    kept_positions: list[range] = []
    fresh_row_texts: list[str] = []
    fresh_by_id = dict(zip((a.doc_id for a in fresh), fresh_chunks))
    for article, digest, is_kept in zip(articles, digests, kept):
        if is_kept:
            assert stored is not None  # articles are kept only from a stored version
            previous = old[article.doc_id]
            rows = range(len(chunk_lines), len(chunk_lines) + len(previous.rows))
            kept_positions.append(rows)
            kept_rows.append(previous.rows)
            chunk_lines.extend(stored.chunk_lines[previous.rows.start : previous.rows.stop])
            line = (
                previous.line
                if previous.article.meta == article.meta
                else _line(article_record(article, digest, len(previous.rows)))
            )
        else:
            chunks = fresh_by_id[article.doc_id]
            rows = range(len(chunk_lines), len(chunk_lines) + len(chunks))
            chunk_lines.extend(_line(chunk.to_json()) for chunk in chunks)
            fresh_row_texts.extend(fresh_texts[article.doc_id])
            line = _line(article_record(article, digest, len(chunks)))
        new_articles[article.doc_id] = StoredArticle(article, digest, line, rows)
    kept_from = _concatenated(kept_rows)
    kept_to = _concatenated(kept_positions)
    fresh_to = np.setdiff1d(np.arange(len(chunk_lines)), kept_to, assume_unique=True)

    vectors = np.empty((len(chunk_lines), embedder.dimension), dtype=np.float32)
    kept_terms = TermCounts.empty()
    if len(kept_from):
        assert stored is not None and stored.vectors is not None and stored.terms is not None  # same_passages
        vectors[kept_to] = stored.vectors[kept_from]
        kept_terms = stored.terms.take(kept_from)
    vectors[fresh_to] = fresh_vectors
    # Term counts: kept rows first, then fresh ones; then put into row order.
    terms = kept_terms.extended(fresh_row_texts)
    order = np.empty(len(chunk_lines), dtype=np.int64)
    order[kept_to] = np.arange(len(kept_to))
    order[fresh_to] = np.arange(len(kept_to), len(chunk_lines))
    terms = terms.take(order)

    if progress:
        progress("writing", 0, 1)
    vector_index = VectorIndex(embedder.dimension)
    vector_index.add(np.arange(len(chunk_lines)), vectors)
    lexical = LexicalIndex.from_counts(terms)
    words = _word_counts(articles, kept, stored)
    manifest = dataclasses.replace(
        _manifest(embedder, settings, digests, corpus_paths, started), articles=len(articles), chunks=len(chunk_lines)
    )
    searchable = NewsIndex(
        "(being built)",
        store.location,
        manifest,
        {a.doc_id: a.meta for a in articles},
        ChunkLines(chunk_lines),
        {doc_id: stored.rows for doc_id, stored in new_articles.items()},
        embedder,
        vectors=vector_index,
        lexical=lexical,
    )
    searchable.use_words(words)
    changed = len(fresh_to) + (stored.manifest.chunks - len(kept_from) if stored else 0)
    carried = Calibration.from_json(stored.manifest.answerability) if stored and keeps else None
    calibration = (carried and carried.carried_over(changed)) or calibrate(searchable)
    new = dict(zip((a.doc_id for a in articles), digests))
    changes = {
        "added": len(new.keys() - old.keys()),
        "changed": sum(1 for doc_id, digest in new.items() if doc_id in old and old[doc_id].digest != digest),
        "removed": len(old.keys() - new.keys()),
        "embedded": embedded,
        "reused": len(chunk_lines) - embedded,
    }
    manifest = dataclasses.replace(
        manifest,
        answerability=calibration.to_json(),
        changes=changes,
        build_seconds=round(time.perf_counter() - started, 3),
    )
    version = store.publish(
        NewVersion(manifest, new_articles, chunk_lines, vectors, terms, words, vector_index, lexical),
        keep=options.keep_versions,
    )
    if progress:
        progress("writing", 1, 1)
    return BuildReport(
        manifest=version.manifest,
        version_name=version.name,
        version=version,
        added=changes["added"],
        changed=changes["changed"],
        removed=changes["removed"],
        embedded=changes["embedded"],
        reused=changes["reused"],
    )


def _manifest(
    embedder: Embedder, settings: ChunkerSettings, digests: Iterable[str], corpus_paths: list[str], started: float
) -> Manifest:
    """A new version's manifest, its counts of articles and passages still to be set."""
    return Manifest(
        format_version=FORMAT_VERSION,
        model=embedder.name,
        dimension=embedder.dimension,
        max_tokens=embedder.max_tokens,
        chunker=settings.to_json(),
        corpus_fingerprint=_fingerprint(digests),
        corpus_paths=corpus_paths,
        articles=0,
        chunks=0,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
    )


def _word_counts(articles: list[Article], kept: list[bool], stored: StoredVersion | None) -> dict[str, int]:
    """The articles' word counts: the stored version's, less those of the articles it loses or
    changes, plus those of the new ones; counted afresh when it kept none."""
    previous = stored.word_counts() if stored else None
    if stored is None or previous is None:
        return dict(count_words(article.text for article in articles))
    counts = Counter(previous)
    staying = {article.doc_id for article, is_kept in zip(articles, kept) if is_kept}
    counts.subtract(count_words(old.article.text for doc_id, old in stored.articles.items() if doc_id not in staying))
    counts.update(count_words(article.text for article, is_kept in zip(articles, kept) if not is_kept))
    return {word: count for word, count in counts.items() if count > 0}


def _chunk(
    articles: list[Article], embedder: Embedder, settings: ChunkerSettings, progress: BuildProgress | None
) -> list[list[Chunk]]:
    chunks: list[list[Chunk]] = []
    for first in range(0, len(articles), CHUNKING_BATCH):
        batch = articles[first : first + CHUNKING_BATCH]
        chunks.extend(chunk_articles(batch, embedder, settings))
        if progress:
            progress("chunking", first + len(batch), len(articles))
    return chunks


def _embedded_texts(article: Article, chunks: list[Chunk], embedder: Embedder, settings: ChunkerSettings) -> list[str]:
    title = short_title(article.meta.title, embedder) if settings.title_in_embedding else ""
    return [embedded_text(title, chunk.text, settings) for chunk in chunks]


def _fresh_vectors(
    fresh: list[Article],
    texts: dict[str, list[str]],
    stored: StoredVersion | None,
    embedder: Embedder,
    settings: ChunkerSettings,
    options: BuildOptions,
) -> tuple[np.ndarray, int]:
    """Vectors for the passages of new and changed articles: a changed article's unchanged passages
    keep theirs; only the rest are embedded. Returns them in row order, and how many were embedded."""
    reusable: dict[str, int] = {}
    if stored is not None and stored.same_vectors(embedder):
        for article in fresh:
            previous = stored.articles.get(article.doc_id)
            if previous is None:
                continue
            title = short_title(previous.article.meta.title, embedder) if settings.title_in_embedding else ""
            for row, record in stored.chunk_records(article.doc_id):
                reusable[text_digest(embedded_text(title, record["text"], settings))] = row
    all_texts = [text for article in fresh for text in texts[article.doc_id]]
    vectors = np.zeros((len(all_texts), embedder.dimension), dtype=np.float32)
    missing: list[int] = []
    for position, text in enumerate(all_texts):
        reused_row = reusable.get(text_digest(text))
        if reused_row is None:
            missing.append(position)
        else:
            assert stored is not None and stored.vectors is not None  # rows are reusable only then
            vectors[position] = stored.vectors[reused_row]
    if missing:
        progress = options.progress
        vectors[missing] = embedder.embed(
            [all_texts[position] for position in missing],
            batch_size=options.batch_size,
            progress=(lambda done, total: progress("embedding", done, total)) if progress else None,
        )
    return vectors, len(missing)


def _concatenated(ranges: list[range]) -> np.ndarray:
    """The row numbers of consecutive runs, as one array (no Python loop over every row)."""
    if not ranges:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(r.start, r.stop, dtype=np.int64) for r in ranges])


def _line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode()
