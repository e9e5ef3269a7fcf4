"""A sentence-transformers CrossEncoder as the sentence reader (torch is imported when one is loaded, never before)."""

from __future__ import annotations

from collections.abc import Sequence

from ..embedding.base import hub_offline
from ..errors import ModelError

MAX_PAIR_TOKENS = 256
"""A question and one sentence are cut to this many word pieces: a sentence longer than that is no sentence."""


class CrossEncoderReader:
    def __init__(self, model: str, threshold: float, device: str = "cpu") -> None:
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
                "set [search] reader_model to the folder of a sentence-transformers CrossEncoder, "
                'or [search] reader = "answer-type"',
            ) from error
        if self._model.num_labels != 1:
            raise ModelError(
                f"the reader model {model!r} gives {self._model.num_labels} scores per pair, not one",
                "use a CrossEncoder with one output (a relevance or answer score)",
            )

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
