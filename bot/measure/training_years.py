"""`newsbot eval --training-years DIR`: the answer decision on RealTime QA's training years, never its
evaluation ones.

DIR is a checkout of the RealTime QA benchmark's public repository (realtimeqa/realtimeqa_public). Its
`past/YEAR/WEEK_qa.jsonl` hold a week's news-quiz questions with their choices and right answer, and
`WEEK_gcs.jsonl` the web articles a search returned for each. Only TRAINING_YEARS are read: 2022 is
where realtimeqa-dev comes from, and 2026 is held out too.

Weeks are taken in pairs of neighbours, every `step` weeks. Each week's articles make an index; its
questions whose right answer is written in them are asked of it (answerable), and of the neighbouring
week's index, whose articles do not hold the answer (near misses: the same months of news, not the
article that answers). Each question is decided by every reader (`[search] reader`; "cross-encoder" when
`[search] reader_model` gives its model), with the rest of the settings as configured, and the figures
are printed per reader, for all questions and for those asking for a quantity or a date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import READERS, NewsIndex

from ..core.answer import build_answer
from ..core.errors import MeasurementError
from ..core.service import Newsbot
from .evaluate import app_for_corpus

TRAINING_YEARS = ("2023", "2024", "2025")
SHORTEST_ARTICLE = 200
"""Characters: shorter search results are snippets or error pages."""


@dataclass
class Week:
    name: str
    questions: list[tuple[str, str]]
    """(question, its right answer)."""
    articles: dict[str, dict]
    """By URL: title and text."""
    dates: dict[str, str] = field(default_factory=dict)
    """By URL: the publish date a search result gives ("2023/01/05"), where one does."""

    def holds(self, answer: str) -> bool:
        wanted = _plain(answer)
        return any(wanted in _plain(article["text"]) for article in self.articles.values())


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold())


def training_weeks(checkout: Path) -> list[str]:
    """The quiz weeks of the training years in a checkout, oldest first; MeasurementError when it has none."""
    weeks = sorted(
        path.name.removesuffix("_qa.jsonl")
        for year in TRAINING_YEARS
        for path in (checkout / "past" / year).glob("*_qa.jsonl")
        if (path.parent / path.name.replace("_qa.jsonl", "_gcs.jsonl")).is_file()
    )
    if not weeks:
        raise MeasurementError(
            f"{checkout} holds no RealTime QA week of {', '.join(TRAINING_YEARS)} (past/YEAR/WEEK_qa.jsonl and _gcs.jsonl)",
            "give a checkout of github.com/realtimeqa/realtimeqa_public with --training-years",
        )
    return weeks


def read_week(checkout: Path, name: str) -> Week:
    folder = checkout / "past" / name[:4]
    questions = []
    articles: dict[str, dict] = {}
    dates: dict[str, str] = {}
    try:
        for line in (folder / f"{name}_qa.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            try:
                questions.append((record["question_sentence"], record["choices"][int(record["answer"][0])]))
            except (KeyError, IndexError, ValueError, TypeError):
                continue  # a question without one right answer cannot be labelled
        for line in (folder / f"{name}_gcs.jsonl").read_text(encoding="utf-8").splitlines():
            for result in json.loads(line).get("search_result") or []:
                if not isinstance(result, dict) or not result.get("url"):
                    continue
                if len(result.get("text") or "") >= SHORTEST_ARTICLE:
                    articles.setdefault(result["url"], {"title": result.get("title") or "", "text": result["text"]})
                if isinstance(result.get("publish_date"), str):
                    dates.setdefault(result["url"], result["publish_date"])
    except (OSError, ValueError, AttributeError) as error:
        raise MeasurementError(
            f"the RealTime QA week {name} in {folder} cannot be read ({error})",
            "check the checkout, or give another with --training-years",
        ) from None
    return Week(name, questions, articles, dates)


def run_training_years(app: Newsbot, checkout: Path, step: int, cache: Path) -> dict[str, dict[str, list[bool]]]:
    """Print, per reader, how often answerable questions are answered and near misses quoted; returns the
    decisions by set and reader (True: answered)."""
    weeks = training_weeks(checkout)
    pairs = [
        (read_week(checkout, weeks[first]), read_week(checkout, weeks[first + 1]))
        for first in range(0, len(weeks) - 1, step)
    ]
    read = {week.name: week for pair in pairs if all(w.articles for w in pair) for week in pair}
    chosen = list(read)
    if not chosen:
        raise MeasurementError(f"no pair of neighbouring weeks in {checkout} holds articles", "give a whole checkout")
    indexes = {name: _index_of(app, read[name], cache) for name in chosen}
    asked: dict[str, list[tuple[str, str, str]]] = {"answerable": [], "near misses": []}
    for position, name in enumerate(chosen):
        neighbour = chosen[position + 1] if position % 2 == 0 else chosen[position - 1]
        for question, answer in read[name].questions:
            if read[name].holds(answer):
                asked["answerable"].append((question, answer, name))
            if not read[neighbour].holds(answer):
                asked["near misses"].append((question, answer, neighbour))
    print(
        f"RealTime QA {', '.join(sorted({n[:4] for n in chosen}))}: {len(chosen)} weeks in {len(chosen) // 2} "
        f"pairs of neighbours; {len(asked['answerable'])} answerable questions, {len(asked['near misses'])} near misses"
    )
    search = app.config.search
    sentence_reader = app.sentence_reader()
    readers = [r for r in READERS if r != "cross-encoder" or sentence_reader is not None]
    decisions: dict[str, dict[str, list[bool]]] = {}
    for set_name, questions in asked.items():
        decisions[set_name] = {}
        for reader in readers:
            answers = [
                build_answer(
                    indexes[week],
                    question,
                    k=search.k,
                    min_answer_score=search.min_answer_score,
                    mode=search.mode,
                    reader=reader,
                    sentence_reader=sentence_reader,
                )
                for question, _, week in questions
            ]
            answered = [not answer.abstained for answer in answers]
            holding = sum(
                any(_plain(right) in _plain(passage.text) for passage in answer.passages)
                for answer, (_, right, _) in zip(answers, questions)
            )
            decisions[set_name][reader] = answered
            quoting = f", {holding} quoting a passage that holds the right answer" if set_name == "answerable" else ""
            print(f"{set_name:12}  reader {reader:12} {_share(answered)}{quoting}", flush=True)
    return decisions


def _share(answered: Sequence[bool]) -> str:
    return (
        f"{sum(answered) / len(answered):6.1%} answered ({sum(answered)} of {len(answered)})"
        if answered
        else "no questions"
    )


def _index_of(app: Newsbot, week: Week, cache: Path) -> NewsIndex:
    """The week's articles as an index (built once, then reused from `cache`)."""
    folder = cache / "training-years"
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / f"{week.name}.jsonl"
    lines = [
        json.dumps({"_id": f"{week.name}-{number}", "title": article["title"], "text": article["text"], "url": url})
        for number, (url, article) in enumerate(week.articles.items())
    ]
    text = "\n".join(lines) + "\n"
    if not corpus.is_file() or corpus.read_text(encoding="utf-8") != text:
        corpus.write_text(text, encoding="utf-8")
    return app_for_corpus(app, [corpus], cache).current_index()
