"""Adding, removing and restoring articles, each followed by an incremental build.

Changes happen in one folder only, `[corpus] added_dir` (`.newsbot/articles` by default), which the
index reads besides `[corpus] paths`; the folders of `paths` (the bundled `seeds/`, a newsroom's
archive) are never written to. An added article is checked on its own first (it must load, with no
warning), then saved into the added folder. Local files can be added only from the CLI and the REPL
(`add_source`); Discord gives bytes (`add_upload`) or a URL fetched through the guarded fetcher
(`bot.core.fetch`), never a path of the host.

Only added articles can be removed. A removed article's files move to a removal folder of their
own under `.trash/` in the added folder (hidden folders are not read as corpus), keeping their path
relative to it, so that every removal of every version is kept and `restore` puts back exactly the
article asked for, where it was, with the id it had.

Each change is one transaction with its build: the index's build lock is taken before the corpus
folder is touched and held until the new version is in use, so no other build reads the folder
half-changed. When the index cannot follow (busy, disk full), the files are put back as they were.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index import (
    ARTICLE_SUFFIXES,
    Article,
    ArticleMeta,
    BuildReport,
    ConfigError,
    CorpusError,
    IndexMismatchError,
    IndexMissingError,
    NewsIndex,
    chunk_article,
    load_corpus_file,
)

from .describe import sorted_sources
from .file_names import safe_stem
from .service import Newsbot

TRASH = ".trash"
REMOVAL_RECORD = "removal.json"
REMOVAL_STAMP = "%Y%m%dT%H%M%S.%f"
"""A removal folder's name starts with the UTC time of the removal: names sort in removal order."""
SIDECAR_SUFFIX = ".meta.toml"
MAX_ARTICLE_BYTES = 5 * 1024 * 1024
ADDABLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
"""One article per file; a .jsonl file holds many and is added by putting it in the corpus folder."""


@dataclass(frozen=True)
class CorpusChange:
    article: Article | None
    path: Path
    report: BuildReport | None
    """None for a dry run."""
    passages: int = 0
    """Passages the added article has (or would have)."""


@dataclass(frozen=True)
class Removal:
    """One removal kept in the trash: its files, under `folder`, at their paths relative to the corpus."""

    id: str
    """The removal folder's name: a UTC time stamp and a few random characters (sorts by time)."""
    doc_id: str
    article_path: Path
    """The article file's path relative to the corpus folder, as it was."""
    folder: Path
    title: str

    @property
    def removed_at(self) -> str:
        stamp = self.id.split("-", 1)[0]
        try:
            return dt.datetime.strptime(stamp, REMOVAL_STAMP).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return "unknown time"


def corpus_folder(app: Newsbot, *, create: bool = False) -> Path:
    """The folder articles are added to and removed from: `[corpus] added_dir`, a plain folder."""
    folder = app.config.corpus.added_dir
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ConfigError(
            f"{folder} ([corpus] added_dir) is a link or not a folder, so articles cannot be kept there",
            "make it a plain folder, or set [corpus] added_dir to one",
        )
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def id_root(app: Newsbot) -> Path:
    """The folder ids of added articles count from: a folder of `[corpus] paths` that reads the added folder
    (their ids then read like the rest of it), else the added folder itself."""
    folder = corpus_folder(app)
    return app.config.corpus.path_reading_added() or folder


def article_id(app: Newsbot, path: Path) -> str:
    return path.resolve().relative_to(id_root(app).resolve()).with_suffix("").as_posix()


