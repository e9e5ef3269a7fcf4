"""Reading question files: one question a line (# starts a note), or a BEIR queries.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from index import MeasurementError


def read_question_file(path: Path) -> list[str]:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        questions = [json.loads(line)["text"] if line.startswith("{") else line
                     for line in lines if line and not line.startswith("#")]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise MeasurementError(f"cannot read questions from {path} ({error})",
                           'give one question a line, or JSON lines with a "text" field') from None
    if not questions:
        raise MeasurementError(f"{path} holds no questions", "write one question per line")
    return questions
