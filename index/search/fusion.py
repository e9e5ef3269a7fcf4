"""Hybrid ranking: the dense and the BM25 rankings of one question fused into one."""

from __future__ import annotations

DENSE_WEIGHT = 0.5
"""Hybrid score = DENSE_WEIGHT x dense + (1 - DENSE_WEIGHT) x BM25, each min-max normalised over its
own candidates. Chosen by measurement over reciprocal-rank fusion and other weights, on SciFact and
realtimeqa-dev together (docs/quality.md)."""


def _normalised(ranking: list[tuple[int, float]]) -> dict[int, float]:
    """Scores mapped to [0, 1] over the ranking's own candidates (best 1, worst 0)."""
    if not ranking:
        return {}
    scores = [score for _, score in ranking]
    low, high = min(scores), max(scores)
    return {row: (score - low) / (high - low) if high > low else 1.0 for row, score in ranking}


def fuse(dense: list[tuple[int, float]], lexical: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Convex combination of the two normalised rankings; a row missing from one scores 0 there."""
    dense_scores, lexical_scores = _normalised(dense), _normalised(lexical)
    fused = {
        row: DENSE_WEIGHT * dense_scores.get(row, 0.0) + (1 - DENSE_WEIGHT) * lexical_scores.get(row, 0.0)
        for row in dense_scores.keys() | lexical_scores.keys()
    }
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