def safe_file_name(name: str, default_suffix: str = "") -> str:
    """A file name that is safe to create in the corpus folder, whatever a user or a web server sent:
    its last part only, with a safe stem (see `file_names.safe_stem`) and its suffix in lower case."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(name).suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", Path(name).suffix) else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    return (safe_stem(stem) or "article") + (suffix or default_suffix)


def add_source(app: Newsbot, source: str, *, dry_run: bool = False) -> CorpusChange:
    """Add an article from a local file or a URL: for the CLI and the REPL only (they run as the host's user)."""
    from .fetch import fetch_page_blocking, looks_like_url

    if looks_like_url(source):
        page = fetch_page_blocking(source, app.config.fetch.policy())
        return add_upload(app, *page.as_file(), page.url, dry_run=dry_run)
    given = Path(source)
    if not given.exists():
        raise CorpusError(f"{source} does not exist", "give the path of an article file or an http(s) URL")
    if not given.is_file():
        raise CorpusError(f"{source} is not a file", "give the path of an article file or an http(s) URL")
    if given.stat().st_size > MAX_ARTICLE_BYTES:
        raise CorpusError(f"{given.name} is over {MAX_ARTICLE_BYTES // 1024 // 1024} MB", "give a single article")
    return add_upload(app, given.name, given.read_bytes(), dry_run=dry_run, sidecar=_sidecar_beside(given))


MAX_SIDECAR_BYTES = 64 * 1024
"""A sidecar holds a few lines of metadata (title, date, outlet, url)."""


def _sidecar_beside(article_file: Path) -> str | None:
    """The text of the sidecar (`NAME.meta.toml`) beside a local article file, which is added with it."""
    sidecar = sidecar_of(article_file)
    if not sidecar.exists():
        return None
    if sidecar.is_symlink() or not sidecar.is_file() or sidecar.stat().st_size > MAX_SIDECAR_BYTES:
        raise CorpusError(
            f"{sidecar.name} beside it is not a small regular file",
            "make it one (a few lines: title, date, outlet, url), or move it away to add the article without it",
        )
    try:
        return sidecar.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read {sidecar.name} beside it ({error})", "save it as UTF-8 text") from None


def add_upload(
    app: Newsbot,
    file_name: str,
    data: bytes,
    url: str | None = None,
    *,
    dry_run: bool = False,
    max_passages: int | None = None,
    sidecar: str | None = None,
) -> CorpusChange:
    """Add an article given as a file name and its bytes (an upload, a fetched page, a local file).

    `url`, where the page was fetched from, is its link in citations when the page names none (kept in
    a sidecar `NAME.meta.toml` beside the file, which a removal moves with it). `sidecar` is the text
    of a local file's own sidecar, added with it.

    `max_passages` refuses an article that would take too long to embed (Discord adds)."""
    name = safe_file_name(file_name)
    suffix = Path(name).suffix
    if suffix == ".jsonl":
        raise CorpusError(
            f"{name} is a .jsonl file, which holds many articles",
            "add articles one by one as .txt, .md or .html, or put the .jsonl file in the corpus folder " "and reindex",
        )
    if suffix not in ADDABLE_SUFFIXES:
        raise CorpusError(
            f"{name} is not a .txt, .md or .html file",
            "save it as one of those (text, Markdown or HTML), then add that",
        )
    if len(data) > MAX_ARTICLE_BYTES:
        raise CorpusError(f"{name} is over {MAX_ARTICLE_BYTES // 1024 // 1024} MB", "give a single article")
    folder = corpus_folder(app)
    with tempfile.TemporaryDirectory(prefix="newsbot-add-") as scratch:
        candidate = Path(scratch) / name
        candidate.write_bytes(data)
        if sidecar is not None:  # read with the article, as the index will: a bad one is the error
            sidecar_of(candidate).write_text(sidecar, encoding="utf-8")
        article = _check_article(candidate)
    if sidecar is None and url and not article.meta.url:  # a JSON string is a TOML string
        sidecar = f"url = {json.dumps(url)}\n"
        article = Article(meta=dataclasses.replace(article.meta, url=url), text=article.text)
    chunker = app.config.index.chunker
    pieces = word_pieces_at_least(article.text)  # read before any model work: a bound, not a count
    if max_passages is not None and pieces > max_passages * chunker.chunk_tokens:
        raise CorpusError(
            f"{name} has at least {pieces:,} word pieces, more than the {max_passages:,} passages one "
            "article may have when added from Discord can hold",
            "split it into articles, or add it from the command line",
        )
    passages = len(chunk_article(article, app.embedder, chunker))
    if max_passages is not None and passages > max_passages:
        raise CorpusError(
            f"{name} would make {passages:,} passages, more than the {max_passages:,} one article may "
            "have when added from Discord",
            "split it into articles, or add it from the command line",
        )
    target = folder / name
    if dry_run:
        if not _left_by_an_unfinished_add(app, target, data, sidecar):
            _refuse_taken(app, target)
        return CorpusChange(article, target, None, passages)
    with app.writing() as lock:
        corpus_folder(app, create=True)
        resuming = _left_by_an_unfinished_add(app, target, data, sidecar)
        if not resuming:
            _refuse_taken(app, target)
            with target.open("xb") as file:  # never through a link, never over a file
                file.write(data)
        written = [] if resuming else [target]  # a file an earlier add left stays, as it was found

        def unwrite() -> None:
            for path in written:
                path.unlink(missing_ok=True)

        with _undone_on_failure(unwrite):
            if sidecar and not (resuming and sidecar_of(target).is_file()):
                with sidecar_of(target).open("x", encoding="utf-8") as sidecar_file:  # never over a file either
                    written.append(sidecar_of(target))
                    sidecar_file.write(sidecar)
            added = _load_from_folder(target, id_root(app))
            report = app.update(add=added, lock=lock)
    return CorpusChange(article, target, report, len(app.index.rows_by_article.get(added[0].doc_id, ())))


LONGEST_WORD_PIECE = 32
"""Characters of the longest word piece a model's vocabulary may hold (all-MiniLM-L6-v2's: 18)."""
LONGEST_KNOWN_WORD = 100
"""WordPiece reads a longer word as one unknown piece."""


def word_pieces_at_least(text: str) -> int:
    """A lower bound of the word pieces a text makes: each word at least one, a word of n characters at
    least n / LONGEST_WORD_PIECE, unless it is so long the model reads it as one unknown piece."""
    return sum(1 if len(word) > LONGEST_KNOWN_WORD else -(-len(word) // LONGEST_WORD_PIECE) for word in text.split())


def _refuse_taken(app: Newsbot, target: Path) -> None:
    in_use = _indexed(app, target)
    for taken in (target, sidecar_of(target)):  # a sidecar left alone would apply to it
        if taken.exists() or taken.is_symlink():
            if not in_use:
                raise CorpusError(
                    f"{taken.name} is among the added articles but not in the index: an earlier add of another "
                    "file of that name did not finish",
                    f"delete {taken} and add again, or run `newsbot index build` to index it as it is",
                )
            raise CorpusError(
                f"{taken.name} already exists among the added articles", "rename the file, or remove the article first"
            )
    if in_use:
        raise CorpusError(
            f"the corpus already has an article with the id {article_id(app, target)!r}", "rename the file"
        )


def _indexed(app: Newsbot, target: Path) -> bool:
    try:
        return article_id(app, target) in app.current_index().articles
    except IndexMissingError:
        return False


def _left_by_an_unfinished_add(app: Newsbot, target: Path, data: bytes, sidecar: str | None) -> bool:
    """The same file, saved by an add that stopped before the index took it (the process was killed):
    adding it again finishes that add instead of refusing the name."""
    if target.is_symlink() or not target.is_file() or _indexed(app, target):
        return False
    kept = sidecar_of(target)
    if kept.is_symlink() or (kept.exists() and (sidecar is None or not kept.is_file())):
        return False
    same_sidecar = not kept.exists() or kept.read_text(encoding="utf-8", errors="replace") == sidecar
    return same_sidecar and target.stat().st_size == len(data) and target.read_bytes() == data


def _check_article(path: Path) -> Article:
    loaded = load_corpus_file(path, path.parent)  # read quietly: the one problem is told as the error
    if loaded.warnings or len(loaded.articles) != 1:
        problem = loaded.warnings[0] if loaded.warnings else f"{path.name} holds {len(loaded.articles)} articles"
        problem = problem.replace(str(path.parent) + "/", "")  # the scratch folder means nothing to the user
        sidecar = sidecar_of(path).name
        if problem.startswith(sidecar):  # the sidecar beside the file, which a corpus would read without
            raise CorpusError(
                f"cannot add it: {re.sub(r': ignored:? ', ': ', problem, count=1)}",
                f"fix {sidecar} (title, outlet, url, date as 2021-07-20, byline), or move it away to add the "
                "article without it",
            )
        raise CorpusError(f"cannot add it: {problem}", "give one readable article (.txt, .md, .html)")
    return loaded.articles[0]


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


def added_file(app: Newsbot, doc_id: str) -> Path | None:
    """The article's own file inside the added folder, if it has one there; never a file anywhere else."""
    return _added_file_in(corpus_folder(app).resolve(), id_root(app), doc_id)


def _added_file_in(folder: Path, root: Path, doc_id: str) -> Path | None:
    """`added_file` with the (resolved) added folder and the folder ids count from worked out already."""
    for suffix in ARTICLE_SUFFIXES:
        candidate = root / f"{doc_id}{suffix}"
        if (
            suffix != ".jsonl"
            and candidate.is_file()
            and not candidate.is_symlink()
            and candidate.resolve().is_relative_to(folder)
        ):
            return candidate
    return None


def removable_articles(app: Newsbot) -> list[ArticleMeta]:
    """The indexed articles that can be removed (the added ones), newest first; the folders are worked
    out once, not for each article (autocomplete asks at every key)."""
    folder, root = corpus_folder(app).resolve(), id_root(app)
    return [
        article
        for article in sorted_sources(app.current_index().articles)
        if _added_file_in(folder, root, article.doc_id)
    ]


def _file_of(app: Newsbot, doc_id: str) -> Path:
    """The article's own file inside the added folder; never a file anywhere else."""
    found = added_file(app, doc_id)
    if found is not None:
        return found
    if any(removal.doc_id == doc_id for removal in removed_articles(app)):
        raise CorpusError(
            f"article {doc_id!r} is in the trash already, but still in the index (a removal was cut short)",
            "reindex (`newsbot index build` or /reindex) to finish removing it",
        )
    raise CorpusError(
        f"article {doc_id!r} was not added here but comes with the corpus folders (the bundled "
        "seeds, or [corpus] paths), which newsbot never changes, so it cannot be removed",
        "only articles added with add, :add or /add can be; the host can take a folder out of " "[corpus] paths",
    )


def sidecar_of(article_file: Path) -> Path:
    """Where an article file's sidecar (`NAME.meta.toml`) is."""
    return article_file.with_name(article_file.stem + SIDECAR_SUFFIX)


def _files_of_article(article_file: Path) -> list[Path]:
    """The article file and its sidecar, if any."""
    sidecar = sidecar_of(article_file)
    return [article_file, *([sidecar] if sidecar.is_file() and not sidecar.is_symlink() else [])]


def trash_folder(app: Newsbot) -> Path:
    """The added folder's trash: a plain folder inside it, never a link to somewhere else."""
    folder = corpus_folder(app)
    trash = folder / TRASH
    if trash.is_symlink() or (trash.exists() and not trash.is_dir()):
        raise ConfigError(
            f"{TRASH} among the added articles is a link or not a folder, so removed articles cannot be kept there",
            f"make {TRASH} a plain folder inside [corpus] added_dir",
        )
    return trash


def _move(files: list[Path], source_root: Path, target_root: Path) -> None:
    """Move files from one root to another, keeping their relative paths."""
    for file in files:
        target = target_root / file.relative_to(source_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(file, target)


def find_article(app: Newsbot, wanted: str) -> str:
    """The id of the article meant by `wanted`: its id, its number in the list of sources (`:sources`,
    newest first), its title, or a part of its title that no other title has."""
    articles = app.current_index().articles
    wanted = wanted.strip()
    if wanted in articles:
        return wanted
    named = Path(wanted)
    if named.suffix.lower() in ARTICLE_SUFFIXES:  # the file name `index add` printed: its id is its stem
        for doc_id in (article_id(app, corpus_folder(app) / named.name), named.stem):
            if doc_id in articles:
                return doc_id
    listed = sorted_sources(articles)
    if wanted.isdigit():
        if 1 <= int(wanted) <= len(listed):
            return listed[int(wanted) - 1].doc_id
        raise CorpusError(
            f"there is no article number {wanted}: the list has {len(listed)}",
            "`newsbot index sources` (or :sources in the REPL) lists them with their numbers",
        )
    folded = wanted.casefold()
    for matches in (
        [a for a in listed if a.title.casefold() == folded],
        [a for a in listed if folded and folded in a.title.casefold()],
    ):
        if len(matches) == 1:
            return matches[0].doc_id
        if len(matches) > 1:
            names = "; ".join(f"{a.doc_id} ({a.title})" for a in matches[:5])
            raise CorpusError(
                f"{wanted!r} matches {len(matches)} articles: {names}", "give the id or more of the title"
            )
    raise CorpusError(
        f"no article {wanted!r} in the index",
        "give its id, file name or title (`newsbot index sources`, "
        "or :sources in the REPL, lists them with their numbers and ids)",
    )


def remove_article(app: Newsbot, wanted: str) -> CorpusChange:
    """Move an article's file (and sidecar) into a removal folder of its own in the trash, and reindex.

    `wanted` is an id, a number from the list of sources or a title (`find_article`)."""
    folder = corpus_folder(app)
    with app.writing() as lock:
        doc_id = find_article(app, wanted)
        source = _file_of(app, doc_id)
        removal, moved = into_trash(app, source, doc_id, app.index.articles[doc_id].title)
        with _undone_on_failure(lambda: undo_removal(moved, removal, folder)):
            report = app.update(remove=[doc_id], lock=lock)
    return CorpusChange(None, removal / source.relative_to(folder), report)


def into_trash(app: Newsbot, source: Path, doc_id: str, title: str) -> tuple[Path, list[Path]]:
    """Move an added article's file (and sidecar) into a removal folder of its own in the trash, with a
    record of where it was; returns the removal folder and the files as they now are."""
    folder = corpus_folder(app)
    stamp = dt.datetime.now(dt.UTC).strftime(REMOVAL_STAMP)
    removal = trash_folder(app) / f"{stamp}-{uuid.uuid4().hex[:6]}"
    files = _files_of_article(source)
    removal.mkdir(parents=True)
    _move(files, folder, removal)
    record = {"doc_id": doc_id, "path": source.relative_to(folder).as_posix(), "title": title}
    (removal / REMOVAL_RECORD).write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return removal, [removal / f.relative_to(folder) for f in files]


@dataclass(frozen=True)
class RolledBack:
    index: NewsIndex
    set_aside: list[str]
    """Titles of added articles the version served again lacks: moved to the trash (restorable)."""
    brought_back: list[str]
    """Titles of removed articles the version served again holds: put back among the added articles."""


def roll_back(app: Newsbot) -> RolledBack:
    """Serve the previous index version again, and make the added articles' folder hold what that version
    holds, so that the next start does not build the change back in: an added article the version lacks
    goes to the trash, a removed one it holds comes back from it."""
    try:
        titles = {doc_id: meta.title for doc_id, meta in app.current_index().articles.items()}
    except (IndexMissingError, IndexMismatchError):  # the rollback says what is wrong, or goes back from it
        titles = {}
    index = app.rollback()
    served = index.articles
    set_aside: list[str] = []
    brought_back: list[str] = []
    folder = corpus_folder(app)
    if not folder.is_dir():
        return RolledBack(index, set_aside, brought_back)
    with app.store.lock():
        root = id_root(app)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if (
                relative.parts[0] == TRASH
                or path.is_symlink()
                or not path.is_file()
                or path.name.endswith(SIDECAR_SUFFIX)
                or path.suffix.lower() not in ADDABLE_SUFFIXES
                or any(part.startswith(".") for part in relative.parts)
            ):
                continue
            doc_id = article_id(app, path)
            if doc_id not in served:
                into_trash(app, path, doc_id, titles.get(doc_id, doc_id))
                set_aside.append(titles.get(doc_id, path.name))
        for removal in removed_articles(app):  # newest first: the newest removal of each article comes back
            if removal.doc_id not in served or _added_file_in(folder.resolve(), root, removal.doc_id) is not None:
                continue
            if any((folder / f.relative_to(removal.folder)).exists() for f in _files_of_removal(removal)):
                continue
            _move(_files_of_removal(removal), removal.folder, folder)
            if removal.folder != trash_folder(app):
                shutil.rmtree(removal.folder, ignore_errors=True)
            brought_back.append(removal.title)
    return RolledBack(index, set_aside, brought_back)


def undo_removal(moved: list[Path], removal: Path, folder: Path) -> None:
    _move(moved, removal, folder)
    shutil.rmtree(removal, ignore_errors=True)


def removed_articles(app: Newsbot) -> list[Removal]:
    """Every removal kept in the corpus folder's trash, newest first."""
    trash = trash_folder(app)
    if not trash.is_dir():
        return []
    removals = []
    for entry in trash.iterdir():
        removal = _read_removal(entry, trash)
        if removal is not None:
            removals.append(removal)
    return sorted(removals, key=lambda r: r.id, reverse=True)


def _read_removal(entry: Path, trash: Path) -> Removal | None:
    """A removal folder (or, from before removal folders, an article file lying in the trash itself)."""
    if entry.is_symlink():
        return None
    if entry.is_file():  # an old-style removal: the file itself, with no record of where it was
        if entry.suffix.lower() not in ARTICLE_SUFFIXES or entry.name.endswith(SIDECAR_SUFFIX):
            return None
        return Removal(entry.name, entry.stem, Path(entry.name), trash, entry.stem)
    if not entry.is_dir():
        return None
    entries = list(entry.rglob("*"))
    if any(p.is_symlink() or not (p.is_file() or p.is_dir()) for p in entries):
        return None  # not a folder a removal made: links or special files are never restored
    files = [p for p in entries if p.is_file() and p != entry / REMOVAL_RECORD]
    articles = [p for p in files if p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.endswith(SIDECAR_SUFFIX)]
    if len(articles) != 1 or set(files) - set(_files_of_article(articles[0])):
        return None  # empty (a removal killed before it moved anything), or not one article and its sidecar
    relative = articles[0].relative_to(entry)
    doc_id = relative.with_suffix("").as_posix()
    title = doc_id
    try:
        record = json.loads((entry / REMOVAL_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    if isinstance(record, dict):
        doc_id = record["doc_id"] if isinstance(record.get("doc_id"), str) else doc_id  # ids may count from further up
        title = record["title"] if isinstance(record.get("title"), str) else doc_id
    return Removal(entry.name, doc_id, relative, entry, title)


def find_removal(app: Newsbot, wanted: str) -> Removal:
    """The removal with this id, else the newest removal of the article with this id, else of the
    article with this title (any case): never a pattern."""
    removals = removed_articles(app)
    for removal in removals:
        if removal.id == wanted:
            return removal
    named = wanted.strip() if "/" not in wanted and "\\" not in wanted else None  # a file name, never a path
    for matches in (
        lambda r: r.doc_id == wanted,
        lambda r: r.title.casefold() == wanted.strip().casefold(),
        lambda r: named in (r.article_path.name, r.article_path.stem),
    ):  # the file name, as `add` printed it
        for removal in removals:  # newest first
            if matches(removal):
                return removal
    known = ", ".join(sorted({r.doc_id for r in removals})[:10]) or "none"
    raise CorpusError(
        f"no removed article {wanted!r} in the trash (removed articles: {known})",
        "give the id the article had when it was removed",
    )


def _files_of_removal(removal: Removal) -> list[Path]:
    """The article file of a removal and its sidecar, if any (regular files: `_read_removal` saw to it)."""
    return _files_of_article(removal.folder / removal.article_path)


def restore_article(app: Newsbot, wanted: str) -> CorpusChange:
    """Put a removed article back where it was, with the id it had, and reindex."""
    folder = corpus_folder(app)
    with app.writing() as lock:
        trash = trash_folder(app)
        removal = find_removal(app, wanted)
        target = folder / removal.article_path
        files = _files_of_removal(removal)
        for taken in (folder / f.relative_to(removal.folder) for f in files):
            if not taken.parent.resolve().is_relative_to(folder.resolve()):
                raise CorpusError(
                    f"{taken.parent.relative_to(folder)} leads out of the added articles' folder",
                    "make it a plain folder inside the corpus folder",
                )
            if taken.exists() or taken.is_symlink():
                raise CorpusError(
                    f"{taken.relative_to(folder)} exists again among the added articles", "remove or rename it first"
                )
        _move(files, removal.folder, folder)
        restored = [folder / f.relative_to(removal.folder) for f in files]
        with _undone_on_failure(lambda: _move(restored, folder, removal.folder)):
            report = app.update(add=_load_from_folder(target, id_root(app)), lock=lock)
        if removal.folder != trash:
            shutil.rmtree(removal.folder, ignore_errors=True)
    return CorpusChange(None, target, report)
