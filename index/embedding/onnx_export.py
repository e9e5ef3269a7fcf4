"""An int8 ONNX copy of the bundled model, made once from its own weights and cached on disk.

The export runs PyTorch (the model's forward pass, mean pooling and normalisation traced into one
graph) and then quantises every MatMul's weights to int8, one scale per output channel (one scale
per tensor leaves the vectors at cosine 0.953 to the fp32 model's: too lossy). Against the fp32
model: mean cosine 0.993 over news passages, question-passage similarity off by 0.009 on average,
1.8x the speed of PyTorch, nDCG@10 (hybrid) 0.7270 / 0.6011 on SciFact / realtimeqa-dev against
0.7265 / 0.6009. Keeping the feed-forward output MatMuls in fp32 was closer (cosine 0.9965) but
slower (1.44x) and, by the luck of a few questions, 0.018 lower on realtimeqa-dev
(docs/performance.md). Only this step imports torch; `onnx.py` then needs only onnxruntime
and tokenizers.

The cache entry is named after the weights file (size and modification time) and EXPORT_VERSION,
and written to a temporary name then renamed: a crash or a second process never leaves half a
model under the final name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from ..errors import ModelError

log = logging.getLogger(__name__)

EXPORT_VERSION = 3
"""Bump when the export or the quantisation changes: older cache entries are then made again."""
OPSET = 17
MODEL_FILE = "model-int8.onnx"
TOKENIZER_FILE = "tokenizer.json"


def cached_int8_model(model_dir: Path, cache_dir: Path) -> Path:
    """The folder holding the int8 model and its tokenizer for `model_dir`, exported if not cached."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file() or not (model_dir / TOKENIZER_FILE).is_file():
        raise ModelError(
            f"the model folder {model_dir} has no model.safetensors or tokenizer.json to export",
            'set [index] runtime = "sentence-transformers" for this model',
        )
    stat = weights.stat()
    key = hashlib.sha256(f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}".encode()).hexdigest()
    target = cache_dir / f"{model_dir.name}-{key[:16]}"
    if (target / MODEL_FILE).is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    except OSError as error:
        raise ModelError(
            f"cannot write the model cache {cache_dir} ({error.strerror})",
            "set [index] model_cache to a folder you can write",
        ) from error
    try:
        log.info("making an int8 ONNX copy of the model in %s (once, about 10 s)", target)
        _export(model_dir, scratch / "model-fp32.onnx")
        _quantise(scratch / "model-fp32.onnx", scratch / MODEL_FILE)
        (scratch / "model-fp32.onnx").unlink()
        shutil.copyfile(model_dir / TOKENIZER_FILE, scratch / TOKENIZER_FILE)
        try:
            os.replace(scratch, target)
        except OSError:  # another process finished first: its copy is as good as ours
            if not (target / MODEL_FILE).is_file():
                raise
    except Exception as error:  # whatever breaks the export reads the same to a user, and has one fix
        raise ModelError(
            f"cannot make the int8 ONNX copy of {model_dir.name} ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:200] if str(error) else ''})",
            'set [index] runtime = "sentence-transformers" to run the model without it',
        ) from error
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _export(model_dir: Path, onnx_file: Path) -> None:
    """Trace transformer + mean pooling + normalisation into one ONNX graph with dynamic shapes."""
    import torch
    import transformers
    from transformers import AutoModel

    transformers.logging.disable_progress_bar()  # "Loading weights" would break the caller's progress line
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    example = torch.ones(2, 16, dtype=torch.long)
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constants
        torch.onnx.export(
            SentenceEmbedding(),
            (example, example, torch.zeros_like(example)),
            str(onnx_file),
            input_names=inputs,
            output_names=["sentence_embedding"],
            opset_version=OPSET,
            dynamo=False,
            dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in inputs}, "sentence_embedding": {0: "batch"}},
        )


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser suggests a pre-processing step on the root logger
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": 1},
        )  # 1 = float, for outputs shape inference misses
    finally:
        root.setLevel(level)
