"""Incremental builds: whatever a build reuses, the result is the index a full build would make."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.core.config import Config, CorpusSettings
from bot.core.service import Newsbot
from index import (
    ChunkerSettings,
    CorpusError,
    as_store,
    build_index,
    corpus_fingerprint,
    load_corpus,
    load_corpus_file,
    open_index,
    update_index,
)
from index.search.lexical import TERMS_FILE
from index.stores.files.layout import ARTICLES, BM25, MANIFEST, current_version
from tests.conftest import SEED_2017, SEED_2021, SEEDS
from tests.fakes import FakeEmbedder

STORIES = {
    "harbour": "Harbour bridge reopens\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday after "
    "two years of repairs. Engineers replaced every cable.\n\nTraffic was light in the morning.\n",
    "ferry": "Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike after the port "
    "agreed to a new contract. Crossings resume on Friday.\n",
}


class CountingEmbedder(FakeEmbedder):
    """Counts the passages it embeds and the texts whose word pieces it counts (chunking)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.embedded = 0
        self.counted = 0

    def embed(self, texts, batch_size=32, progress=None):
        self.embedded += len(texts)
        return super().embed(texts, batch_size, progress)

    def count_tokens(self, texts):
        self.counted += len(texts)
        return super().count_tokens(texts)


def snapshot(where) -> dict:
    """The version in use's content by passage id, whatever order its rows are in (either backend)."""
    version = as_store(where).read_current()
    assert version is not None
    chunks = [json.loads(line) for line in version.chunk_lines]
    articles = {}
    for stored in version.articles.values():
        record = json.loads(stored.line)
        record.pop("source_path")
        articles[record["doc_id"]] = record
    words = {column: word for word, column in version.terms.vocabulary.items()}
    counts = version.terms.counts.tocoo()
    term_counts = {(chunks[r]["chunk_id"], words[c]): v for r, c, v in zip(counts.row, counts.col, counts.data)}
    index = open_index(where, FakeEmbedder())
    bm25 = {
        q: sorted((h.chunk.chunk_id, round(h.score, 3)) for h in index.search(q, k=50, mode="bm25"))
        for q in ("harbour bridge cable", "flour Russia embassy", "ferry strike contract", "president Peru")
    }
    return {
        "articles": articles,
        "chunks": {c["chunk_id"]: c for c in chunks},
        "vectors": {c["chunk_id"]: version.vectors[row].round(5).tolist() for row, c in enumerate(chunks)},
        "terms": term_counts,
        "bm25": bm25,
        "fingerprint": index.manifest.corpus_fingerprint,
        "words": version.word_counts(),
        "calibration": index.manifest.answerability,
    }


def full_build_of(corpus: Path, tmp_path: Path, settings: ChunkerSettings = ChunkerSettings()) -> dict:
    reference = tmp_path / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    build_index([corpus], reference, FakeEmbedder(), settings)
    return snapshot(reference)


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "harbour.txt").write_text(STORIES["harbour"])
    return folder


def test_adding_and_removing_articles_gives_the_index_a_full_build_gives(corpus, tmp_path, index_at):
    embedder = CountingEmbedder()
    index_dir = index_at
    first = build_index([corpus], index_dir, embedder)

    (corpus / "ferry.txt").write_text(STORIES["ferry"])
    embedder.embedded = embedder.counted = 0
    [ferry] = load_corpus_file(corpus / "ferry.txt", corpus).articles
    added = update_index(index_dir, embedder, add=[ferry])
    assert (added.added, added.changed, added.removed) == (1, 0, 0)
    assert added.embedded == embedder.embedded == 1 and added.reused == first.manifest.chunks
    assert embedder.counted < 10  # only the new article was chunked
    assert snapshot(index_dir) == full_build_of(corpus, tmp_path)

    (corpus / f"{SEED_2021}.txt").unlink()
    removed = update_index(index_dir, embedder, remove=[SEED_2021])
    assert (removed.added, removed.changed, removed.removed, removed.embedded) == (0, 0, 1, 0)
    assert snapshot(index_dir) == full_build_of(corpus, tmp_path)
    assert removed.manifest.corpus_fingerprint == corpus_fingerprint(load_corpus([corpus]).articles)


