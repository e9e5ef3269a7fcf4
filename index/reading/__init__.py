"""Sentence readers: the base (`base.py`) and the one place that picks a backend (`load_sentence_reader`).

cross_encoder.py   a sentence-transformers CrossEncoder from a folder on disk (torch is imported then)
"""

from __future__ import annotations

from .base import SentenceReader


def load_sentence_reader(model: str, threshold: float, device: str = "cpu") -> SentenceReader:
    """The CrossEncoder in the folder `model` (a trained one-output classifier: ModelError otherwise), scoring
    with its own activation (a sigmoid for one label: 0 to 1), answering from `threshold` up."""
    from .cross_encoder import CrossEncoderReader

    return CrossEncoderReader(model, threshold, device)


__all__ = ["SentenceReader", "load_sentence_reader"]
