"""A damaged or tampered index on disk is refused in one line, never quoted and never reused; a build repairs it.

Each version records a SHA-256 digest of each of its files in its manifest. Search refuses a
version whose files do not match them; a build does not reuse such a version (nor one written
before digests were recorded, which it cannot check) and embeds everything again.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from index import IndexMismatchError, build_index, open_index, serve_previous_version
from index.search.news_index import ChunkLines
from index.stores.files.layout import (
    ARTICLES,
    BM25,
    CHUNKS,
    CURRENT,
    LOCK,
    MANIFEST,
    VECTORS,
    VERSIONS,
    current_version,
)
from tests.conftest import SEED_2017, SEEDS
from tests.fakes import FakeEmbedder

TAMPERED = "the moon is made of cheese"
FLOUR = "2,400 tons of flour"
QUESTION = "tons of flour delivered by the Russian embassy"
FRESH_VERSION = "Run `newsbot index build` to build a fresh version"


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def assert_one_line_error(result: tuple[int, str, str]) -> str:
    status, _, err = result
    lines = err.splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("newsbot: error:"), err
    return lines[0]


def passages(index_dir: Path) -> list[str]:
    return [hit.passage for hit in open_index(index_dir, FakeEmbedder()).search(QUESTION, k=3)]


def titles(index_dir: Path) -> list[str]:
    return sorted(meta.title for meta in open_index(index_dir, FakeEmbedder()).articles.values())


def rewrite_lines(path: Path, change) -> None:
    """Apply `change(number, line) -> line` to each line of a JSON Lines file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("".join(change(number, line) + "\n" for number, line in enumerate(lines)), encoding="utf-8")