def test_a_reindex_with_no_change_chunks_and_embeds_nothing(corpus, tmp_path, index_at):
    embedder = CountingEmbedder()
    first = build_index([corpus], index_at, embedder)
    embedder.embedded = embedder.counted = 0
    report = build_index([corpus], index_at, embedder)
    assert (embedder.embedded, embedder.counted, report.embedded) == (0, 0, 0)
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    assert report.unchanged and as_store(index_at).current_name() == first.version_name
    assert snapshot(index_at) == full_build_of(corpus, tmp_path)


def test_an_edited_article_embeds_only_its_edited_passages(corpus, tmp_path, index_at):
    embedder = CountingEmbedder()
    build_index([corpus], index_at, embedder)
    story = corpus / f"{SEED_2017}.txt"
    story.write_text(story.read_text().replace("2,400 tons of flour", "2,500 tons of flour"))
    embedder.embedded = 0
    report = build_index([corpus], index_at, embedder)
    assert (report.added, report.changed, report.removed) == (0, 1, 0)
    assert 0 < report.embedded < 4 and report.reused > report.embedded
    assert snapshot(index_at) == full_build_of(corpus, tmp_path)


def test_other_chunker_settings_chunk_everything_again(corpus, tmp_path, index_at):
    embedder = CountingEmbedder()
    build_index([corpus], index_at, embedder)
    settings = ChunkerSettings(chunk_tokens=40, overlap_tokens=0)
    embedder.counted = 0
    report = build_index([corpus], index_at, embedder, settings)
    assert embedder.counted > 20 and report.embedded > 0
    assert snapshot(index_at) == full_build_of(corpus, tmp_path, settings)


def test_another_model_embeds_everything_again(corpus, tmp_path, index_at):
    build_index([corpus], index_at, FakeEmbedder())
    other = CountingEmbedder(name="other-model")
    report = build_index([corpus], index_at, other)
    assert report.reused == 0 and other.embedded == report.manifest.chunks
    assert open_index(index_at, other).search("harbour bridge cable", k=1)[0].article.doc_id == "harbour"


def test_an_index_written_before_term_counts_and_digests_were_kept_still_loads_and_is_built_again(corpus, tmp_path):
    """Such a version records no digests of its files: it cannot be checked, so a build reuses nothing of it."""
    embedder = CountingEmbedder()
    first = build_index([corpus], tmp_path / "ix", embedder)
    rows = open_index(tmp_path / "ix", embedder).rows_by_article
    version = current_version(tmp_path / "ix")
    (version / BM25 / TERMS_FILE).unlink()
    records = [json.loads(line) for line in (version / ARTICLES).read_text().splitlines()]
    (version / ARTICLES).write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k not in ("digest", "passages")}) + "\n" for r in records)
    )
    manifest = json.loads((version / MANIFEST).read_text())
    del manifest["files"]
    (version / MANIFEST).write_text(json.dumps(manifest))
    old = open_index(tmp_path / "ix", embedder)  # passages counted from chunks.jsonl
    assert old.rows_by_article == rows
    assert old.search("harbour bridge cable", k=1)[0].article.doc_id == "harbour"
    embedder.embedded = 0
    report = build_index([corpus], tmp_path / "ix", embedder)
    assert report.embedded == embedder.embedded == first.manifest.chunks
    assert snapshot(tmp_path / "ix") == full_build_of(corpus, tmp_path)


