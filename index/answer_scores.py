"""The score the abstention decision rests on, shared by the answer builder and calibration.

Cosine similarity alone cannot tell a passage that answers a question from one on the same topic:
"How much rice did China send to North Korea?" is as close to the seed passage on Russian flour
as the question that passage answers. So the score adds how much of the question's wording
(IDF-weighted, stemmed) the passage and its title contain:

    answer score = similarity + COVERAGE_WEIGHT x term coverage

The weight and `[search] min_answer_score` were chosen with `newsbot calibrate` (docs/quality.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from .documents import Hit
from .search import NewsIndex

COVERAGE_WEIGHT = 0.5


def answer_scores(index: NewsIndex, question: str, hits: Sequence[Hit]) -> list[float]:
    coverage = index.term_coverage(question, hits)
    return [hit.similarity + COVERAGE_WEIGHT * share for hit, share in zip(hits, coverage)]


def best_answer_score(index: NewsIndex, question: str, hits: Sequence[Hit]) -> float:
    """The highest answer score among the hits (-1 when there are none)."""
    return max(answer_scores(index, question, hits), default=-1.0)
