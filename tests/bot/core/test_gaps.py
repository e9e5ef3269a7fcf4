"""Gaps: questions the articles could not answer, grouped for moderators."""

from __future__ import annotations

import datetime as dt

from bot.core.gaps import group_gaps
from bot.discord_bot.state import BotState, GapRow


def test_questions_in_other_words_are_one_gap_newest_first_with_the_closest_article():
    rows = [
        GapRow(
            "How many missiles did North Korea launch in 2023?",
            "North Korea highlights",
            "not answered",
            "2026-12-05T10:00:00",
        ),
        GapRow("What is the price of Bitcoin today?", "", "not answered", "2026-12-04T10:00:00"),
        GapRow(
            "how many missiles has north korea launched in 2023",
            "North Korea highlights",
            "not answered",
            "2026-12-03T10:00:00",
        ),
        GapRow("North Korea missile launches 2023", "", "voted down", "2026-12-02T10:00:00"),
    ]
    groups = group_gaps(rows)
    assert [g.count for g in groups] == [2, 1, 1]  # "launches" is not "launch": the last wording stays apart
    first = groups[0]
    assert first.question == "How many missiles did North Korea launch in 2023?" and first.last.startswith("2026-12-05")
    assert "closest: North Korea highlights" in first.line() and first.line().startswith(f"{first.count}× ")


def test_gaps_are_kept_per_corpus_without_who_asked_and_forgotten_with_the_answers(tmp_path):
    state = BotState(tmp_path / "bot.sqlite", keep_days=30)
    state.record_gap("corpus-a", "What is the price of Bitcoin today?", "", "not answered")
    state.record_gap("corpus-b", "Who won the Super Bowl?", "", "not answered")
    assert [g.question for g in state.gaps("corpus-a")] == ["What is the price of Bitcoin today?"]
    columns = {row[1] for row in state._db.execute("PRAGMA table_info(gaps)")}
    assert columns == {"corpus", "question", "closest", "reason", "created_at"}  # never who asked
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=31)).isoformat(timespec="seconds")
    state._db.execute("UPDATE gaps SET created_at = ? WHERE corpus = 'corpus-b'", (old,))
    state.forget_old_answers()
    assert state.gaps("corpus-b") == [] and len(state.gaps("corpus-a")) == 1
    state.close()
