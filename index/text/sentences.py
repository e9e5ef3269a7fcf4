"""Sentence boundaries with their character spans, by sentencex (Wikimedia's segmenter)."""

from __future__ import annotations

import re

import sentencex

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SEGMENT_CHARS = 16_000
"""The segmenter reads a paragraph in windows of at most this many characters, cut at a space: it is
quadratic on some texts (";!" repeated: 0.12 s for 16,000 characters, 21 s for 320,000) and holds the
GIL while it runs. The longest paragraph of SciFact's and realtimeqa-dev's articles has 14,141."""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence in `text`, in order; no sentence crosses a paragraph break."""
    spans: list[tuple[int, int]] = []
    paragraph_start = 0
    for paragraph_end in [m.start() for m in PARAGRAPH_BREAK.finditer(text)] + [len(text)]:
        for window_start, window_end in runs_within(text, paragraph_start, paragraph_end, SEGMENT_CHARS):
            cursor = window_start
            for sentence in sentencex.segment("en", text[window_start:window_end]):
                stripped = sentence.strip()
                if not stripped:
                    continue
                start = text.find(stripped, cursor, window_end)
                if start < 0:  # the segmenter changed the text; fall back to the whole remainder
                    start, stripped = cursor, text[cursor:window_end].strip()
                end = start + len(stripped)
                spans.append((start, end))
                cursor = end
        match = PARAGRAPH_BREAK.search(text, paragraph_end)
        paragraph_start = match.end() if match else len(text)
    return spans


def runs_within(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """text[start:end] as consecutive runs of at most `limit` characters, each cut at a space in its
    second half where there is one (else at the limit); the spaces at a cut start no run."""
    runs = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        runs.append((start, cut))
        start = cut
        while start < end and text[start] == " ":
            start += 1
    if end > start:
        runs.append((start, end))
    return runs
