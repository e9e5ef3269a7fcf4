"""The index on disk: versions, the manifest check, and builds that die halfway."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest

from index import (
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    StorageError,
    build_index,
    build_lock,
    open_index,
    serve_previous_version,
)
from index.stores.files.digests import file_digests
from index.stores.files.layout import CURRENT, MANIFEST, VERSIONS, current_version
from tests.conftest import ROOT, SEEDS
from tests.fakes import FakeEmbedder


def test_a_build_is_a_self_describing_folder(tmp_path, fake_embedder):
    report = build_index([SEEDS], tmp_path / "ix", fake_embedder)
    version = current_version(tmp_path / "ix")
    assert (tmp_path / "ix" / CURRENT).is_symlink()
    assert sorted(p.name for p in version.iterdir()) == [
        "articles.jsonl",
        "bm25",
        "chunks.jsonl",
        "manifest.json",
        "vectors.faiss",
        "words.tsv",
    ]
    manifest = json.loads((version / MANIFEST).read_text())
    assert manifest["format_version"] == 1
    assert manifest["model"] == "fake-hash" and manifest["dimension"] == 256 and manifest["max_tokens"] == 64
    assert manifest["chunker"] == {"chunk_tokens": 128, "overlap_tokens": 0, "title_in_embedding": True}
    assert manifest["articles"] == 2 and manifest["chunks"] == report.manifest.chunks > 2
    assert len(manifest["corpus_fingerprint"]) == 64


def test_search_returns_hits_with_metadata(tmp_path, fake_embedder):
    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    index = open_index(tmp_path / "ix", fake_embedder)
    for mode in ("hybrid", "dense", "bm25"):
        [hit, *_] = index.search("tons of flour delivered by the Russian embassy", k=3, mode=mode)
        assert "2,400 tons of flour" in hit.passage
        assert hit.article.outlet == "UPI"
        assert hit.passage == hit.chunk.text
    assert index.search("   ", k=3) == []


def test_opening_before_any_build_says_how_to_build(tmp_path, fake_embedder):
    with pytest.raises(
        IndexMissingError, match=r"no index has been built in .* yet\. Build one with `newsbot index build`"
    ):
        open_index(tmp_path / "nothing", fake_embedder)


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (
            FakeEmbedder(name="another-model"),
            r"built with the model 'fake-hash', but the configured model is 'another-model'\. Rebuild it with `newsbot index build`, or set \[index\] model = 'fake-hash'",
        ),
        (
            FakeEmbedder(dimension=32),
            r"holds 256-dimensional vectors, the model makes 32\. Rebuild it with `newsbot index build`",
        ),
        # the same model run the other way (an index built before the int8 copy): the runtime is the other fix
        (FakeEmbedder(name="fake-hash (onnx int8)"), r"or set \[index\] runtime = \"sentence-transformers\""),
    ],
)
def test_a_mismatched_model_is_refused_with_the_fix(tmp_path, fake_embedder, other, message):
    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    with pytest.raises(IndexMismatchError, match=message):
        open_index(tmp_path / "ix", other)


def test_another_format_version_is_refused_with_the_fix(tmp_path, fake_embedder):
    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    manifest_path = current_version(tmp_path / "ix") / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"has format version 99, this newsbot reads version 1\. Rebuild it"):
        open_index(tmp_path / "ix", fake_embedder)


def test_a_failing_build_leaves_the_previous_index_serving(tmp_path, fake_embedder, monkeypatch):
    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    before = current_version(tmp_path / "ix")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "extra.txt").write_text("An extra story title\n\nSomething new happened in the harbour.\n")

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("index.build.LexicalIndex.save", explode)
    with pytest.raises(StorageError, match="disk full"):
        build_index([SEEDS, tmp_path / "more"], tmp_path / "ix", fake_embedder)
    assert current_version(tmp_path / "ix") == before
    assert open_index(tmp_path / "ix", fake_embedder).manifest.articles == 2


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from index import build_index
    from index.stores.files import versions
    from tests.fakes import FakeEmbedder

    stage = sys.argv[1]
    def progress(name, done, total):
        if name == stage:
            os.kill(os.getpid(), signal.SIGKILL)
    if stage == "publish":  # die after the version is complete, before the link moves
        real_rename = os.rename
        def rename_then_die(src, dst):
            real_rename(src, dst)
            os.kill(os.getpid(), signal.SIGKILL)
        versions.os.rename = rename_then_die
    build_index([{seeds!r}, sys.argv[2]], Path(sys.argv[3]), FakeEmbedder(), progress=progress)
    """
)


