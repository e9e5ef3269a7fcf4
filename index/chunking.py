"""Sentence-aware chunks within the embedding model's token budget.

Sentences are packed into a chunk until the next one would pass the budget; the next chunk starts
with the last sentences of the one before, up to `overlap_tokens`. A sentence is cut only when it
alone is longer than the budget, and then at word-piece boundaries. Tokens are counted with the
model's own tokenizer, so no chunk passes the model's sequence limit (which it would silently
truncate).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .documents import Article, Chunk
from .embedding import Embedder
from .sentences import sentence_spans

TITLE_TOKEN_CAP = 32
"""At most this many word pieces of the title go into the embedded text."""


@dataclass(frozen=True)
class ChunkerSettings:
    chunk_tokens: int = 128
    """Word pieces of passage text per chunk, at most (the model's limit lowers it if needed)."""
    overlap_tokens: int = 32
    """Word pieces of the previous chunk's last sentences that start the next chunk, at most."""
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
    text = article.text
    title = short_title(article.meta.title, embedder) if settings.title_in_embedding else ""
    title_tokens = embedder.count_tokens([title + "\n"])[0] if title else 0
    budget = min(settings.chunk_tokens, embedder.max_tokens - embedder.special_tokens - title_tokens)
    if budget < 8:
        raise ValueError(f"chunk budget of {budget} word pieces is too small to hold a sentence")

    pieces = _pieces_within_budget(text, sentence_spans(text), embedder, budget)
    groups = _pack(pieces, budget, min(settings.overlap_tokens, budget // 2))

    chunks = []
    for number, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        passage = text[start:end]
        tokens = embedder.count_tokens([embedded_text(title, passage, settings)])[0] + embedder.special_tokens
        while tokens > embedder.max_tokens and len(group) > 1:  # tokenizer not additive here: drop a sentence
            group = group[:-1]
            end = group[-1][1]
            passage = text[start:end]
            tokens = embedder.count_tokens([embedded_text(title, passage, settings)])[0] + embedder.special_tokens
        chunks.append(Chunk(f"{article.doc_id}#{number}", article.doc_id, start, end, passage, tokens))
    return chunks


def _pieces_within_budget(
    text: str, spans: list[tuple[int, int]], embedder: Embedder, budget: int
) -> list[tuple[int, int, int]]:
    """(start, end, tokens) per sentence; a sentence over the budget is cut into parts that fit."""
    counts = embedder.count_tokens([text[s:e] for s, e in spans])
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


def _pack(pieces: list[tuple[int, int, int]], budget: int, overlap: int) -> list[list[tuple[int, int]]]:
    """Greedy packing of consecutive pieces, carrying up to `overlap` tokens into the next group."""
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int, int]] = []
    used = 0
    for piece in pieces:
        if current and used + piece[2] > budget:
            groups.append([(s, e) for s, e, _ in current])
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
        groups.append([(s, e) for s, e, _ in current])
    return groups
