"""Building an index: corpus -> cleaned articles -> chunks -> embeddings + BM25 -> a new version."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import ChunkerSettings, chunk_articles, embedded_text, short_title
from .documents import Article, ArticleMeta, Chunk
from .embedding import Embedder
from .errors import CorpusError, IndexMismatchError, IndexMissingError
from .lexical import LexicalIndex
from .loaders import load_corpus
from .store import (
    ARTICLES,
    BM25,
    CHUNKS,
    FORMAT_VERSION,
    VECTORS,
    Manifest,
    build_lock,
    current_version,
    new_version_dir,
    publish,
    read_jsonl,
    write_jsonl,
)
from .vectors import VectorIndex

BuildProgress = Callable[[str, int, int], None]
"""Called with (stage, done, total); stages are "chunking", "embedding" and "writing"."""


CHUNKING_BATCH = 256
"""Articles chunked together: word pieces are counted in one tokenizer call per batch."""


@dataclass
class BuildReport:
    manifest: Manifest
    version_dir: Path
    warnings: list[str] = field(default_factory=list)
    embedded: int = 0
    """Passages embedded by this build."""
    reused: int = 0
    """Passages whose vectors came from the previous version (same text, model and chunker)."""
    added: int = 0
    changed: int = 0
    removed: int = 0
    """Articles, compared with the previous version."""


@dataclass
class PreviousVersion:
    """What a build can take from the version in use: vectors by embedded text, article digests."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    articles: dict[str, str] = field(default_factory=dict)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def article_digest(article: Article) -> str:
    meta = {k: v for k, v in article.meta.to_json().items() if k != "source_path"}
    return _digest(json.dumps(meta, sort_keys=True, ensure_ascii=False) + "\n" + article.text)


def previous_version(index_dir: Path, embedder: Embedder, settings: ChunkerSettings) -> PreviousVersion:
    """The current version's reusable parts; its vectors only if the same model and chunker made them."""
    try:
        version = current_version(index_dir)
        manifest = Manifest.read(version)
        records = read_jsonl(version / ARTICLES)
    except (IndexMissingError, IndexMismatchError, OSError, ValueError):
        return PreviousVersion()
    articles = {r["doc_id"]: article_digest(Article(ArticleMeta.from_json({k: v for k, v in r.items() if k != "text"}),
                                                    r["text"])) for r in records}
    same_embedding = (manifest.model == embedder.name and manifest.dimension == embedder.dimension
                      and manifest.chunker == settings.to_json())
    if not same_embedding:
        return PreviousVersion(articles=articles)
    try:
        chunks = read_jsonl(version / CHUNKS)
        stored = VectorIndex.load(version / VECTORS).all_vectors()
    except (OSError, ValueError, RuntimeError):
        return PreviousVersion(articles=articles)
    titles = {r["doc_id"]: short_title(r["title"], embedder) if settings.title_in_embedding else "" for r in records}
    vectors = {_digest(embedded_text(titles[c["doc_id"]], c["text"], settings)): stored[row]
               for row, c in enumerate(chunks) if row in stored}
    return PreviousVersion(vectors=vectors, articles=articles)


def corpus_fingerprint(articles: Sequence[Article]) -> str:
    """A digest of every article's id, metadata and text: equal fingerprints, equal corpora."""
    return _digest("\n".join(sorted(article_digest(article) for article in articles)))


def build_index(
    corpus_paths: Sequence[str | Path],
    index_dir: Path,
    embedder: Embedder,
    settings: ChunkerSettings = ChunkerSettings(),
    *,
    batch_size: int = 32,
    keep_versions: int = 3,
    progress: BuildProgress | None = None,
) -> BuildReport:
    """Build a complete new index version from the corpus and switch to it atomically."""
    started = time.perf_counter()
    with build_lock(index_dir):
        loaded = load_corpus(corpus_paths)
        if not loaded.articles:
            raise CorpusError(
                f"no articles found in {', '.join(map(str, corpus_paths))}",
                "add .txt, .md, .html or .jsonl files there, or point [corpus] paths or --corpus elsewhere",
            )
        chunks: list[Chunk] = []
        embed_texts: list[str] = []
        articles = loaded.articles
        for first in range(0, len(articles), CHUNKING_BATCH):
            batch = articles[first : first + CHUNKING_BATCH]
            for article, article_chunks in zip(batch, chunk_articles(batch, embedder, settings)):
                title = short_title(article.meta.title, embedder) if settings.title_in_embedding else ""
                chunks.extend(article_chunks)
                embed_texts.extend(embedded_text(title, chunk.text, settings) for chunk in article_chunks)
            if progress:
                progress("chunking", first + len(batch), len(articles))

        previous = previous_version(index_dir, embedder, settings)
        digests = [_digest(text) for text in embed_texts]
        vectors = np.zeros((len(embed_texts), embedder.dimension), dtype=np.float32)
        missing = []
        for row, digest in enumerate(digests):
            if digest in previous.vectors:
                vectors[row] = previous.vectors[digest]
            else:
                missing.append(row)
        if missing:
            vectors[missing] = embedder.embed(
                [embed_texts[row] for row in missing], batch_size=batch_size,
                progress=(lambda d, t: progress("embedding", d, t)) if progress else None,
            )

        version_dir = new_version_dir(index_dir)
        if progress:
            progress("writing", 0, 1)
        write_jsonl(version_dir / ARTICLES, ({**a.meta.to_json(), "text": a.text} for a in loaded.articles))
        write_jsonl(version_dir / CHUNKS, (chunk.to_json() for chunk in chunks))
        vector_index = VectorIndex(embedder.dimension)
        vector_index.add(np.arange(len(chunks)), vectors)
        vector_index.save(version_dir / VECTORS)
        LexicalIndex.build(embed_texts).save(version_dir / BM25)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            model=embedder.name,
            dimension=embedder.dimension,
            max_tokens=embedder.max_tokens,
            chunker=settings.to_json(),
            corpus_fingerprint=corpus_fingerprint(loaded.articles),
            corpus_paths=[str(p) for p in corpus_paths],
            articles=len(loaded.articles),
            chunks=len(chunks),
            built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        manifest.write(version_dir)
        final_dir = publish(index_dir, version_dir, keep=keep_versions)
        if progress:
            progress("writing", 1, 1)
    new_articles = {a.doc_id: article_digest(a) for a in loaded.articles}
    old_articles = previous.articles
    return BuildReport(
        manifest=manifest, version_dir=final_dir, warnings=loaded.warnings,
        embedded=len(missing), reused=len(chunks) - len(missing),
        added=len(new_articles.keys() - old_articles.keys()),
        changed=sum(1 for doc, digest in new_articles.items() if doc in old_articles and old_articles[doc] != digest),
        removed=len(old_articles.keys() - new_articles.keys()),
    )