@pytest.mark.parametrize("stage", ["chunking", "embedding", "writing", "publish"])
def test_a_build_killed_at_any_stage_leaves_the_previous_index_loadable(tmp_path, fake_embedder, stage):
    index_dir = tmp_path / "ix"
    build_index([SEEDS], index_dir, fake_embedder)
    before = current_version(index_dir)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "extra.txt").write_text("An extra story title\n\nSomething new happened in the harbour.\n")
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(root=str(ROOT), seeds=str(SEEDS)))
    result = subprocess.run(
        [sys.executable, str(script), stage, str(tmp_path / "more"), str(index_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert current_version(index_dir) == before
    index = open_index(index_dir, fake_embedder)
    assert sorted(index.articles) == ["000_d9337505ec262534", "001_4589706aa8a54f74"]
    # the next build clears what the dead one left and publishes normally
    build_index([SEEDS, tmp_path / "more"], index_dir, fake_embedder)
    assert open_index(index_dir, fake_embedder).manifest.articles == 3
    assert not [p for p in (index_dir / VERSIONS).iterdir() if p.name.startswith(".")]


def test_only_one_build_at_a_time(tmp_path, fake_embedder):
    with build_lock(tmp_path / "ix"), pytest.raises(IndexBusyError, match="another build is writing the index"):
        build_index([SEEDS], tmp_path / "ix", fake_embedder)


def test_old_versions_are_pruned_to_keep_versions(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for edit in range(4):
        (corpus / "note.txt").write_text(f"Harbour note number {edit}\n\nThe harbour opened gate {edit} today.\n")
        build_index([corpus], tmp_path / "ix", fake_embedder, keep_versions=2)
    versions = sorted(p.name for p in (tmp_path / "ix" / VERSIONS).iterdir())
    assert len(versions) == 2
    assert current_version(tmp_path / "ix").name == versions[-1]
    assert os.path.islink(tmp_path / "ix" / CURRENT)


def test_a_build_with_nothing_changed_keeps_the_version_in_use(tmp_path, fake_embedder):
    first = build_index([SEEDS], tmp_path / "ix", fake_embedder, keep_versions=2)
    again = build_index([SEEDS], tmp_path / "ix", fake_embedder, keep_versions=2)
    assert again.unchanged and again.version_name == first.version_name == current_version(tmp_path / "ix").name
    assert len(list((tmp_path / "ix" / VERSIONS).iterdir())) == 1  # history is not pushed out by no-op builds


class CountingEmbedder(FakeEmbedder):
    """Counts the passages it is asked to embed at build time."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.embedded = 0

    def embed(self, texts, batch_size=32, progress=None):
        self.embedded += len(texts)
        return super().embed(texts, batch_size, progress)


def test_a_rebuild_embeds_only_passages_it_has_not_seen(tmp_path):
    embedder = CountingEmbedder()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_d9337505ec262534", "001_4589706aa8a54f74"):
        (corpus / f"{name}.txt").write_text((SEEDS / f"{name}.txt").read_text())
    first = build_index([corpus], tmp_path / "ix", embedder)
    assert (first.added, first.embedded, first.reused) == (2, first.manifest.chunks, 0)

    unchanged = build_index([corpus], tmp_path / "ix", embedder)
    assert (unchanged.embedded, unchanged.reused) == (0, first.manifest.chunks)
    assert (unchanged.added, unchanged.changed, unchanged.removed) == (0, 0, 0)
    assert embedder.embedded == first.manifest.chunks

    (corpus / "harbour.txt").write_text("Harbour bridge reopens\n\nMarch 5 (AP) -- The harbour bridge reopened.\n")
    (corpus / "001_4589706aa8a54f74.txt").unlink()
    changed = build_index([corpus], tmp_path / "ix", embedder)
    assert (changed.added, changed.changed, changed.removed) == (1, 0, 1)
    assert changed.embedded == 1
    index = open_index(tmp_path / "ix", embedder)
    assert sorted(index.articles) == ["000_d9337505ec262534", "harbour"]
    fresh = FakeEmbedder()
    build_index([corpus], tmp_path / "fresh", fresh)
    reference = open_index(tmp_path / "fresh", fresh)
    question = "harbour bridge reopened"
    assert [h.chunk.chunk_id for h in index.search(question, 3)] == [
        h.chunk.chunk_id for h in reference.search(question, 3)
    ]


def test_rollback_goes_back_one_version_and_no_further_than_the_oldest(tmp_path, fake_embedder, capsys):
    from bot.terminal.cli import main

    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    first = current_version(tmp_path / "ix")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "extra.txt").write_text("An extra story title\n\nSomething new happened in the harbour.\n")
    build_index([SEEDS, tmp_path / "more"], tmp_path / "ix", fake_embedder)
    assert open_index(tmp_path / "ix", fake_embedder).manifest.articles == 3

    assert serve_previous_version(tmp_path / "ix") == first.name
    assert current_version(tmp_path / "ix") == first
    assert open_index(tmp_path / "ix", fake_embedder).manifest.articles == 2
    assert main(["index", "rollback", "--index", str(tmp_path / "ix")]) == 2
    assert "there is no version older than" in capsys.readouterr().err


def test_a_version_whose_passage_counts_do_not_add_up_is_refused_as_damaged(tmp_path, fake_embedder):
    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    version = current_version(tmp_path / "ix")
    lines = (version / "chunks.jsonl").read_text().splitlines()
    (version / "chunks.jsonl").write_text("\n".join(lines[1:]) + "\n")
    (version / MANIFEST).write_text(
        (version / MANIFEST).read_text().replace(f'"chunks": {len(lines)}', f'"chunks": {len(lines) - 1}')
    )
    manifest = json.loads((version / MANIFEST).read_text())
    manifest["files"] = file_digests(version)  # digests that agree: the passage counts are what is checked here
    (version / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="is damaged .*count .* passages, but it holds"):
        open_index(tmp_path / "ix", fake_embedder)
