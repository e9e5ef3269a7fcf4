"""The per-user question cooldown: /ask, mentions (empty ones too), More and Post publicly all count
against it, and a member it holds back is told so once a window, not at every mention."""

from __future__ import annotations

import time

from discord import app_commands


class Notices:
    """When each member was last told to wait, so that a public "try again" is posted once a window."""

    def __init__(self) -> None:
        self._told_until: dict[int, float] = {}

    def first_notice(self, user_id: int, wait: float) -> bool:
        """Whether to tell this member to wait: True once, then False until that wait is over."""
        now = time.monotonic()
        if len(self._told_until) > 10_000:  # forget the waits that are over
            self._told_until = {k: until for k, until in self._told_until.items() if until > now}
        if self._told_until.get(user_id, 0.0) > now:
            return False
        self._told_until[user_id] = now + wait
        return True


class QuestionCooldown(Notices):
    """Per-user cooldown in this process: N questions per window of S seconds."""

    def __init__(self, questions: int, seconds: float) -> None:
        super().__init__()
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


class SharedCooldown(Notices):
    """The same cooldown kept in PostgreSQL, so it holds whichever bot process a question reaches
    (a database call: the client runs it in a worker, `NewsbotClient.retry_after`)."""

    def __init__(self, state, questions: int, seconds: float) -> None:
        super().__init__()
        self._state = state
        self.questions = questions
        self.seconds = seconds

    def retry_after(self, user_id: int) -> float:
        if self.seconds <= 0:
            return 0.0
        return self._state.cooldown(user_id, self.questions, self.seconds)


def cooldown_message(seconds: float) -> str:
    return f"You're asking quickly: try again in {max(1, round(seconds))} s."
