"""The bot's own state file (SQLite): kept across versions of newsbot."""

from __future__ import annotations


def test_a_state_file_from_before_guild_corpora_is_upgraded_in_place(tmp_path):
    import sqlite3

    from bot.discord_bot.state import BotState

    old = sqlite3.connect(tmp_path / "bot.sqlite")
    old.executescript(
        "CREATE TABLE reindexes (at TEXT NOT NULL, user_hash TEXT NOT NULL, user_name TEXT NOT NULL, "
        "summary TEXT NOT NULL); INSERT INTO reindexes VALUES ('2026-11-01', 'h', 'mod', 'Indexed 2');"
    )
    old.commit()
    old.close()
    state = BotState(tmp_path / "bot.sqlite")
    assert state.last_reindex(tmp_path / "ix").summary == "Indexed 2"  # kept, and counted for every index
    state.record_reindex(tmp_path / "club", "Indexed 3")
    assert state.last_reindex(tmp_path / "club").summary == "Indexed 3"
    assert state.last_reindex(tmp_path / "ix").summary == "Indexed 2"
    assert (
        state._db.execute("SELECT user_name, user_hash FROM reindexes").fetchall() == [("", "")] * 2
    )  # who: forgotten
    state.close()
