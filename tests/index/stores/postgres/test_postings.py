"""Summing word postings (postings.top_passages): exact whatever it leaves to look-ups."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from index.stores.postgres.postings import WordArrays, top_passages


def brute_force(words, k, allowed):
    totals: dict[int, float] = defaultdict(float)
    admitted = None if allowed is None else set(allowed.tolist())
    for ids, scores, weight in words:
        for passage_id, score in zip(ids.tolist(), scores.tolist()):
            if admitted is None or passage_id in admitted:
                totals[passage_id] += score * weight
    ranked = sorted(((-score, passage_id) for passage_id, score in totals.items() if score > 0))[:k]
    return [(passage_id, -score) for score, passage_id in ranked]


@pytest.mark.parametrize("seed", range(60))
def test_the_k_best_are_the_brute_force_k_best(seed, monkeypatch):
    monkeypatch.setattr("index.stores.postgres.postings.LOOK_UP_FROM", 50)  # look-ups at this size too
    if seed % 3 == 1:  # the k-th best narrowed by counting, down to a few scores or to a bound below it
        monkeypatch.setattr(
            "index.stores.postgres.postings.EXACT_BELOW", int(np.random.default_rng(seed).integers(1, 300))
        )
    rng = np.random.default_rng(seed)
    passages = int(rng.integers(50, 60_000))
    first_id = int(rng.integers(0, 10**7))
    words = []
    for _ in range(int(rng.integers(1, 8))):  # some rare words, some in nearly every passage
        count = int(rng.integers(1, passages)) if rng.random() < 0.6 else int(passages * rng.uniform(0.5, 1.0))
        ids = np.sort(rng.choice(passages, size=count, replace=False)) + first_id
        idf = float(rng.uniform(0.01, 5.0)) if count > passages / 2 else float(rng.uniform(1.0, 8.0))
        shares = rng.uniform(0.05, 1.0, size=count)
        if seed % 2:  # scores tied in their thousands, as a common word's in passages of one length are
            shares = np.round(shares * 3) / 3 + 0.05
        words.append((ids.astype(np.int64), idf * shares, int(rng.integers(1, 4))))
    k = int(rng.choice([1, 5, 100, 10_000]))
    allowed = (np.sort(rng.choice(passages, size=passages // 3, replace=False)) + first_id) if seed % 4 == 0 else None
    found = top_passages([(WordArrays(ids, scores), weight) for ids, scores, weight in words], k, allowed)
    expected = brute_force(words, k, allowed)
    assert [passage_id for passage_id, _ in found] == [passage_id for passage_id, _ in expected]
    assert [score for _, score in found] == pytest.approx([score for _, score in expected])


def test_common_words_are_looked_up_not_summed_when_they_cannot_change_the_k(monkeypatch):
    rare = WordArrays(np.arange(0, 200, dtype=np.int64), np.linspace(5.0, 4.0, 200))
    common = WordArrays(np.arange(0, 100_000, dtype=np.int64), np.full(100_000, 0.01))  # at most 0.01 a passage
    summed, looked_up = [], []
    real_add, real_look_up = WordArrays.add_to, WordArrays.look_up

    def add_to(self, totals, lowest, weight):
        summed.append(self.count)
        return real_add(self, totals, lowest, weight)

    def look_up(self, passage_ids):
        looked_up.append((self.count, len(passage_ids)))
        return real_look_up(self, passage_ids)

    monkeypatch.setattr(WordArrays, "add_to", add_to)
    monkeypatch.setattr(WordArrays, "look_up", look_up)
    found = top_passages([(common, 1), (rare, 1)], 10, None)
    assert summed == [200]  # the rare word was summed; the common word only looked up,
    assert looked_up == [(100_000, 11)]  # and only for the 11 passages within its 0.01 of the 10th best
    assert found == [(i, pytest.approx(score + 0.01)) for i, score in enumerate(np.linspace(5.0, 4.0, 200)[:10])]


def test_a_word_most_passages_hold_is_kept_dense_and_one_few_hold_as_postings():
    common = WordArrays(np.array([10, 11, 13], dtype=np.int64), np.array([1.0, 2.0, 3.0]))
    rare = WordArrays(np.array([10, 500], dtype=np.int64), np.array([1.0, 2.0]))
    assert common.ids is None and list(common.scores) == [1.0, 2.0, 0.0, 3.0] and common.last == 13
    assert rare.ids is not None and rare.last == 500
    for arrays in (common, rare):
        ids, scores = arrays.sparse()
        assert list(arrays.look_up(ids)) == list(scores)
        assert list(arrays.look_up(np.array([0, 12, 14, 501], dtype=np.int64))) == [0.0] * 4
    assert common.nbytes == 4 * 8 and rare.nbytes == 2 * 16
