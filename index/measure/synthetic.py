"""Synthetic corpora for measuring stores at scale (`newsbot bench-store`): no model, no files.

Passages get random unit vectors and text of words drawn from a Zipf law, ten passages an article;
questions are stored vectors plus noise. `exact_neighbours` is the ground truth: FAISS's flat index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time

import numpy as np

from ..documents import Article, ArticleMeta
from ..embedding.base import Embedder
from ..manifest import FORMAT_VERSION, Manifest
from ..search.answerability import Calibration
from ..search.lexical import TermCounts
from ..search.vectors import VectorIndex
from ..stores.base import NewVersion, StoredArticle
from ..text.chunking import ChunkerSettings

WORD = re.compile(r"\S+")
WORDS = 20_000
WORDS_PER_PASSAGE = 40
SYNTHETIC_THRESHOLD = 0.6
"""The answer threshold a synthetic version records (nothing measures one on generated words)."""
PASSAGES_PER_ARTICLE = 10


def synthetic_version(passages: int, dimension: int, seed: int = 7, clusters: int = 0) -> NewVersion:
    """A version of `passages` passages: random unit vectors, and text of Zipf-drawn words.

    With `clusters`, the vectors gather around that many random centres (a passage about 0.7 in
    cosine from its centre), as embeddings of texts on a few thousand topics do."""
    import scipy.sparse

    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((passages, dimension), dtype=np.float32)
    if clusters:
        centres = rng.standard_normal((clusters, dimension), dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        vectors = centres[rng.integers(clusters, size=passages)] + vectors / np.sqrt(dimension, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    word_ids = np.minimum(rng.zipf(1.3, size=(passages, WORDS_PER_PASSAGE)) - 1, WORDS - 1)
    counts = scipy.sparse.csr_matrix(
        (
            np.ones(word_ids.size, dtype=np.float32),
            (np.repeat(np.arange(passages), WORDS_PER_PASSAGE), word_ids.ravel()),
        ),
        shape=(passages, WORDS),
    )
    counts.sum_duplicates()
    terms = TermCounts(counts, {f"w{i}": i for i in range(WORDS)})
    chunk_lines, articles = [], {}
    for first in range(0, passages, PASSAGES_PER_ARTICLE):
        doc_id = f"a{first // PASSAGES_PER_ARTICLE:07d}"
        rows = range(first, min(first + PASSAGES_PER_ARTICLE, passages))
        texts = [" ".join(f"w{w}" for w in word_ids[row]) for row in rows]
        for number, text in enumerate(texts):
            chunk_lines.append(
                json.dumps(
                    {
                        "chunk_id": f"{doc_id}#{number}",
                        "doc_id": doc_id,
                        "start": 0,
                        "end": len(text),
                        "text": text,
                        "tokens": WORDS_PER_PASSAGE,
                    }
                ).encode()
            )
        record = {
            "doc_id": doc_id,
            "title": f"Article {doc_id}",
            "outlet": "Synthetic",
            "url": None,
            "date": None,
            "byline": None,
            "source_path": None,
            "text": "\n".join(texts),
            "digest": doc_id,
            "passages": len(rows),
        }
        article = Article(ArticleMeta(doc_id, f"Article {doc_id}", "Synthetic"), "\n".join(texts))
        articles[doc_id] = StoredArticle(article, doc_id, json.dumps(record).encode(), rows)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=f"synthetic-{dimension}" + (f"-{clusters}-clusters" if clusters else ""),
        dimension=dimension,
        max_tokens=256,
        chunker=ChunkerSettings().to_json(),
        corpus_fingerprint="synthetic",
        corpus_paths=[],
        articles=len(articles),
        chunks=passages,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=0.0,
        answerability=Calibration(SYNTHETIC_THRESHOLD, passages=passages).to_json(),  # carried by a small change
    )
    return NewVersion(manifest, articles, chunk_lines, vectors, terms, {})


QUESTION_NOISE = 0.3
"""The length of the noise added to a stored vector to make a question (cosine about 0.96 to it)."""


def synthetic_questions(vectors: np.ndarray, count: int, seed: int = 11) -> np.ndarray:
    """Stored vectors plus noise, normalised: each question has one passage clearly nearest."""
    rng = np.random.default_rng(seed)
    picked = vectors[rng.choice(len(vectors), size=count, replace=False)]
    noise = rng.standard_normal(picked.shape, dtype=np.float32)
    noisy = picked + noise / np.linalg.norm(noise, axis=1, keepdims=True) * QUESTION_NOISE
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def synthetic_question_texts(version: NewVersion, count: int, words: int = 6, seed: int = 13) -> list[str]:
    """Questions in words: `words` words of a random passage each (drawn from the same Zipf law, so
    most questions hold a few words nearly every passage has)."""
    rng = np.random.default_rng(seed)
    texts = []
    for row in rng.choice(len(version.chunk_lines), size=count, replace=False):
        said = json.loads(version.chunk_lines[row])["text"].split()
        texts.append(" ".join(rng.choice(said, size=min(words, len(said)), replace=False)))
    return texts


class SyntheticEmbedder(Embedder):
    """Stands for the model of a synthetic version: a text's vector is a random unit vector seeded by
    the text (questions come with their own vectors); word pieces are words."""

    max_tokens = 256

    def __init__(self, manifest: Manifest) -> None:
        self.name = manifest.model
        self.dimension = manifest.dimension

    def embed_batch(self, texts):
        vectors = np.vstack(
            [
                np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little"))
                .standard_normal(self.dimension)
                .astype(np.float32)
                for text in texts
            ]
        )
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, texts):
        return [len(WORD.findall(text)) for text in texts]

    def token_offsets(self, text):
        return [match.span() for match in WORD.finditer(text)]


def synthetic_article(doc_id: str, passages: int = PASSAGES_PER_ARTICLE, seed: int = 17) -> Article:
    """One more article of Zipf-drawn words, about `passages` passages long (a change to measure)."""
    rng = np.random.default_rng(seed)
    words = np.minimum(rng.zipf(1.3, size=passages * WORDS_PER_PASSAGE * 2) - 1, WORDS - 1)
    paragraphs = [
        " ".join(f"w{w}" for w in words[first : first + WORDS_PER_PASSAGE]) + "."
        for first in range(0, len(words), WORDS_PER_PASSAGE)
    ]
    return Article(ArticleMeta(doc_id, f"Article {doc_id}", "Synthetic"), "\n\n".join(paragraphs))


def exact_neighbours(vectors: np.ndarray, asked: np.ndarray, k: int) -> tuple[list[list[int]], list[float], float]:
    """The k nearest rows of each question by exact search (FAISS flat): the rows, each search's
    milliseconds, and the seconds adding the vectors took."""
    started = time.perf_counter()
    flat = VectorIndex(vectors.shape[1])
    flat.add(np.arange(len(vectors)), vectors)
    inserted = time.perf_counter() - started
    found, times = [], []
    for question in asked:
        started = time.perf_counter()
        found.append([row for row, _ in flat.search(question, k)])
        times.append(1000 * (time.perf_counter() - started))
    return found, times, inserted
