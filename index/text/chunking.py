"""Sentence-aware chunks within the embedding model's token budget.

Sentences are packed into a chunk until the next one would pass the budget; the next chunk starts
with the last sentences of the one before, up to `overlap_tokens`. A sentence is cut only when it
alone is longer than the budget, and then at word-piece boundaries. Tokens are counted with the
model's own tokenizer, so no chunk passes the model's sequence limit (which it would silently
truncate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..documents import Article, Chunk
from ..embedding.base import Embedder
from ..errors import ConfigError
from .sentences import runs_within, sentence_spans

TITLE_TOKEN_CAP = 32
"""At most this many word pieces of the title go into the embedded text."""
MAX_SENTENCE_CHARS = 5_000
"""A "sentence" longer than this (a page with no full stops, a run of digits) is cut at a space before
the tokenizer sees it: each tokenizer call, which holds the GIL, stays a few milliseconds whatever an
article holds. No sentence of SciFact's or realtimeqa-dev's articles is this long."""
MAX_PASSAGE_CHARS = 5_000
"""A passage holds at most this many characters, whatever its word pieces: a word over 100 characters
is one unknown word piece to the model, so word pieces alone do not bound what a passage quotes."""
NEAR_LIMIT = 0.9
"""Chunks whose summed sentence counts pass this share of the model's limit are recounted whole:
sums are exact for tokenizers that split on white space first (WordPiece), not for every one."""


@dataclass(frozen=True)
class ChunkerSettings:
    chunk_tokens: int = 128
    """Word pieces of passage text per chunk, at most (the model's limit lowers it if needed)."""
    overlap_tokens: int = 0
    """Word pieces of the previous chunk's last sentences that start the next chunk, at most. None by
    default: 32 embedded 16% more word pieces (than the articles hold) for no better retrieval
    (nDCG@10 hybrid 0.7270 / 0.6011 on SciFact / realtimeqa-dev with 32, 0.7287 / 0.6020 with none;
    docs/performance.md)."""
    title_in_embedding: bool = True
    """Embed "title + passage" so a passage is found by what its article is about."""

    def to_json(self) -> dict:
        return asdict(self)


def embedded_text(title: str, passage: str, settings: ChunkerSettings) -> str:
    """The text the model embeds for a passage: the passage shown, after its (short) title."""
    return f"{title}\n{passage}" if settings.title_in_embedding and title else passage


def short_title(title: str, embedder: Embedder) -> str:
    """The title cut to TITLE_TOKEN_CAP word pieces, at a word-piece boundary."""
    offsets = embedder.token_offsets(title)
    if len(offsets) <= TITLE_TOKEN_CAP:
        return title
    return title[: offsets[TITLE_TOKEN_CAP - 1][1]]


def chunk_article(article: Article, embedder: Embedder, settings: ChunkerSettings) -> list[Chunk]:
    """Split an article's text into chunks whose embedded text fits the model."""
    return chunk_articles([article], embedder, settings)[0]


def chunk_articles(articles: Sequence[Article], embedder: Embedder, settings: ChunkerSettings) -> list[list[Chunk]]:
    """Chunk many articles, counting word pieces in large batches (the tokenizer is the slow part)."""
    titles = [short_title(a.meta.title, embedder) if settings.title_in_embedding else "" for a in articles]
    title_tokens = embedder.count_tokens([title + "\n" for title in titles])
    budgets = [
        min(settings.chunk_tokens, embedder.max_tokens - embedder.special_tokens - (n if t else 0))
        for t, n in zip(titles, title_tokens)
    ]
    if any(budget < 8 for budget in budgets):
        raise ConfigError(
            f"a passage budget of {min(budgets)} word pieces is too small to hold a sentence",
            "raise [index] chunk_tokens, or give the model more room (a shorter title, another model)",
        )

    spans = [
        [run for start, end in sentence_spans(a.text) for run in runs_within(a.text, start, end, MAX_SENTENCE_CHARS)]
        for a in articles
    ]  # a "sentence" too long for one tokenizer call is cut at a space
    counts = iter(
        embedder.count_tokens([a.text[s:e] for a, article_spans in zip(articles, spans) for s, e in article_spans])
    )
    result = []
    for article, article_spans, title, title_count, budget in zip(articles, spans, titles, title_tokens, budgets):
        pieces = _pieces_within_budget(
            article.text, article_spans, [next(counts) for _ in article_spans], embedder, budget
        )
        chunks = []
        for number, group in enumerate(_pack(pieces, budget, min(settings.overlap_tokens, budget // 2))):
            tokens = sum(n for _, _, n in group) + (title_count if title else 0) + embedder.special_tokens
            if tokens > NEAR_LIMIT * embedder.max_tokens:
                group, tokens = _fit_exactly(article.text, title, group, embedder, settings)
            start, end = group[0][0], group[-1][1]
            chunks.append(
                Chunk(f"{article.doc_id}#{number}", article.doc_id, start, end, article.text[start:end], tokens)
            )
        result.append(chunks)
    return result


def _fit_exactly(
    text: str, title: str, group: list[tuple[int, int, int]], embedder: Embedder, settings: ChunkerSettings
) -> tuple[list[tuple[int, int, int]], int]:
    """Recount a chunk near the limit as the model will see it; drop sentences while it is over."""
    while True:
        passage = text[group[0][0] : group[-1][1]]
        tokens = embedder.count_tokens([embedded_text(title, passage, settings)])[0] + embedder.special_tokens
        if tokens <= embedder.max_tokens or len(group) == 1:
            return group, tokens
        group = group[:-1]


def _pieces_within_budget(
    text: str, spans: list[tuple[int, int]], counts: list[int], embedder: Embedder, budget: int
) -> list[tuple[int, int, int]]:
    """(start, end, tokens) per sentence; a sentence over the budget is cut into parts that fit."""
    pieces = []
    for (start, end), count in zip(spans, counts):
        if count <= budget:
            pieces.append((start, end, count))
            continue
        offsets = embedder.token_offsets(text[start:end])
        for first in range(0, len(offsets), budget):
            part = offsets[first : first + budget]
            part_start = start + (part[0][0] if first else 0)
            part_end = start + part[-1][1] if first + budget < len(offsets) else end
            pieces.append((part_start, part_end, len(part)))
    return pieces


def _pack(pieces: list[tuple[int, int, int]], budget: int, overlap: int) -> list[list[tuple[int, int, int]]]:
    """Greedy packing of consecutive pieces, carrying up to `overlap` tokens into the next group."""
    groups: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    used = 0
    for piece in pieces:
        if current and (used + piece[2] > budget or piece[1] - current[0][0] > MAX_PASSAGE_CHARS):
            groups.append(current)
            carried: list[tuple[int, int, int]] = []
            carried_tokens = 0
            for previous in reversed(current):
                if carried_tokens + previous[2] > overlap or carried_tokens + previous[2] + piece[2] > budget:
                    break
                carried.insert(0, previous)
                carried_tokens += previous[2]
            current, used = carried, carried_tokens
        current.append(piece)
        used += piece[2]
    if current:
        groups.append(current)
    return groups
