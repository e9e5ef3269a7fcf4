"""A deterministic embedder for fast tests: hashed bag of content words, word-and-punctuation tokens."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index import Embedder

TOKEN = re.compile(r"\w+|[^\w\s]")


class FakeEmbedder(Embedder):
    """Texts that share words get similar vectors; no model, no download."""

    def __init__(self, dimension: int = 256, max_tokens: int = 64, name: str = "fake-hash") -> None:
        self.name = name
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.batches = 0

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.batches += 1
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w{4,}", text.lower()):  # content words only
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                vectors[row, bucket % self.dimension] += 1.0
            vectors[row, -1] += 0.01  # never the zero vector
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(TOKEN.findall(text)) for text in texts]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return [match.span() for match in TOKEN.finditer(text)]
