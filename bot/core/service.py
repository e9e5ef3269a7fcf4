"""The application core the front ends share: config, model, the index in use, and answers.

The REPL, the CLI and the Discord bot each hold one `Newsbot` and call `ask`, `rebuild` and
`stats`; none of them searches or builds on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index import (
    EMBEDDING_BATCH,
    Article,
    BuildProgress,
    BuildReport,
    ConfigError,
    Embedder,
    HeldLock,
    IndexMismatchError,
    IndexMissingError,
    NewsIndex,
    SearchFilters,
    SentenceReader,
    StoredVersion,
    TimeWindow,
    UsageError,
    VersionChanged,
    VersionStore,
    as_store,
    build_index,
    copy_version,
    corpus_fingerprint,
    embedder_name,
    load_corpus,
    load_embedder,
    load_sentence_reader,
    open_index,
    open_store,
    parse_query,
    time_window,
    update_index,
)

from .answer import Answer, build_answer
from .config import DATABASE_URL_ENV, Config, IndexSettings, SearchSettings, StoreSettings, corpus_name, utf8_folder
from .timeline import Timeline, build_timeline

log = logging.getLogger(__name__)

LOADING_STAGE = "loading the model"
"""The build stage reported while the model loads: it has no count."""
MAX_QUESTION_CHARS = 2000
"""Longer questions are cut: the model reads at most 256 word pieces of them anyway."""


class SharedModel:
    """The embedding model (and the sentence reader's, when one is configured), each loaded on first use (it
    takes seconds) and shared by every guild's app."""

    def __init__(self, settings: IndexSettings, embedder: Embedder | None = None) -> None:
        self._settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._readers: dict[tuple[Path, float], SentenceReader] = {}
        self._announce: BuildProgress | None = None
        self.lazy: Embedder = (
            embedder
            if embedder is not None
            else LazyEmbedder(self, embedder_name(settings.model, settings.runtime, settings.device))
        )
        """The model, loaded only when it embeds or counts: what an index is opened with, so that
        commands that embed nothing (stats, dump, rollback) never load it."""

    def get(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                settings = self._settings
                announce = self._announce
                if announce:
                    announce(LOADING_STAGE, 0, 0)
                started = time.perf_counter()
                self._embedder = load_embedder(settings.model, settings.runtime, settings.device, settings.model_cache)
                log.info("loaded the model %s in %.2f s", self._embedder.name, time.perf_counter() - started)
                if announce:
                    announce(LOADING_STAGE, 1, 1)
            return self._embedder

    def sentence_reader(self, search: SearchSettings) -> SentenceReader | None:
        """The "cross-encoder" reader's model, loaded on first use (the bot and the REPL ask before they take
        questions); None for the other readers."""
        if search.reader != "cross-encoder" or search.reader_model is None:
            return None
        key = (search.reader_model, search.reader_threshold)
        with self._lock:
            if key not in self._readers:
                started = time.perf_counter()
                self._readers[key] = load_sentence_reader(str(search.reader_model), search.reader_threshold)
                log.info("loaded the reader %s in %.2f s", self._readers[key].name, time.perf_counter() - started)
            return self._readers[key]

    @contextmanager
    def announcing(self, progress: BuildProgress | None) -> Iterator[None]:
        """Report loading the model as a build stage while the block runs (a spinner on the terminal)."""
        self._announce = progress
        try:
            yield
        finally:
            self._announce = None

    def loaded(self) -> Embedder | None:
        return self._embedder


class LazyEmbedder(Embedder):
    """Stands for the configured model under its name; loads it at the first call that needs it."""

    def __init__(self, model: SharedModel, name: str) -> None:
        self._model = model
        self.name = name

    def known_dimension(self) -> int | None:
        loaded = self._model.loaded()
        return loaded.dimension if loaded is not None else None

    @property
    def dimension(self) -> int:  # type: ignore[override]  # a property: the model is loaded when it is first asked for
        return self._model.get().dimension

    @property
    def max_tokens(self) -> int:  # type: ignore[override]  # a property: the model is loaded when it is first asked for
        return self._model.get().max_tokens

    @property
    def special_tokens(self) -> int:  # type: ignore[override]  # a property: the model is loaded when it is first asked for
        return self._model.get().special_tokens

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.get().embed_batch(texts)

    def embed(self, texts: Sequence[str], batch_size: int = EMBEDDING_BATCH, progress=None) -> np.ndarray:
        return self._model.get().embed(texts, batch_size, progress)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._model.get().count_tokens(texts)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self._model.get().token_offsets(text)


class Newsbot:
    def __init__(
        self,
        config: Config,
        embedder: Embedder | None = None,
        index_dir: Path | None = None,
        *,
        model: SharedModel | None = None,
    ) -> None:
        self.config = config
        self._model = model or SharedModel(config.index, embedder)
        self._index: NewsIndex | None = None
        self._built: StoredVersion | None = None
        """The version this app last built, kept so the next change need not read it back."""
        self._index_dir = index_dir or config.index.dir
        self._store: VersionStore | None = None
        self._lock = threading.Lock()
        self._guild_apps: dict[int, Newsbot] = {}

    @property
    def index_dir(self) -> Path:
        """The folder of this app's index; an app never moves (`at` makes one that works elsewhere)."""
        return self._index_dir

    @property
    def store(self) -> VersionStore:
        """Where this app's index versions live ([store] backend): its index folder, or a corpus named
        after that folder in PostgreSQL."""
        if self._store is None:
            self._store = store_for(self.config.store, self.index_dir)
        return self._store

    def close(self) -> None:
        """Close what this app and its guilds' apps hold open (database connections)."""
        for app in [self, *self._guild_apps.values()]:
            if app._store is not None:
                app._store.close()

    def at(self, index_dir: Path) -> Newsbot:
        """An app with these settings and this (loaded or not) model, on the index in another folder."""
        return Newsbot(self.config, index_dir=index_dir, model=self._model)

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        return self._model.get()

    def sentence_reader(self) -> SentenceReader | None:
        """The sentence reader `[search] reader = "cross-encoder"` asks (loaded on first use), else None."""
        return self._model.sentence_reader(self.config.search)

    def for_guild(self, guild_id: int | None) -> Newsbot:
        """The app serving a guild: its own corpus and index when [guilds.ID] gives them, else this one.

        Guild apps share this app's model and settings; only the corpus paths and the index differ.
        """
        guild = self.config.guilds.get(guild_id) if guild_id else None
        if guild is None or guild_id is None:
            return self
        with self._lock:
            if guild_id not in self._guild_apps:
                config = dataclasses.replace(self.config, corpus=guild.corpus, guilds={})
                self._guild_apps[guild_id] = Newsbot(config, index_dir=guild.index_dir, model=self._model)
            return self._guild_apps[guild_id]

    def every_app(self) -> list[Newsbot]:
        """This app and one per guild with a corpus of its own."""
        return [self, *(self.for_guild(guild_id) for guild_id in self.config.guilds)]

    @property
    def index(self) -> NewsIndex:
        """The index in use, loaded on first use; IndexMissingError when none is built."""
        if self._index is None:
            self._index = open_index(self.store, self._model.lazy)
            manifest = self._index.manifest
            log.info(
                "opened the index in %s: version %s, %d articles, %d passages",
                self.store.location,
                self._index.version,
                manifest.articles,
                manifest.chunks,
            )
        return self._index

    @contextmanager
    def writing(self) -> Iterator[HeldLock]:
        """Hold this index's build lock for a change of the corpus folder and the build that follows it.

        The model is loaded first (it takes seconds), so the lock is held only for the change itself.
        Pass the lock on to `rebuild` or `update` within the hold."""
        self.embedder  # noqa: B018 - loaded before the lock is taken
        with self.store.lock() as held:
            yield held

    def rebuild(
        self,
        corpus_paths: Sequence[Path] | None = None,
        progress: BuildProgress | None = None,
        lock: HeldLock | None = None,
    ) -> BuildReport:
        """Build a new index version from the corpus and switch to it; answers use the old one until then."""
        settings = self.config.index
        with self._model.announcing(progress):
            report = build_index(
                corpus_paths or self.config.corpus.read_paths,
                self.store,
                self._model.lazy,  # loaded once the corpus is read: a bad corpus path is told at once
                settings.chunker,
                batch_size=settings.batch_size,
                keep_versions=settings.keep_versions,
                progress=progress,
                kept=self._built,
                lock=lock,
            )
        self._built = report.version
        self._index = open_index(self.store, self._model.lazy)
        return report

    def update(
        self, add: Sequence[Article] = (), remove: Sequence[str] = (), lock: HeldLock | None = None
    ) -> BuildReport:
        """A new index version with these articles added and removed; the rest is taken as it is.

        Falls back to a full rebuild when the index in use was built from other corpus paths than
        the configured ones, so the index always follows the configured corpus.
        """
        settings = self.config.index
        try:
            built_from = {Path(p).resolve() for p in self.index.manifest.corpus_paths}
        except (IndexMissingError, IndexMismatchError):
            built_from = set()
        if built_from != {p.resolve() for p in self.config.corpus.read_paths}:
            return self.rebuild(lock=lock)
        report = update_index(
            self.store,
            self._model.lazy,
            settings.chunker,
            add=add,
            remove=remove,
            batch_size=settings.batch_size,
            keep_versions=settings.keep_versions,
            kept=self._built,
            lock=lock,
        )
        self._built = report.version
        self._index = open_index(self.store, self._model.lazy)
        return report

    def rollback(self) -> NewsIndex:
        """Serve the previous index version again."""
        self.store.serve_previous()
        self._index = open_index(self.store, self._model.lazy)
        return self._index

    def copy_to_postgres(self) -> tuple[StoredVersion, VersionStore, str | None]:
        """Copy the version in use of this app's index folder into PostgreSQL ([store] url), vectors and
        all, as the corpus named after the folder: `newsbot index migrate --to postgres`. Returns the
        version copied, where it went, and the name it has there (None when the database held that
        corpus already, made by the same model and settings: nothing is copied)."""
        stored = as_store(self.index_dir).read_current()
        if stored is None:
            raise IndexMissingError(
                f"there is no readable index in {self.index_dir} to copy",
                'build one with `newsbot index build` first (with [store] backend = "faiss")',
            )
        database_url(self.config.store, "`index migrate --to postgres` copies the index into PostgreSQL")
        target = (
            self.store
            if self.config.store.backend == "postgres"
            else store_for(dataclasses.replace(self.config.store, backend="postgres"), self.index_dir)
        )
        try:
            with target.lock():
                there = target.read_manifest()
                if there is not None and all(
                    getattr(there, key) == getattr(stored.manifest, key)
                    for key in ("corpus_fingerprint", "model", "dimension", "chunker")
                ):
                    return stored, target, None
                name = copy_version(stored, target, self.config.index.keep_versions).name
        finally:
            if target is not self.store:
                target.close()
        self._index = None
        return stored, target, name

    def current_index(self) -> NewsIndex:
        """The index in use, opened again when another process (another bot, the CLI) has switched
        versions since: every process that shares an index answers from its newest version."""
        index = self.index
        in_use = self.store.current_name()
        if in_use != index.version:
            log.info("the index in %s changed: opening version %s", self.store.location, in_use)
            self._index = None
            index = self.index
        return index

    def ensure_index(
        self,
        progress: BuildProgress | None = None,
        say: Callable[[str], None] | None = None,
        *,
        when_stale: bool = True,
    ) -> BuildReport | None:
        """Build the index when there is none, or (`when_stale`) when it no longer fits the corpus or the
        settings; without `when_stale`, an index that does not fit is refused as it is.

        `say` hears why a build starts, in a sentence, before it starts."""
        try:
            index = self.index
        except (IndexMissingError, IndexMismatchError) as reason:
            if not when_stale and isinstance(reason, IndexMismatchError):
                raise
            why = (
                f"no index in {self.store.location} yet"
                if isinstance(reason, IndexMissingError)
                else f"the index in {self.store.location} does not fit the settings ({reason.problem})"
            )
        else:
            if not when_stale:
                return None
            manifest = index.manifest
            articles = load_corpus(self.config.corpus.read_paths).articles
            if (
                manifest.chunker == self.config.index.chunker.to_json()
                and manifest.corpus_fingerprint == corpus_fingerprint(articles)
            ):
                return None
            self._refuse_anothers_corpus(manifest.corpus_paths)
            why = "the corpus or the chunker settings changed since the index was built"
        (say or log.info)(f"{why}: building it from {', '.join(map(str, self.config.corpus.read_paths))}")
        return self.rebuild(progress=progress)

    def _refuse_anothers_corpus(self, built_from: list[str]) -> None:
        """In a shared database, an index built from other folders may be another deployment's corpus of
        the same name: rebuilding it by itself would take that deployment's articles away."""
        if not self.store.shared:
            return
        if {Path(p).resolve() for p in built_from} == {p.resolve() for p in self.config.corpus.read_paths}:
            return
        raise IndexMismatchError(
            f"the {self.store.location} was built from {', '.join(built_from)}, not from this config's "
            f"{', '.join(map(str, self.config.corpus.read_paths))}: another deployment may be using it",
            "give this one an [index] dir of another name (the corpus is named after it), or run "
            "`newsbot index build` to replace that corpus with these articles",
        )

    def timeline(self, topic: str, today: dt.date | None = None) -> Timeline:
        """The passages that answer a topic across the corpus, one per article, oldest first (core/timeline.py);
        `source:`, `since:`, `before:` and time words narrow it as they narrow a question."""
        return _timeline_of(self, topic, today)

    def ask(
        self,
        text: str,
        k: int | None = None,
        filters: SearchFilters = SearchFilters(),
        follows: str | None = None,
        today: dt.date | None = None,
        time_words: bool = True,
    ) -> Answer:
        """Answer a question; `source:`, `since:` and `before:` in the text narrow the articles searched, and
        so does time in its words ("last week", "in 2017": `index.time_window`, relative to `today`, the day
        of asking in UTC by default) when no date filter is given; a question asking for the latest quotes
        the newest answering articles first (`time_words` off: neither, as before them).

        A follow-up (`follows`: the question it follows, filters and all) is searched together with
        that question, under its filters unless it gives its own; the answer says what it follows."""
        earlier, earlier_filters = parse_query(searchable(follows)) if follows else ("", SearchFilters())
        if filters.source:  # a source given apart is cleaned as the text is
            filters = dataclasses.replace(filters, source=searchable(filters.source))
        given = {name: value for name, value in vars(filters).items() if value}
        # filters: the earlier question's, then those given apart, then those in the text, each winning over the last
        searched = searchable(text)
        question, filters = parse_query(searched, defaults=dataclasses.replace(earlier_filters, **given))
        if not question:
            only_filters = bool(searched.strip())
            raise UsageError(
                "the question is empty", "write a question after the filters" if only_filters else "write a question"
            )
        asked, unwindowed = question, filters
        question, filters, window = (
            with_time_words(question, filters, today) if time_words else (question, filters, None)
        )
        searched = f"{earlier} {question}"[-MAX_QUESTION_CHARS:] if earlier else question
        search = self.config.search
        started = time.perf_counter()

        def answer_from(index: NewsIndex, filters: SearchFilters, text: str = searched) -> Answer:
            return build_answer(
                index,
                text,
                k=k or search.k,
                min_answer_score=search.min_answer_score,
                mode=search.mode,
                filters=filters,
                reader=search.reader,
                sentence_reader=self.sentence_reader(),
                today=today,
                latest_first=time_words,
            )

        def answer_within_window(index: NewsIndex) -> Answer:
            """Within the window; when nothing there answers a year or a month ("in 2000"), from any date, saying
            so (what happened in 2000 may be told by an article of 2021); a past day, week, month or year
            ("last year") from then to today, saying so (this year's article says "last year, 210 volunteers
            joined"); else the window's abstention."""
            answer = answer_from(index, filters)
            if window is None or not answer.abstained:
                return answer
            if window.relative:
                day_of_asking = today or dt.datetime.now(dt.UTC).date()
                if window.before is None or window.before > day_of_asking:
                    return answer  # "this week", "the past 7 days": already up to today
                later = answer_from(index, dataclasses.replace(filters, before=None))
                return answer if later.abstained else dataclasses.replace(later, outside_window=True)
            as_asked = f"{earlier} {asked}"[-MAX_QUESTION_CHARS:] if earlier else asked
            anywhere = answer_from(index, unwindowed, as_asked)  # the time's words searched as words again
            if anywhere.abstained:  # the window's abstention, unless the other filters alone admit nothing
                return anywhere if anywhere.filtered_out else answer
            return dataclasses.replace(anywhere, outside_window=True)

        try:
            answer = answer_within_window(self.current_index())
        except VersionChanged:  # another process switched versions while this one was answering
            answer = answer_within_window(self.current_index())
        log.info(
            "%s in %.0f ms (%s search, k=%d%s)",
            "abstained" if answer.abstained else f"answered with {len(answer.passages)} passages",
            1000 * (time.perf_counter() - started),
            search.mode,
            k or search.k,
            f", filters {filters.describe()}" if filters else "",
        )
        dated = answer.filters.since is not None or answer.filters.before is not None
        if window is not None and (dated or not answer.filtered_out):  # the title keeps the window's words
            answer = dataclasses.replace(answer, question=asked, time_window=window)
        if earlier:
            answer = dataclasses.replace(answer, question=asked, follows=earlier)
        if len(text) > MAX_QUESTION_CHARS:  # speakable read only its start: the asker is told
            answer = dataclasses.replace(answer, cut=True)
        return answer


def with_time_words(
    question: str, filters: SearchFilters, today: dt.date | None
) -> tuple[str, SearchFilters, TimeWindow | None]:
    """The question to search, its filters with the window its time words give (when no date filter is
    given), and that window; `today` is the day of asking (UTC's by default)."""
    if filters.since or filters.before:
        return question, filters, None
    question, window = time_window(question, today or dt.datetime.now(dt.UTC).date())
    if window is None:
        return question, filters, None
    return question, dataclasses.replace(filters, since=window.since, before=window.before), window


def _timeline_of(app: Newsbot, text: str, today: dt.date | None) -> Timeline:
    """`Newsbot.timeline`: the topic's filters and time words read as a question's are."""
    topic, filters = parse_query(searchable(text))
    if not topic:
        raise UsageError("the topic is empty", "write what the timeline is of, e.g. flour deliveries to North Korea")
    topic, filters, _ = with_time_words(topic, filters, today)
    search = app.config.search

    def timeline_from(index: NewsIndex) -> Timeline:
        return build_timeline(
            index,
            topic,
            mode=search.mode,
            filters=filters,
            min_answer_score=search.min_answer_score,
            reader=search.reader,
            sentence_reader=app.sentence_reader(),
        )

    try:
        return timeline_from(app.current_index())
    except VersionChanged:
        return timeline_from(app.current_index())


def corpus_key(app: Newsbot) -> str:
    """How the bot's state names an app's corpus (its feeds, its gaps): its index folder, or its corpus in
    PostgreSQL."""
    if app.config.store.backend == "postgres":
        return corpus_name(app.index_dir)
    return str(app.index_dir.resolve())


def store_for(settings: StoreSettings, index_dir: Path) -> VersionStore:
    """The store [store] names for an index folder: the folder itself, or the corpus named after it in PostgreSQL."""
    if settings.backend == "postgres":
        return open_store(
            "postgres",
            index_dir,
            url=database_url(settings),
            corpus=corpus_name(index_dir),
            hnsw_m=settings.hnsw_m,
            hnsw_ef_construction=settings.hnsw_ef_construction,
            postings_cache_mb=settings.postings_cache_mb,
        )
    return open_store(settings.backend, utf8_folder(index_dir))


def database_url(settings: StoreSettings, wanted_by: str = '[store] backend is "postgres"') -> str:
    """The PostgreSQL URL the settings give; ConfigError saying what wants it when there is none."""
    url = settings.resolved_url()
    if not url:
        raise ConfigError(
            f"{wanted_by} but no database URL is set",
            f"export {DATABASE_URL_ENV}=postgresql://USER:PASSWORD@HOST/DATABASE, or set [store] url",
        )
    if not url.startswith(("postgresql://", "postgres://")):
        where = DATABASE_URL_ENV if os.environ.get(DATABASE_URL_ENV, "").strip() else "[store] url"
        raise ConfigError(
            f"{where} is not a PostgreSQL URL", "give one like postgresql://USER:PASSWORD@HOST:5432/DATABASE"
        )
    return url


CONTROL_CHARACTERS = {
    code: None
    for code in (
        *range(0x20),
        0x7F,
        0x200B,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        0x2060,
        *range(0x2066, 0x206A),
        0xFEFF,
        0x00AD,
    )
    if code not in (0x09, 0x0A)
}
"""str.translate's table that drops control characters but tab and newline, bidirectional controls, and the
invisible characters that hide inside a word (zero-width space, word joiner, BOM, soft hyphen); the
zero-width joiners that languages and emoji need stay."""


def speakable(text: str) -> str:
    """Whatever the front end: lone surrogates (invalid UTF-8 in argv) become U+FFFD, and control and invisible
    characters but tab and newline go, so the text can be embedded, printed and sent as UTF-8."""
    text = text[:MAX_QUESTION_CHARS].encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.translate(CONTROL_CHARACTERS)


FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
"""Fullwidth letters, digits and signs (and the ideographic space), which an East Asian keyboard types, as the
ASCII they stand for. Not the rest of Unicode's compatibility forms (NFKC): articles write "CO₂", "km²" and,
from PDFs, ligatures, and a question copied from them must still match them."""


def searchable(text: str) -> str:
    """A question (or a filter, a topic) as searched: `speakable`, with fullwidth forms as ASCII."""
    return speakable(text).translate(FULLWIDTH)
