"""Embedding models: the base (`base.py`) and the one place that picks a backend (`load_embedder`).

onnx.py                    the bundled model as int8 ONNX (onnx_export.py makes it), no torch
sentence_transformers.py   any sentence-transformers model, any device
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError
from .base import BUNDLED_ALIASES, BUNDLED_MODEL, ONNX_SUFFIX, Embedder, hub_offline, resolve_model_path

RUNTIMES = ("auto", "onnx", "sentence-transformers")
"""How the model runs: "onnx" (int8, no torch; mean-pooling models on a CPU), "sentence-transformers"
(any model, any device), "auto" (onnx for the bundled model on a CPU, else sentence-transformers)."""


def chosen_runtime(model: str, runtime: str, device: str) -> str:
    if runtime == "auto":
        return "onnx" if model in BUNDLED_ALIASES and device == "cpu" else "sentence-transformers"
    return runtime


def embedder_name(model: str, runtime: str = "auto", device: str = "cpu") -> str:
    """The name an index records for vectors made by this model and runtime, known without loading it."""
    if chosen_runtime(model, runtime, device) == "onnx":
        return (BUNDLED_MODEL if model in BUNDLED_ALIASES else model) + ONNX_SUFFIX
    return model


def load_embedder(
    model: str, runtime: str = "auto", device: str = "cpu", cache_dir: Path = Path(".newsbot/models")
) -> Embedder:
    """The configured model, run the way `runtime` says (see RUNTIMES)."""
    if device != "cpu":
        from .sentence_transformers import check_device

        check_device(device)
    if chosen_runtime(model, runtime, device) == "sentence-transformers":
        from .sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model, device)
    if device != "cpu":
        raise ModelError(
            f"the onnx runtime runs on the CPU only, but [index] device is {device!r}",
            'set [index] runtime = "sentence-transformers" to use that device',
        )
    from .onnx import OnnxEmbedder
    from .onnx_export import cached_int8_model

    folder = Path(resolve_model_path(model))
    _check_mean_pooling(folder, model)
    return OnnxEmbedder(
        cached_int8_model(folder, cache_dir), embedder_name(model, runtime, device), max_tokens=_max_tokens(folder)
    )


def _check_mean_pooling(folder: Path, model: str) -> None:
    try:
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        pooling = {}
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ModelError(
            f"the onnx runtime supports mean-pooling sentence-transformers models on disk; {model!r} is not one",
            'set [index] runtime = "sentence-transformers" (or "auto")',
        )


def _max_tokens(folder: Path) -> int:
    try:
        return int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


__all__ = [
    "BUNDLED_MODEL",
    "ONNX_SUFFIX",
    "RUNTIMES",
    "Embedder",
    "chosen_runtime",
    "embedder_name",
    "hub_offline",
    "load_embedder",
    "resolve_model_path",
]
