"""Reading questions from files: `newsbot ask --batch`, `newsbot bench --queries`, the abstention sets.

`question_lines` reads a file (or stdin, "-") as a user gives it: one question a line, lines ending
at a line feed only, a line of bad UTF-8 read with U+FFFD and a warning. `read_question_file` reads
a question set on top of it: `#` starts a note, and a BEIR queries.jsonl line gives its "text".
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from index import UsageError

log = logging.getLogger(__name__)


def question_lines(source: str | Path) -> list[tuple[int, str]]:
    """(line number, question) for every line that is not blank."""
    try:
        stdin = getattr(sys.stdin, "buffer", sys.stdin) if str(source) == "-" else None
        data = stdin.read() if stdin is not None else Path(source).read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read questions from {source} ({error.strerror or error})",
            "give a text file, one question per line",
        ) from None
    if isinstance(data, str):  # a text stream with no bytes beneath it
        data = data.encode("utf-8", "replace")
    questions = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("%s: line %d is not UTF-8 text: its bad bytes are read as U+FFFD", source, number)
            line = raw.decode("utf-8", "replace")
        if line.strip():
            questions.append((number, line.strip()))
    return questions


def read_question_file(path: Path) -> list[str]:
    """The questions of a question set: one a line (# starts a note), or a BEIR queries.jsonl."""
    try:
        questions = [
            json.loads(line)["text"] if line.startswith("{") else line
            for _, line in question_lines(path)
            if not line.startswith("#")
        ]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise UsageError(
            f"cannot read questions from {path} ({error})",
            'give one question a line, or JSON lines with a "text" field',
        ) from None
    if not questions:
        raise UsageError(f"{path} holds no questions", "write one question per line")
    return questions
