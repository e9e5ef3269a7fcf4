"""A sentence reader: a model that reads a question against a passage's sentences and scores how well each
answers it. The answer decision (search/answerability.py) asks one, when `[search] reader = "cross-encoder"`,
to keep only the passages with a sentence scoring at least its threshold, and to mark that sentence.

This module names no model or library; `index.reading.load_sentence_reader` is the one place that does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class SentenceReader(Protocol):
    name: str
    """What the reader is, for messages ("cross-encoder models/my-reader")."""
    threshold: float
    """The least score of a sentence that answers."""

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        """One score per sentence, higher for a sentence that answers the question."""
        ...