def test_update_refuses_unknown_and_clashing_ids_and_changes_nothing(corpus, tmp_path, index_at):
    embedder = FakeEmbedder()
    build_index([corpus], index_at, embedder)
    before = as_store(index_at).current_name()
    with pytest.raises(CorpusError, match="no article 'nope'"):
        update_index(index_at, embedder, remove=["nope"])
    [harbour] = load_corpus_file(corpus / "harbour.txt", corpus).articles
    with pytest.raises(CorpusError, match="already in the index"):
        update_index(index_at, embedder, add=[harbour])
    with pytest.raises(CorpusError, match="no articles"):
        update_index(index_at, embedder, remove=[SEED_2017, SEED_2021, "harbour"])
    assert as_store(index_at).current_name() == before


def test_bm25_weights_match_bm25s_own_indexing():
    import bm25s

    from index.search.lexical import LexicalIndex, _tokenize

    texts = [chunk for article in load_corpus([SEEDS]).articles for chunk in article.text.split("\n\n")]
    reference = bm25s.BM25()
    reference.index(_tokenize(texts), show_progress=False)
    ours = LexicalIndex.build(texts)._retriever
    for query in ("flour delivered by Russia", "president of Peru", "North Korea summit"):
        tokens = _tokenize([query])
        expected = reference.retrieve(tokens, k=5, show_progress=False)
        found = ours.retrieve(tokens, k=5, show_progress=False)
        assert expected[0].tolist() == found[0].tolist()
        np.testing.assert_allclose(expected[1], found[1], rtol=1e-5)


def test_a_damaged_version_in_use_is_not_reused_and_a_full_build_follows(corpus, tmp_path):
    embedder = CountingEmbedder()
    first = build_index([corpus], tmp_path / "ix", embedder)
    version = current_version(tmp_path / "ix")
    lines = (version / ARTICLES).read_text().splitlines()
    (version / ARTICLES).write_text("\n".join(lines[:-1]) + "\n")  # an article record lost: rows no longer add up
    embedder.embedded = 0
    report = build_index([corpus], tmp_path / "ix", embedder)
    assert report.embedded == embedder.embedded == first.manifest.chunks
    assert snapshot(tmp_path / "ix") == full_build_of(corpus, tmp_path)


def test_a_kept_version_spares_reading_it_and_a_stale_one_is_not_used(corpus, tmp_path, monkeypatch):
    embedder = FakeEmbedder()
    index_dir = tmp_path / "ix"
    first = build_index([corpus], index_dir, embedder)
    (corpus / "ferry.txt").write_text(STORIES["ferry"])
    [ferry] = load_corpus_file(corpus / "ferry.txt", corpus).articles

    def no_disk(path):
        raise AssertionError(f"read {path} although the caller kept that version")

    with monkeypatch.context() as patch:
        patch.setattr("index.stores.files.reader.read_lines", no_disk)
        added = update_index(index_dir, embedder, add=[ferry], kept=first.version)
    assert snapshot(index_dir) == full_build_of(corpus, tmp_path)

    (corpus / "ferry.txt").unlink()
    update_index(index_dir, embedder, remove=["ferry"])  # another process changes the index meanwhile
    (corpus / f"{SEED_2021}.txt").unlink()
    update_index(index_dir, embedder, remove=[SEED_2021], kept=added.version)  # stale: read from disk instead
    assert snapshot(index_dir) == full_build_of(corpus, tmp_path)


def test_a_small_change_keeps_the_answer_calibration_and_a_large_one_measures_again(corpus, index_at, monkeypatch):
    """Measuring the background costs a second or two on a large corpus; a change of a few
    passages in thousands would barely move it. Here "few" is made large enough for the seeds."""
    index_dir = index_at
    first = build_index([corpus], index_dir, FakeEmbedder()).manifest.answerability
    assert first["changed"] == 0 and first["passages"] > 0
    monkeypatch.setattr("index.search.answerability.CARRY_OVER_SHARE", 0.5)
    (corpus / "ferry.txt").write_text(STORIES["ferry"])
    [ferry] = load_corpus_file(corpus / "ferry.txt", corpus).articles
    carried = update_index(index_dir, FakeEmbedder(), add=[ferry]).manifest.answerability
    assert carried == {**first, "changed": 1}  # the ferry story is one passage

    monkeypatch.setattr("index.search.answerability.CARRY_OVER_SHARE", 0.0)
    measured = update_index(index_dir, FakeEmbedder(), remove=["ferry"]).manifest.answerability
    assert measured["changed"] == 0 and measured["passages"] == first["passages"]


