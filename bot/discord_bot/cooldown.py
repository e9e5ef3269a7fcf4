"""The per-user question cooldown: /ask, mentions and More all count against it."""

from __future__ import annotations

import time

from discord import app_commands


class QuestionCooldown:
    """Per-user cooldown shared by /ask, mentions and More: N questions per window of S seconds."""

    def __init__(self, questions: int, seconds: float) -> None:
        self.questions = questions
        self.seconds = seconds
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def retry_after(self, user_id: int) -> float:
        """0 when the user may ask now (and counts the question), else seconds to wait."""
        if self.seconds <= 0:
            return 0.0
        now = time.monotonic()
        if len(self._buckets) > 10_000:  # forget buckets that have fully refilled
            self._buckets = {k: b for k, b in self._buckets.items() if b.get_tokens(now) < self.questions}
        bucket = self._buckets.setdefault(user_id, app_commands.Cooldown(self.questions, self.seconds))
        return bucket.update_rate_limit(now) or 0.0


class SharedCooldown:
    """The same cooldown kept in PostgreSQL, so it holds whichever bot process a question reaches."""

    def __init__(self, state, questions: int, seconds: float) -> None:
        self._state = state
        self.questions = questions
        self.seconds = seconds

    def retry_after(self, user_id: int) -> float:
        if self.seconds <= 0:
            return 0.0
        return self._state.cooldown(user_id, self.questions, self.seconds)


def cooldown_message(seconds: float) -> str:
    return f"You're asking quickly: try again in {max(1, round(seconds))} s."
