"""Any sentence-transformers model, by name or folder, on any device PyTorch has (torch is imported
when one is loaded, never before)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import ModelError
from .base import BUNDLED_MODEL, Embedder, hub_offline, resolve_model_path


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, by name or path; "all-MiniLM-L6-v2" is the bundled copy."""

    def __init__(self, model: str = BUNDLED_MODEL, device: str = "cpu") -> None:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        self.name = model
        try:
            self._model = SentenceTransformer(resolve_model_path(model), device=device, local_files_only=hub_offline())
        except Exception as error:  # any failure to find or read the model reads the same to a user
            raise ModelError(
                f"cannot load the embedding model {model!r} ({type(error).__name__}: {str(error).splitlines()[0][:200]})",
                f"set [index] model to {BUNDLED_MODEL!r} (bundled) or to a sentence-transformers model folder on disk",
            ) from error
        dimension, max_tokens = self._model.get_embedding_dimension(), self._model.max_seq_length
        if dimension is None or max_tokens is None:
            raise ModelError(
                f"the embedding model {model!r} does not say its dimension or its input limit",
                "use a sentence-transformers model that does (any saved with a recent version)",
            )
        self.dimension, self.max_tokens = int(dimension), int(max_tokens)
        self._tokenizer = _plain_tokenizer(self._model.tokenizer)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        # The model's own preprocessing and forward pass, as `encode` does for one batch, without
        # its per-call bookkeeping: a third less time for a single question (same vectors).
        import torch

        features = self._model.preprocess(list(texts))
        features = {
            name: value.to(self._model.device) for name, value in features.items() if isinstance(value, torch.Tensor)
        }
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


def check_device(device: str) -> None:
    """ModelError naming [index] device when this machine lacks it (asked before any model is read)."""
    import torch

    kind = device.split(":", 1)[0]
    checks: dict[str, Callable[[], bool]] = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}
    available = checks.get(kind)
    if available is not None and not available():
        raise ModelError(
            f"[index] device is {device!r}, but this machine has no {kind} device that PyTorch can use",
            'set [index] device = "cpu" (or install a PyTorch build for that device)',
        )