def edit_manifest(version: Path, change) -> None:
    manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    (version / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def without_digests(version: Path) -> None:
    """Make it a version as written before digests were recorded."""
    edit_manifest(version, lambda manifest: manifest.pop("files", None))


# Damage done to the version in use; each names the file it damages.


def built_without_digests(tmp_path: Path, corpus: Path) -> tuple[Path, Path, list[str]]:
    """An index as versions were written before digests: (index folder, version, its passages)."""
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    version = current_version(index_dir)
    without_digests(version)
    return index_dir, version, passages(index_dir)


def chunk_text_edited(version: Path) -> str:
    def change(number, line):
        record = json.loads(line)
        if FLOUR in record["text"]:
            record["text"] = TAMPERED
        return json.dumps(record, ensure_ascii=False)

    rewrite_lines(version / CHUNKS, change)
    return CHUNKS


def set_article_field(version: Path, field: str, value, only: str | None = None) -> str:
    """Set one field of every article line (or of article `only`) in articles.jsonl."""

    def change(number, line):
        record = json.loads(line)
        if only is None or record["doc_id"] == only:
            record[field] = value
        return json.dumps(record, ensure_ascii=False)

    rewrite_lines(version / ARTICLES, change)
    return ARTICLES


def article_title_edited(version: Path) -> str:
    return set_article_field(version, "title", TAMPERED, only=SEED_2017)


def chunk_line_not_json(version: Path) -> str:
    rewrite_lines(version / CHUNKS, lambda number, line: '{"chunk_id": "broken' if FLOUR in line else line)
    return CHUNKS


def article_title_not_a_string(version: Path) -> str:
    return set_article_field(version, "title", 42)


def article_date_not_a_date(version: Path) -> str:
    return set_article_field(version, "date", ["2017", "07", "19"])


def article_line_not_an_object(version: Path) -> str:
    rewrite_lines(version / ARTICLES, lambda number, line: "[1, 2, 3]" if number == 0 else line)
    return ARTICLES


def vectors_truncated(version: Path) -> str:
    data = (version / VECTORS).read_bytes()
    (version / VECTORS).write_bytes(data[: len(data) // 2])
    return VECTORS


def bm25_file_missing(version: Path) -> str:
    (version / BM25 / "params.index.json").unlink()
    return f"{BM25}/params.index.json"


def chunks_missing(version: Path) -> str:
    (version / CHUNKS).unlink()
    return CHUNKS


TAMPERING = [
    chunk_text_edited,
    article_title_edited,
    chunk_line_not_json,
    article_title_not_a_string,
    article_date_not_a_date,
    article_line_not_an_object,
    vectors_truncated,
    bm25_file_missing,
    chunks_missing,
]
LOADER_CATCHES = [
    article_title_not_a_string,
    article_date_not_a_date,
    article_line_not_an_object,
    vectors_truncated,
    bm25_file_missing,
    chunks_missing,
]
"""Damage the loader itself detects, digests or not."""


@pytest.mark.parametrize("damage", TAMPERING, ids=lambda damage: damage.__name__)
def test_a_damaged_version_is_refused_in_one_line_and_a_build_repairs_it(tmp_path, corpus, cli, damage):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    original_passages, original_titles = passages(index_dir), titles(index_dir)
    assert any(FLOUR in passage for passage in original_passages)
    version = current_version(index_dir)
    damaged_file = damage(version)

    with pytest.raises(IndexMismatchError) as refused:
        open_index(index_dir, FakeEmbedder())
    assert version.name in str(refused.value) and damaged_file in str(refused.value)
    assert str(refused.value).endswith(FRESH_VERSION)
    line = assert_one_line_error(cli("index", "stats", "--index", str(index_dir)))
    assert damaged_file in line
    assert_one_line_error(cli("ask", QUESTION, "--index", str(index_dir)))

    report = build_index([corpus], index_dir, FakeEmbedder())
    assert report.embedded == report.manifest.chunks  # nothing taken from the damaged version
    assert passages(index_dir) == original_passages
    assert titles(index_dir) == original_titles
    assert TAMPERED not in (current_version(index_dir) / CHUNKS).read_text(encoding="utf-8")
    assert TAMPERED not in (current_version(index_dir) / ARTICLES).read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", LOADER_CATCHES, ids=lambda damage: damage.__name__)
def test_damage_to_a_version_without_digests_is_refused_in_one_line_and_a_build_repairs_it(
    tmp_path, corpus, cli, damage
):
    index_dir, version, original_passages = built_without_digests(tmp_path, corpus)
    damage(version)

    with pytest.raises(IndexMismatchError, match="is damaged"):
        open_index(index_dir, FakeEmbedder())
    assert_one_line_error(cli("index", "stats", "--index", str(index_dir)))
    assert cli("index", "build", "--index", str(index_dir), "--corpus", str(corpus))[0] == 0
    assert passages(index_dir) == original_passages


def test_a_version_without_digests_is_still_searched_but_never_reused(tmp_path, corpus):
    """It cannot be checked, so an edit to it goes unseen by search; a build takes nothing from it."""
    index_dir, version, original_passages = built_without_digests(tmp_path, corpus)
    chunk_text_edited(version)
    assert TAMPERED in passages(index_dir)

    report = build_index([corpus], index_dir, FakeEmbedder())
    assert report.embedded == report.manifest.chunks
    assert passages(index_dir) == original_passages
    assert report.manifest.files is not None


def test_a_broken_chunk_line_in_a_version_without_digests_ends_ask_in_one_line(tmp_path, corpus, cli):
    index_dir, version, original_passages = built_without_digests(tmp_path, corpus)
    chunk_line_not_json(version)
    open_index(index_dir, FakeEmbedder())  # passages are decoded when quoted

    line = assert_one_line_error(cli("ask", QUESTION, "--index", str(index_dir)))
    assert "is damaged" in line and "newsbot index build" in line
    report = build_index([corpus], index_dir, FakeEmbedder())
    assert report.embedded == report.manifest.chunks
    assert passages(index_dir) == original_passages


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b'{"chunk_id": "a"}',
        b"\xff\xfe{}",
        b'{"chunk_id": 1, "doc_id": "d", "start": 0, "end": 1, "text": "x", "tokens": 1}',
        b'{"chunk_id": "c", "doc_id": "d", "start": 0, "end": 1, "text": null, "tokens": 1}',
        b'{"chunk_id": "c", "doc_id": "d", "start": "0", "end": 1, "text": "x", "tokens": 1}',
        b'{"chunk_id": "c", "doc_id": "d", "start": 0, "end": 1, "text": "x", "tokens": 1, ' b'"extra": 2}',
    ],
)
def test_a_chunk_line_that_is_not_a_chunk_is_refused_as_damaged(line):
    chunks = ChunkLines([b'{"chunk_id": "c", "doc_id": "d", "start": 0, "end": 1, "text": "x", "tokens": 1}', line])
    assert chunks[0].text == "x"
    with pytest.raises(IndexMismatchError, match=r"is damaged: its line 2 is not a passage .*newsbot index build"):
        chunks[1]
    with pytest.raises(IndexMismatchError):
        chunks[0:2]


MANIFESTS = {
    "a list": lambda text: "[]",
    "a string": lambda text: '"manifest"',
    "a number": lambda text: "5",
    "null": lambda text: "null",
    "not JSON": lambda text: text[:-10],
}
FIELDS = {
    "build_seconds": "fast",
    "chunks": "24",
    "dimension": True,
    "model": None,
    "corpus_paths": "seeds",
    "chunker": [],
    "built_at": 2026,
    "files": ["chunks.jsonl"],
}


@pytest.mark.parametrize("replace", MANIFESTS.values(), ids=MANIFESTS.keys())
def test_a_manifest_that_is_not_an_object_is_refused_in_one_line(tmp_path, corpus, cli, replace):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    path = current_version(index_dir) / MANIFEST
    path.write_text(replace(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"manifest .*newsbot index build"):
        open_index(index_dir, FakeEmbedder())
    assert_one_line_error(cli("index", "stats", "--index", str(index_dir)))
    report = build_index([corpus], index_dir, FakeEmbedder())
    assert report.embedded == report.manifest.chunks
    assert any(FLOUR in passage for passage in passages(index_dir))


@pytest.mark.parametrize(("field", "value"), FIELDS.items(), ids=FIELDS.keys())
def test_a_manifest_field_of_the_wrong_type_is_refused_in_one_line(tmp_path, corpus, cli, field, value):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    edit_manifest(current_version(index_dir), lambda manifest: manifest.update({field: value}))
    with pytest.raises(IndexMismatchError, match=rf"manifest .*{field}.*newsbot index build"):
        open_index(index_dir, FakeEmbedder())
    assert field in assert_one_line_error(cli("index", "stats", "--index", str(index_dir)))
    report = build_index([corpus], index_dir, FakeEmbedder())
    assert report.embedded == report.manifest.chunks


def test_every_version_records_a_digest_of_each_of_its_files(tmp_path, corpus):
    import hashlib

    report = build_index([corpus], tmp_path / "ix", FakeEmbedder())
    version = current_version(tmp_path / "ix")
    files = json.loads((version / MANIFEST).read_text(encoding="utf-8"))["files"]
    on_disk = sorted(
        p.relative_to(version).as_posix() for p in version.rglob("*") if p.is_file() and p.name != MANIFEST
    )
    assert sorted(files) == on_disk and {ARTICLES, CHUNKS, VECTORS, f"{BM25}/terms.npz"} <= set(files)
    assert all(files[name] == hashlib.sha256((version / name).read_bytes()).hexdigest() for name in files)
    assert report.manifest.files == files


@pytest.mark.parametrize("with_versions", [True, False], ids=["whole-folder", "current-only"])
def test_a_copied_index_folder_is_searched_and_a_build_turns_current_back_into_a_link(
    tmp_path, corpus, cli, with_versions
):
    original = tmp_path / "ix"
    build_index([corpus], original, FakeEmbedder())
    original_passages = passages(original)
    copied = tmp_path / "copy"
    if with_versions:
        shutil.copytree(original, copied, symlinks=False)  # what `cp -rL` or `scp -r` make of it
    else:
        shutil.copytree(original / CURRENT, copied / CURRENT)
    assert (copied / CURRENT).is_dir() and not (copied / CURRENT).is_symlink()
    copied_chunks = (copied / CURRENT / CHUNKS).read_bytes()

    assert passages(copied) == original_passages
    assert cli("index", "stats", "--index", str(copied))[0] == 0

    status, _, err = cli("index", "build", "--index", str(copied), "--corpus", str(corpus))
    assert status == 0, err
    assert (copied / CURRENT).is_symlink()
    assert current_version(copied).parent == (copied / VERSIONS).resolve()
    assert passages(copied) == original_passages
    [kept] = [v for v in (copied / VERSIONS).iterdir() if v.name.endswith("-copied")]
    assert (kept / CHUNKS).read_bytes() == copied_chunks
    assert kept.name < current_version(copied).name  # built before the new version: a rollback returns to it

    assert serve_previous_version(copied) == kept.name
    assert passages(copied) == original_passages


def test_a_rollback_from_a_copied_current_folder_keeps_it(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    (corpus / "ferry.txt").write_text("Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike.\n")
    build_index([corpus], index_dir, FakeEmbedder())
    newest = current_version(index_dir)
    (index_dir / CURRENT).unlink()
    shutil.copytree(newest, index_dir / CURRENT)
    older = serve_previous_version(index_dir)  # the copy is kept as the newest version: the one before it is `newest`
    assert older == newest.name
    assert (index_dir / CURRENT).is_symlink() and current_version(index_dir) == newest
    assert len(open_index(index_dir, FakeEmbedder()).articles) == 3
    assert [v for v in (index_dir / VERSIONS).iterdir() if v.name.endswith("-copied")]


def make_lock_a_folder(lock: Path, tmp_path: Path) -> None:
    lock.mkdir()
    (lock / "notes.txt").write_text("mine")


def make_lock_a_link(lock: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "elsewhere.txt", lock)


@pytest.mark.parametrize("make", [make_lock_a_folder, make_lock_a_link], ids=["folder", "symbolic-link"])
def test_a_lock_path_that_is_not_a_regular_file_is_refused_in_one_line_and_left_alone(tmp_path, corpus, cli, make):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    before = current_version(index_dir)
    lock = index_dir / LOCK
    lock.unlink()
    make(lock, tmp_path)

    with pytest.raises(IndexMismatchError, match=rf"{LOCK} is not a regular file.*Remove it: rm -r "):
        build_index([corpus], index_dir, FakeEmbedder())
    line = assert_one_line_error(cli("index", "build", "--index", str(index_dir), "--corpus", str(corpus)))
    assert f"rm -r {lock}" in line
    assert_one_line_error(cli("index", "rollback", "--index", str(index_dir)))
    assert os.path.lexists(lock) and not lock.is_file()
    assert not (tmp_path / "elsewhere.txt").exists()
    if lock.is_dir():
        assert (lock / "notes.txt").read_text() == "mine"
    assert current_version(index_dir) == before and any(FLOUR in p for p in passages(index_dir))


def test_an_index_folder_that_is_a_file_is_refused_in_one_line(tmp_path, corpus, cli):
    (tmp_path / "ix").write_text("not a folder")
    assert_one_line_error(cli("index", "build", "--index", str(tmp_path / "ix"), "--corpus", str(corpus)))
    assert (tmp_path / "ix").read_text() == "not a folder"


def test_a_rollback_to_a_damaged_version_is_refused_and_changes_nothing(tmp_path, corpus, cli):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    older = current_version(index_dir)
    (corpus / "ferry.txt").write_text("Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike.\n")
    build_index([corpus], index_dir, FakeEmbedder())
    newest = current_version(index_dir)
    chunk_text_edited(older)
    line = assert_one_line_error(cli("index", "rollback", "--index", str(index_dir)))
    assert older.name in line and CHUNKS in line
    assert current_version(index_dir) == newest and len(open_index(index_dir, FakeEmbedder()).articles) == 3


def test_a_fifo_listed_in_a_manifest_is_damage_not_a_hang(tmp_path, corpus):
    """Opening a FIFO to hash it would block forever: it is refused as damage, and a build repairs it."""
    import signal

    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, FakeEmbedder())
    version = current_version(index_dir)
    os.mkfifo(version / "notes")
    edit_manifest(version, lambda manifest: manifest["files"].update(notes="0" * 64))
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("hashing the FIFO blocked"))
    signal.alarm(20)
    try:
        with pytest.raises(IndexMismatchError, match="notes"):
            open_index(index_dir, FakeEmbedder())
        report = build_index([corpus], index_dir, FakeEmbedder())
    finally:
        signal.alarm(0)
    assert report.embedded == report.manifest.chunks
    open_index(index_dir, FakeEmbedder())
