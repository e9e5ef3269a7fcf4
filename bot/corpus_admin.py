"""Adding, removing and restoring articles in the corpus folder, each followed by an incremental build.

An added article is checked on its own first (it must load, with no warning), then saved into the
corpus folder: the first folder in `[corpus] paths`. A removed article's file moves to `.trash/` in
that folder (hidden folders are not read as corpus), from where `restore` brings it back.
Articles that live inside a .jsonl file are left alone: edit that file instead.

Each change is an `update` of the index: the other articles' passages, vectors and term counts
are taken from the version in use as they are. When the index cannot follow (busy, disk full),
the files are put back as they were.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from index import ARTICLE_SUFFIXES, Article, BuildReport, CorpusError, NewsbotError, load_corpus, load_corpus_file

from index.chunking import chunk_article

from .service import Newsbot

TRASH = ".trash"
MAX_ARTICLE_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 20


@dataclass(frozen=True)
class CorpusChange:
    article: Article | None
    path: Path
    report: BuildReport | None
    """None for a dry run."""
    passages: int = 0
    """Passages the added article has (or would have)."""


def corpus_folder(app: Newsbot) -> Path:
    for path in app.config.corpus.paths:
        if path.is_dir():
            return path
    raise CorpusError("no folder among [corpus] paths to keep articles in", "add a folder to [corpus] paths")


def _check_article(path: Path) -> Article:
    loaded = load_corpus([path])
    if loaded.warnings or len(loaded.articles) != 1:
        problem = loaded.warnings[0] if loaded.warnings else f"{path.name} holds {len(loaded.articles)} articles"
        raise CorpusError(f"cannot add it: {problem}", "give one readable article (.txt, .md, .html)")
    return loaded.articles[0]


def _fetch(url: str, folder: Path) -> Path:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CorpusError(f"{url} is not an http(s) URL", "give a link to a news article")
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
            data = response.read(MAX_ARTICLE_BYTES + 1)
    except OSError as error:
        raise CorpusError(f"cannot fetch {url} ({error})", "check the link and try again") from None
    if len(data) > MAX_ARTICLE_BYTES:
        raise CorpusError(f"{url} is over {MAX_ARTICLE_BYTES // 1024 // 1024} MB", "give a single article")
    name = (Path(parsed.path).stem or parsed.netloc).replace(" ", "-")[:80] or "article"
    path = folder / f"{name}.html"
    path.write_bytes(data)
    return path


def add_article(app: Newsbot, source: str, *, dry_run: bool = False) -> CorpusChange:
    """Add a file or a URL to the corpus and index it (or, with dry_run, only show what it would be)."""
    folder = corpus_folder(app)
    with tempfile.TemporaryDirectory(prefix="newsbot-add-") as scratch:
        if source.startswith(("http://", "https://")):
            candidate = _fetch(source, Path(scratch))
        else:
            given = Path(source)
            if not given.is_file():
                raise CorpusError(f"{source} is not a file", "give the path of an article file or a URL")
            if given.suffix.lower() not in ARTICLE_SUFFIXES or given.suffix.lower() == ".jsonl":
                raise CorpusError(f"{given.name} is not a .txt, .md or .html file", "convert it, or add its folder")
            if given.stat().st_size > MAX_ARTICLE_BYTES:
                raise CorpusError(f"{given.name} is over {MAX_ARTICLE_BYTES // 1024 // 1024} MB", "give a single article")
            candidate = Path(scratch) / given.name
            shutil.copyfile(given, candidate)
        article = _check_article(candidate)
        target = folder / candidate.name
        if target.exists():
            raise CorpusError(f"{target} already exists", "rename the file, or remove the article first")
        if dry_run:
            return CorpusChange(article, target, None, len(chunk_article(article, app.embedder, app.config.index.chunker)))
        shutil.copyfile(candidate, target)
    with _undone_on_failure(lambda: target.unlink(missing_ok=True)):
        report = app.update(add=_load_from_folder(target, folder))
    return CorpusChange(article, target, report, len(app.index.rows_by_article.get(target.stem, ())))


def _load_from_folder(path: Path, folder: Path) -> list[Article]:
    """The article of a file in the corpus folder, with the id a reindex of the folder gives it."""
    loaded = load_corpus_file(path, folder)
    if loaded.warnings or not loaded.articles:
        raise CorpusError(loaded.warnings[0] if loaded.warnings else f"{path} holds no article", "check the file")
    return loaded.articles


@contextmanager
def _undone_on_failure(undo: Callable[[], None]) -> Iterator[None]:
    """Put the corpus folder back as it was when the index cannot follow it (busy, disk full...)."""
    try:
        yield
    except BaseException:
        undo()
        raise


def _file_of(app: Newsbot, doc_id: str) -> Path:
    """The article's own file inside the corpus folder; never a file anywhere else."""
    if doc_id not in app.index.articles:
        raise CorpusError(f"no article {doc_id!r} in the index", "see `newsbot index dump --json` for the ids")
    folder = corpus_folder(app)
    for suffix in ARTICLE_SUFFIXES:
        candidate = folder / f"{doc_id}{suffix}"
        if suffix != ".jsonl" and candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
            return candidate
    if list((folder / TRASH).glob(f"{doc_id.rsplit('/', 1)[-1]}.*")):
        raise CorpusError(f"article {doc_id!r} is in the trash already, but still in the index (a removal was cut short)",
                          "reindex (`newsbot index build` or /reindex) to finish removing it")
    raise CorpusError(f"article {doc_id!r} is not a file of its own in {folder}",
                      "an article inside a .jsonl file is removed by editing that file")


def _move_with_sidecar(source: Path, folder: Path) -> Path:
    """Move an article file, and its NAME.meta.toml if any, into `folder`; returns its new path."""
    moved = folder / source.name
    shutil.move(source, moved)
    sidecar = source.with_name(source.stem + ".meta.toml")
    if sidecar.exists():
        shutil.move(sidecar, folder / sidecar.name)
    return moved


def remove_article(app: Newsbot, doc_id: str) -> CorpusChange:
    source = _file_of(app, doc_id)
    trash = corpus_folder(app) / TRASH
    trash.mkdir(exist_ok=True)
    moved = _move_with_sidecar(source, trash)
    with _undone_on_failure(lambda: _move_with_sidecar(moved, source.parent)):
        report = app.update(remove=[doc_id])
    return CorpusChange(None, moved, report)


def restore_article(app: Newsbot, doc_id: str) -> CorpusChange:
    folder = corpus_folder(app)
    name = doc_id.rsplit("/", 1)[-1]
    found = [p for p in (folder / TRASH).glob(f"{name}.*") if not p.name.endswith(".meta.toml")]
    if not found:
        raise NewsbotError(f"no removed article {doc_id!r} in {folder / TRASH}", "check the id of the removed article")
    target = folder / found[0].name
    if target.exists():
        raise CorpusError(f"{target} exists again", "remove or rename it first")
    restored = _move_with_sidecar(found[0], folder)
    with _undone_on_failure(lambda: _move_with_sidecar(restored, folder / TRASH)):
        report = app.update(add=_load_from_folder(restored, folder))
    return CorpusChange(None, restored, report)
