"""`newsbot calibrate`: choose the abstention threshold from questions the corpus can and cannot answer.

The bot abstains when no passage among the hits it searches reaches `[search] min_answer_score`
(see index/answer_scores.py), so each question is reduced to its best answer score and every
threshold is scored on both sides: how often the bot would answer a question it cannot
(false answers) and abstain on one it can (false abstentions).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from index.answer_scores import best_answer_score

from .evaluate import index_for
from .questions import read_question_file
from .service import Newsbot

THRESHOLDS = [round(0.30 + 0.025 * step, 3) for step in range(21)]  # 0.30 .. 0.80


def error_rates(answerable: Sequence[float], unanswerable: Sequence[float], threshold: float) -> tuple[float, float]:
    """(share of unanswerable questions answered, share of answerable questions abstained on)."""
    false_answers = sum(score >= threshold for score in unanswerable) / len(unanswerable)
    false_abstentions = sum(score < threshold for score in answerable) / len(answerable)
    return false_answers, false_abstentions


def run_calibration(app: Newsbot, corpus: Sequence[Path], answerable_path: Path, unanswerable_path: Path,
                    cache: Path) -> float:
    index = index_for(app, corpus, cache)
    k = app.config.search.k * 3
    mode = app.config.search.mode
    def score(question: str) -> float:
        return best_answer_score(index, question, index.search(question, k=k, mode=mode))

    answerable = [score(q) for q in read_question_file(answerable_path)]
    unanswerable = [score(q) for q in read_question_file(unanswerable_path)]
    current = app.config.search.min_answer_score
    print(f"{len(answerable)} answerable and {len(unanswerable)} unanswerable questions, mode {mode}")
    print("threshold  answers-it-should-not  abstains-when-it-should-answer")
    best = min(THRESHOLDS, key=lambda t: (sum(error_rates(answerable, unanswerable, t)),
                                           error_rates(answerable, unanswerable, t)[0]))
    for threshold in sorted(set(THRESHOLDS) | {current}):
        false_answers, false_abstentions = error_rates(answerable, unanswerable, threshold)
        marks = (" <- configured" if threshold == current else "") + (" <- fewest errors" if threshold == best else "")
        print(f"{threshold:9.3f}  {false_answers:21.1%}  {false_abstentions:30.1%}{marks}")
    return best
