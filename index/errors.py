"""The errors newsbot raises, written for people.

Every error carries what went wrong and how to fix it. The front ends turn them into one line
(CLI, REPL) or a short reply (Discord); a traceback is never shown for these.

    NewsbotError              (a base: never raised itself)
     ├── ConfigError          a setting is unknown or has a bad value
     ├── UsageError           a command, an option or a question newsbot cannot take as given
     │    └── FilterError     a source:, since: or before: filter that cannot be used
     ├── CorpusError          the corpus cannot be read (no files, a missing path)
     ├── IndexMissingError    no index has been built at the given place yet
     ├── IndexMismatchError   the index on disk does not fit this program or its settings
     │    └── VersionChanged  another process switched versions while this one read: open it again
     ├── IndexBusyError       another build is writing the same index
     ├── StorageError         the disk refuses a new index version (full, read-only)
     ├── ModelError           the embedding model cannot be loaded
     └── DatabaseError        PostgreSQL cannot be reached, lacks pgvector, or refuses a statement
          └── SearchTimeoutError   one search ran past its statement timeout (a question too costly to answer)

The app adds its own under the same base (bot/core/errors.py: Discord, fetching, measuring).
"""

from __future__ import annotations

REBUILD_HINT = "rebuild it with `newsbot index build`"
"""The fix for an index that does not fit this program: every store and search says it the same way."""


class NewsbotError(Exception):
    """Base class: `problem` says what is wrong, `fix` says what to do about it."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """ "the problem. The fix": the fix a sentence of its own, so it opens with a capital."""
        return f"{self.problem}. {self.fix[:1].upper()}{self.fix[1:]}" if self.fix else self.problem


class ConfigError(NewsbotError):
    pass


class UsageError(NewsbotError):
    pass


class FilterError(UsageError):
    pass


class CorpusError(NewsbotError):
    pass


class IndexMissingError(NewsbotError):
    pass


class IndexMismatchError(NewsbotError):
    pass


class VersionChanged(IndexMismatchError):
    """Another process made another version the one in use while this one was being read: open it
    again (`Newsbot.ask` does, and asks once more)."""


class IndexBusyError(NewsbotError):
    pass


class StorageError(NewsbotError):
    pass


class ModelError(NewsbotError):
    pass


class DatabaseError(NewsbotError):
    pass


class SearchTimeoutError(DatabaseError):
    pass
