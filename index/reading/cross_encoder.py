"""A sentence-transformers CrossEncoder as the sentence reader (torch is imported when one is loaded, never before)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..embedding.base import hub_offline
from ..errors import ModelError

FIX = 'set [search] reader_model to the folder of a sentence-transformers CrossEncoder, or [search] reader = "answer-type"'
MAX_PAIR_TOKENS = 256
"""A question and one sentence are cut to this many word pieces: a sentence longer than that is no sentence."""


class CrossEncoderReader:
    def __init__(self, model: str, threshold: float, device: str = "cpu") -> None:
        check_cross_encoder_folder(Path(model))  # before PyTorch is loaded: seconds
        import transformers
        from sentence_transformers import CrossEncoder

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        self.name, self.threshold = f"cross-encoder {model}", threshold
        try:
            self._model = CrossEncoder(model, device=device, local_files_only=hub_offline(), max_length=MAX_PAIR_TOKENS)
        except Exception as error:  # a missing folder, damaged weights, a model of another kind: one fix for all
            raise ModelError(
                f"cannot load the reader model {model!r} ({type(error).__name__}: {str(error).splitlines()[0][:200]})",
                FIX,
            ) from error

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        predicted = self._model.predict(
            [(question, sentence) for sentence in sentences],
            batch_size=64,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [float(score) for score in predicted]


def check_cross_encoder_folder(folder: Path) -> None:
    """ModelError unless the folder holds a trained one-output sequence classifier (what a CrossEncoder saves):
    an embedding model's folder would load too, with a head of random weights, and score at random."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = "no such folder" if not folder.is_dir() else f"its config.json cannot be read: {type(error).__name__}"
        raise ModelError(f"cannot load the reader model {str(folder)!r} ({reason})", FIX) from None
    architectures = config.get("architectures") if isinstance(config, dict) else None
    if not isinstance(architectures, list) or not any(
        isinstance(a, str) and a.endswith("ForSequenceClassification") for a in architectures
    ):
        raise ModelError(
            f"the reader model {str(folder)!r} is not a CrossEncoder (no trained classification head: "
            "an embedding model would score at random)",
            FIX,
        )
    labels = config.get("id2label")
    outputs = len(labels) if isinstance(labels, dict) else config.get("num_labels", 2)
    if outputs != 1:
        raise ModelError(
            f"the reader model {str(folder)!r} gives {outputs} scores per pair, not one",
            "use a CrossEncoder with one output (a relevance or answer score)",
        )
