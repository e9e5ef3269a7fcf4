"""Sentence boundaries with their character spans, by sentencex (Wikimedia's segmenter)."""

from __future__ import annotations

import re

import sentencex

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence in `text`, in order; no sentence crosses a paragraph break."""
    spans: list[tuple[int, int]] = []
    paragraph_start = 0
    for paragraph_end in [m.start() for m in PARAGRAPH_BREAK.finditer(text)] + [len(text)]:
        cursor = paragraph_start
        for sentence in sentencex.segment("en", text[paragraph_start:paragraph_end]):
            stripped = sentence.strip()
            if not stripped:
                continue
            start = text.find(stripped, cursor, paragraph_end)
            if start < 0:  # the segmenter changed the text; fall back to the whole remainder
                start, stripped = cursor, text[cursor:paragraph_end].strip()
            end = start + len(stripped)
            spans.append((start, end))
            cursor = end
        match = PARAGRAPH_BREAK.search(text, paragraph_end)
        paragraph_start = match.end() if match else len(text)
    return spans
