"""Chunks: sentence-aware, within the model's token budget, with spans into the cleaned text."""

from __future__ import annotations

import itertools

import pytest

from index import Article, ArticleMeta, ChunkerSettings, load_corpus, sentence_spans
from index.text.chunking import chunk_article, chunk_articles, embedded_text, short_title
from tests.conftest import SEEDS, SHARED_EVAL


def _article(text: str, title: str = "A title") -> Article:
    return Article(ArticleMeta(doc_id="doc", title=title), text)


def _check_chunks(article, chunks, embedder, settings):
    title = short_title(article.meta.title, embedder) if settings.title_in_embedding else ""
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        counted = embedder.count_tokens([embedded_text(title, chunk.text, settings)])[0] + embedder.special_tokens
        assert counted == chunk.tokens
        assert chunk.tokens <= embedder.max_tokens


def test_chunks_cover_the_text_and_keep_sentences_whole(fake_embedder):
    sentences = [f"Sentence number {i} says a few words about topic {i}." for i in range(40)]
    article = _article(" ".join(sentences))
    settings = ChunkerSettings(chunk_tokens=40, overlap_tokens=0)
    chunks = chunk_article(article, fake_embedder, settings)
    _check_chunks(article, chunks, fake_embedder, settings)
    assert len(chunks) > 5
    assert " ".join(c.text for c in chunks) == article.text  # no overlap: the chunks tile the text
    starts = {s for s, _ in sentence_spans(article.text)}
    ends = {e for _, e in sentence_spans(article.text)}
    assert all(c.start in starts and c.end in ends for c in chunks)


def test_overlap_repeats_the_last_sentences(fake_embedder):
    article = _article(" ".join(f"Fact {i} is stated here plainly." for i in range(30)))
    chunks = chunk_article(article, fake_embedder, ChunkerSettings(chunk_tokens=30, overlap_tokens=10))
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # they share text
        assert before.text.endswith(article.text[after.start : before.end])


def test_a_sentence_longer_than_the_budget_is_cut_and_nothing_else(fake_embedder):
    long_sentence = "word " * 150 + "end."
    article = _article(f"Short one. {long_sentence} Short two.")
    settings = ChunkerSettings(chunk_tokens=40, overlap_tokens=0)
    chunks = chunk_article(article, fake_embedder, settings)
    _check_chunks(article, chunks, fake_embedder, settings)
    assert chunks[0].text.startswith("Short one.")
    assert chunks[-1].text.endswith("Short two.")


def test_the_model_limit_caps_the_budget_including_the_title(fake_embedder):
    # fake model reads 64 tokens: a 200-token budget must shrink to fit title + special tokens
    article = _article(" ".join(f"Item {i} goes here." for i in range(100)), title="A rather long title " * 10)
    settings = ChunkerSettings(chunk_tokens=200, overlap_tokens=16)
    _check_chunks(article, chunk_article(article, fake_embedder, settings), fake_embedder, settings)


@pytest.mark.model
def test_seed_chunks_fit_the_real_model(real_embedder):
    settings = ChunkerSettings()
    for article in load_corpus([SEEDS]).articles:
        _check_chunks(article, chunk_article(article, real_embedder, settings), real_embedder, settings)


@pytest.mark.model
@pytest.mark.skipif(
    not (SHARED_EVAL / "realtimeqa-dev" / "corpus.jsonl").exists(),
    reason="needs ../shared/eval/realtimeqa-dev beside the project (not part of a clone)",
)
def test_no_chunk_of_realtimeqa_passes_the_model_limit(real_embedder):
    """Every article of ../shared/eval/realtimeqa-dev, counted with MiniLM's own tokenizer, with the
    budget at the model's limit (254 + 2 special tokens), where a miscount would show."""
    corpus = SHARED_EVAL / "realtimeqa-dev" / "corpus.jsonl"
    articles = load_corpus([corpus]).articles
    assert len(articles) == 2109
    settings = ChunkerSettings(chunk_tokens=254, overlap_tokens=32)
    title_and_passage = []
    for article, chunks in zip(articles, chunk_articles(articles, real_embedder, settings)):
        title = short_title(article.meta.title, real_embedder)
        assert chunks, article.doc_id
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
            title_and_passage.append(embedded_text(title, chunk.text, settings))
    counts = real_embedder.count_tokens(title_and_passage)  # recounted independently, in one batch
    assert max(counts) + real_embedder.special_tokens <= real_embedder.max_tokens == 256