def test_stats_say_what_the_last_build_did(tmp_path):
    from bot.core.describe import stats_rows

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    app = Newsbot(
        Config(corpus=CorpusSettings(paths=(corpus,), added_dir=tmp_path / "added")),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "ix",
    )
    app.rebuild()
    built = dict(stats_rows(app.index.stats()))["Built"]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC in \d+\.\d s: 2 added, 0 changed, 0 removed; "
        r"22 passages embedded, 0 reused",
        built,
    ), built
    (corpus / "note.txt").write_text("Harbour note\n\nThe harbour opened a gate today.\n")
    app.rebuild()
    assert dict(stats_rows(app.index.stats()))["Built"].endswith(
        "1 added, 0 changed, 0 removed; 1 passage embedded, 22 reused"
    )


def test_a_change_on_postgres_reads_and_writes_only_the_articles_it_touches(
    corpus, tmp_path, postgres_url, monkeypatch
):
    """Another process (nothing kept in memory) adds, edits and removes articles: it reads only those
    articles' passages, never the whole version, and the result is what a full build makes."""
    from index import PostgresStore

    monkeypatch.setattr("index.search.answerability.CARRY_OVER_SHARE", 2.0)  # the seeds are small
    first = PostgresStore(postgres_url, "changes")
    build_index([corpus], first, FakeEmbedder())
    first.close()
    other = PostgresStore(postgres_url, "changes")
    read: list[tuple[list[str], int]] = []
    real = PostgresStore.read_articles

    def counted(self, doc_ids):
        current = real(self, doc_ids)
        read.append((sorted(current.touched.articles), len(current.touched.chunk_lines)))
        return current

    monkeypatch.setattr(PostgresStore, "read_articles", counted)
    monkeypatch.setattr(PostgresStore, "read_current", lambda self, kept=None: pytest.fail("read the whole version"))
    embedder = CountingEmbedder()
    try:
        (corpus / "ferry.txt").write_text(STORIES["ferry"])
        [ferry] = load_corpus_file(corpus / "ferry.txt", corpus).articles
        added = update_index(other, embedder, add=[ferry])
        assert (added.added, added.changed, added.removed, added.embedded) == (1, 0, 0, 1)

        seed = corpus / f"{SEED_2017}.txt"
        correction = "A correction was added to the end of this story later.\n\nLatest Headlines"
        seed.write_text(seed.read_text().replace("Latest Headlines", correction))
        [edited_seed] = load_corpus_file(seed, corpus).articles
        embedder.embedded = 0
        edited = update_index(other, embedder, add=[edited_seed], remove=[SEED_2017])
        assert (edited.added, edited.changed, edited.removed) == (0, 1, 0)
        assert edited.embedded == embedder.embedded == 1  # the passages before the correction keep their vectors

        (corpus / f"{SEED_2021}.txt").unlink()
        removed = update_index(other, embedder, remove=[SEED_2021])
        assert (removed.added, removed.changed, removed.removed, removed.embedded) == (0, 0, 1, 0)
        assert removed.manifest.answerability["changed"] > 0  # carried over, not measured again
    finally:
        other.close()
    assert [doc_ids for doc_ids, _ in read] == [[], [SEED_2017], [SEED_2021]]
    assert read[0][1] == 0 and 1 < read[1][1] < added.manifest.chunks and 1 < read[2][1] < added.manifest.chunks
    monkeypatch.undo()
    changed, full = snapshot(other), full_build_of(corpus, tmp_path)
    changed.pop("calibration"), full.pop("calibration")
    assert changed == full
    other.close()
