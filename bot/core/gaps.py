"""What members asked that the articles could not answer, grouped for moderators (`/gaps`, `newsbot gaps`).

The bot keeps each question it abstained on and each answer a member voted down (the question and the
closest article's title, never who asked; forgotten after `[discord] answer_days`). Questions asked in
other words are grouped: two questions whose content words overlap by SAME_GAP (Jaccard) or more are
one gap, shown with how often it was asked, when last, and the article that came closest, newest first:
which articles or feeds to add.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

SAME_GAP = 0.5
STOP_WORDS = frozenset(
    "the a an of in on at to for from by with and or is are was were be been did do does what which who whom "
    "whose when where why how much many about than this that these those it its there their they he she his her "
    "has have had will would can could should say said tell me any".split()
)


class GapLike(Protocol):
    @property
    def question(self) -> str: ...
    @property
    def closest(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def created_at(self) -> str: ...


@dataclass
class GapGroup:
    question: str
    """The newest wording."""
    count: int = 0
    last: str = ""
    closest: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    words: frozenset[str] = frozenset()

    def line(self) -> str:
        closest = self.closest.most_common(1)[0][0] if self.closest else ""
        why = ", ".join(f"{reason} {n}" if n > 1 else reason for reason, n in self.reasons.most_common())
        coverage = f"; closest: {closest}" if closest else "; nothing close"
        return f"{self.count}× “{self.question}” (last {self.last[:10]}; {why}{coverage})"


def content_words(question: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[^\W_]{3,}", question.casefold()) if w not in STOP_WORDS)


def group_gaps(rows: Sequence[GapLike]) -> list[GapGroup]:
    """Rows newest first -> groups newest first (by their newest question), each counted."""
    groups: list[GapGroup] = []
    for row in rows:
        words = content_words(row.question)
        group = next((g for g in groups if _overlap(words, g.words) >= SAME_GAP), None)
        if group is None:
            group = GapGroup(row.question, last=row.created_at, words=words)
            groups.append(group)
        group.count += 1
        group.reasons[row.reason] += 1
        if row.closest:
            group.closest[row.closest] += 1
    return groups


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / len(a | b)
