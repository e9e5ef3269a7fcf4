"""`newsbot eval --abstention`: how often the bot answers, per question set, with the default settings.

Every question goes through `Newsbot.ask`, the path the REPL, the CLI and the Discord bot share,
so the figures are the ones a user meets. The standard sets (docs/quality.md):

  seeds: answerable       docs/abstention/seeds-answerable.txt against the bundled seeds
  seeds: unanswerable     docs/abstention/seeds-unanswerable.txt against the seeds
  realtimeqa: questions   realtimeqa-dev's judged questions against its 2,109 articles
  realtimeqa: near misses each half of realtimeqa-dev's quiz weeks asked of an index of the other
                          half's articles (a question whose judged article is in both is left out)
  realtimeqa: written     docs/abstention/realtimeqa-unanswerable.txt against realtimeqa-dev
  scifact on news         SciFact's 300 claims against realtimeqa-dev's news articles

Realtimeqa's questions are asked on their quiz's day, as a member would have asked them ("this week"
is that week). The realtimeqa half indexes start as copies of the whole corpus's index, so their passages'
vectors are reused rather than embedded again.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import read_qrels, read_queries

from ..core.errors import MeasurementError
from ..core.questions import read_question_file
from ..core.service import Newsbot
from .evaluate import app_for_corpus, cache_dir_for

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"
QUESTION_SETS = PROJECT / "docs" / "abstention"


@dataclass
class QuestionSet:
    name: str
    corpus: list[Path]
    questions: list[str]
    should_answer: bool
    target: float
    """Answered share at least this (should_answer) or at most this (not should_answer)."""
    prepare: Callable[[Newsbot, Path], None] | None = None
    """Run before the index is opened (to seed a half index from the whole one)."""
    asked_on: list[dt.date] | None = None
    """Per question, the day it is asked on (realtimeqa: its quiz's day, so "this week" is that week);
    None: today."""
    quiz_answers: list[list[str]] | None = None
    """Per question, the quiz's right answers (realtimeqa), to tell a quote that holds one."""
    answered: list[bool] = field(default_factory=list)
    holding_the_answer: int = 0
    """Questions answered with a quoted passage that holds the quiz's right answer."""

    @property
    def share_answered(self) -> float:
        return sum(self.answered) / len(self.answered) if self.answered else 0.0

    @property
    def met(self) -> bool:
        return self.share_answered >= self.target if self.should_answer else self.share_answered <= self.target


def standard_sets(eval_dir: Path, cache: Path) -> list[QuestionSet]:
    realtimeqa, scifact = eval_dir / "realtimeqa-dev", eval_dir / "scifact"
    for needed in (realtimeqa / "corpus.jsonl", realtimeqa / "weeks.tsv", scifact / "queries.jsonl"):
        if not needed.is_file():
            raise MeasurementError(f"{needed} does not exist", "give the folder of the evaluation sets with --eval-dir")
    news = [realtimeqa / "corpus.jsonl"]
    quiz_queries = read_queries(realtimeqa / "queries.jsonl")
    quiz_answers = read_quiz_answers(realtimeqa / "answers.jsonl")
    sets = [
        QuestionSet(
            "seeds: answerable", [SEEDS], read_question_file(QUESTION_SETS / "seeds-answerable.txt"), True, 0.95
        ),
        QuestionSet(
            "seeds: unanswerable", [SEEDS], read_question_file(QUESTION_SETS / "seeds-unanswerable.txt"), False, 0.05
        ),
        QuestionSet(
            "realtimeqa-dev: its questions",
            news,
            list(quiz_queries.values()),
            True,
            0.90,
            asked_on=[quiz_day(query_id) for query_id in quiz_queries],
            quiz_answers=[quiz_answers.get(query_id, []) for query_id in quiz_queries],
        ),
    ]
    sets.extend(near_miss_sets(realtimeqa, cache))
    sets.append(
        QuestionSet(
            "realtimeqa-dev: written unanswerable",
            news,
            read_question_file(QUESTION_SETS / "realtimeqa-unanswerable.txt"),
            False,
            0.10,
        )
    )
    sets.append(
        QuestionSet(
            "scifact claims on realtimeqa-dev news",
            news,
            list(read_queries(scifact / "queries.jsonl").values()),
            False,
            0.02,
        )
    )
    return sets


def near_miss_sets(realtimeqa: Path, cache: Path) -> list[QuestionSet]:
    """The quiz weeks split in two (alternate weeks), each half's questions against the other's articles."""
    weeks: dict[str, set[str]] = {}
    for line in (realtimeqa / "weeks.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        doc_id, _, listed = line.partition("\t")
        weeks[doc_id] = set(listed.split(","))
    every_week = sorted(set().union(*weeks.values()))
    halves = {"a": set(every_week[0::2]), "b": set(every_week[1::2])}
    articles = {half: {doc_id for doc_id, its in weeks.items() if its & chosen} for half, chosen in halves.items()}
    queries, qrels = read_queries(realtimeqa / "queries.jsonl"), read_qrels(realtimeqa / "qrels" / "test.tsv")
    quiz_answers = read_quiz_answers(realtimeqa / "answers.jsonl")
    answering = {
        query_id: {doc_id for doc_id, score in judged.items() if score >= 1} for query_id, judged in qrels.items()
    }
    whole = [realtimeqa / "corpus.jsonl"]
    sets = []
    for half, other in (("a", "b"), ("b", "a")):
        corpus_file = cache / f"realtimeqa-dev-half-{half}.jsonl"
        if not corpus_file.exists():
            cache.mkdir(parents=True, exist_ok=True)
            partial = corpus_file.with_suffix(".partial")  # renamed once whole: an interrupted run leaves no half file
            with (
                (realtimeqa / "corpus.jsonl").open(encoding="utf-8") as source,
                partial.open("w", encoding="utf-8") as target,
            ):
                target.writelines(line for line in source if json.loads(line)["_id"] in articles[half])
            partial.replace(corpus_file)
        asked = [
            query_id
            for query_id in queries  # a question's week: the first 8 characters of its id
            if query_id[:8] in halves[other] and not answering.get(query_id, set()) & articles[half]
        ]

        def seed_from_whole(app: Newsbot, index_dir: Path, whole=whole) -> None:
            if not index_dir.exists():
                whole_dir = cache_dir_for(app, whole, index_dir.parent)
                if whole_dir.exists():
                    shutil.copytree(whole_dir, index_dir, symlinks=True)

        sets.append(
            QuestionSet(
                f"realtimeqa-dev: near misses ({half})",
                [corpus_file],
                [queries[query_id] for query_id in asked],
                False,
                0.10,
                prepare=seed_from_whole,
                asked_on=[quiz_day(query_id) for query_id in asked],
                quiz_answers=[quiz_answers.get(query_id, []) for query_id in asked],
            )
        )
    return sets


def quiz_day(query_id: str) -> dt.date:
    """The day a realtimeqa question was asked: its quiz's, the first 8 characters of its id (20220617)."""
    return dt.datetime.strptime(query_id[:8], "%Y%m%d").date()


def read_quiz_answers(path: Path) -> dict[str, list[str]]:
    """realtimeqa's right answers by question id, normalised for a search in quoted text."""
    if not path.is_file():
        return {}
    answers = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            answers[str(record["_id"])] = [_normalised(answer) for answer in record.get("answer", [])]
    return answers


def _normalised(text: str) -> str:
    return text.casefold().strip().strip("“”\"'.").replace("’", "'")


def run_abstention_eval(app: Newsbot, sets: Sequence[QuestionSet], cache: Path, show: bool) -> list[QuestionSet]:
    for question_set in sets:
        if question_set.prepare:
            question_set.prepare(app, cache_dir_for(app, question_set.corpus, cache))
        asking = app_for_corpus(app, question_set.corpus, cache)
        print(
            f"newsbot: {question_set.name}: {len(question_set.questions)} questions, "
            f"threshold {asking.index.answer_threshold():.3f}",
            file=sys.stderr,
        )
        for number, question in enumerate(question_set.questions):
            answer = asking.ask(question, today=question_set.asked_on[number] if question_set.asked_on else None)
            question_set.answered.append(not answer.abstained)
            if question_set.quiz_answers and not answer.abstained:
                quoted = _normalised(" ".join(passage.text for passage in answer.passages))
                question_set.holding_the_answer += any(a and a in quoted for a in question_set.quiz_answers[number])
            if show and (not answer.abstained) != question_set.should_answer:
                verb = "abstained" if answer.abstained else "answered"
                print(f"  {verb}: {question}", file=sys.stderr)
    print(format_table(sets))
    return list(sets)


def format_table(sets: Sequence[QuestionSet]) -> str:
    lines = [
        f"{'set':<42} {'questions':>9} {'answered':>9} {'abstained':>9}  target",
    ]
    for s in sets:
        target = f"answered {'>=' if s.should_answer else '<='} {s.target:.0%}"
        lines.append(
            f"{s.name:<42} {len(s.answered):>9} {s.share_answered:>9.1%} {1 - s.share_answered:>9.1%}  "
            f"{target:<16} {'met' if s.met else 'MISSED'}"
        )
    for s in sets:
        if s.quiz_answers is None or not s.answered:
            continue
        line = f"  {s.name}: {s.holding_the_answer} of the {sum(s.answered)} answered quote a passage holding the quiz's right answer"
        if not s.should_answer:  # a near miss quoting the right answer: the other half has another article on it
            without = (sum(s.answered) - s.holding_the_answer) / len(s.answered)
            line += f" (the half has another article on the story); without them {without:.1%} answered"
        lines.append(line)
    return "\n".join(lines)
