"""The app's own errors, under the library's base (index/errors.py draws the library's tree).

    NewsbotError (index)
     ├── ... the library's errors
     ├── DiscordError       Discord cannot be reached, or refuses the bot
     ├── FetchError         an article link that cannot be fetched (bot/core/fetch.py)
     │    └── ServerRefused an HTTP error status, with Retry-After (bot/core/fetch.py)
     ├── FeedError          a feed that cannot be read or subscribed (bot/feeds/)
     └── MeasurementError   a benchmark or an evaluation cannot run (its data, a child process)

Like the library's, each carries the problem and its fix; the front ends show them as one line.
"""

from __future__ import annotations

from index import NewsbotError


class DiscordError(NewsbotError):
    pass


class FetchError(NewsbotError):
    """An article page cannot be fetched: the link, the address or the answer is not acceptable."""


class FeedError(NewsbotError):
    """A feed cannot be subscribed, found or read: its link, its document or its subscription."""


class MeasurementError(NewsbotError):
    pass
