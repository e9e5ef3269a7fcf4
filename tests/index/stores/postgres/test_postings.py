"""Summing word postings (postings.top_passages): exact whatever it leaves to look-ups."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from index.stores.postgres.postings import top_passages


def brute_force(words, k, allowed):
    totals: dict[int, float] = defaultdict(float)
    admitted = None if allowed is None else set(allowed.tolist())
    for ids, scores, weight in words:
        for passage_id, score in zip(ids.tolist(), scores.tolist()):
            if admitted is None or passage_id in admitted:
                totals[passage_id] += score * weight
    ranked = sorted(((-score, passage_id) for passage_id, score in totals.items() if score > 0))[:k]
    return [(passage_id, -score) for score, passage_id in ranked]


@pytest.mark.parametrize("seed", range(40))
def test_the_k_best_are_the_brute_force_k_best(seed, monkeypatch):
    monkeypatch.setattr("index.stores.postgres.postings.LOOK_UP_FROM", 50)  # look-ups at this size too
    rng = np.random.default_rng(seed)
    passages = int(rng.integers(50, 60_000))
    first_id = int(rng.integers(0, 10**7))
    words = []
    for _ in range(int(rng.integers(1, 8))):  # some rare words, some in nearly every passage
        count = int(rng.integers(1, passages)) if rng.random() < 0.6 else int(passages * rng.uniform(0.5, 1.0))
        ids = np.sort(rng.choice(passages, size=count, replace=False)) + first_id
        idf = float(rng.uniform(0.01, 5.0)) if count > passages / 2 else float(rng.uniform(1.0, 8.0))
        words.append((ids.astype(np.int64), idf * rng.uniform(0.05, 1.0, size=count), int(rng.integers(1, 4))))
    k = int(rng.choice([1, 5, 100, 10_000]))
    allowed = (np.sort(rng.choice(passages, size=passages // 3, replace=False)) + first_id) if seed % 4 == 0 else None
    found = top_passages(words, k, allowed)
    expected = brute_force(words, k, allowed)
    assert [passage_id for passage_id, _ in found] == [passage_id for passage_id, _ in expected]
    assert [score for _, score in found] == pytest.approx([score for _, score in expected])


def test_common_words_are_looked_up_not_summed_when_they_cannot_change_the_k(monkeypatch):
    from index.stores.postgres import postings

    rare = (np.arange(0, 200, dtype=np.int64), np.linspace(5.0, 4.0, 200), 1)
    common = (np.arange(0, 100_000, dtype=np.int64), np.full(100_000, 0.01), 1)  # at most 0.01 a passage
    looked_up: list[int] = []
    real = np.searchsorted

    def watched(ids, wanted, *args, **kwargs):
        looked_up.append(len(ids))
        return real(ids, wanted, *args, **kwargs)

    monkeypatch.setattr(postings.np, "searchsorted", watched)
    found = top_passages([common, rare], 10, None)
    assert looked_up == [100_000]  # the common word was looked up for the rare word's passages, not summed
    assert found == [(i, pytest.approx(score + 0.01)) for i, score in enumerate(np.linspace(5.0, 4.0, 200)[:10])]
