"""newsbot's settings: one typed object, read once from TOML and checked at start-up.

Where the file comes from, first match wins: `--config PATH`, the `NEWSBOT_CONFIG` environment
variable, `config.toml` in the working directory; with none of them, every setting has its
default (`config.example.toml` lists them all). Relative paths are taken from the file's folder,
the default folders (`.newsbot/...`, `seeds`) too, so the same file finds the same folders from any
working directory; with no file, from the working directory. Unknown keys and bad values stop
the program with one line that names the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import reprlib
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import (
    BUNDLED_MODEL,
    EMBEDDING_BATCH,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    PASSAGES_PER_ANSWER,
    POSTINGS_CACHE_MB,
    READERS,
    RUNTIMES,
    SEARCH_MODES,
    STORE_BACKENDS,
    VERSIONS_KEPT,
    ChunkerSettings,
    ConfigError,
    Reader,
    SearchMode,
    StoreBackend,
)

CONFIG_ENV = "NEWSBOT_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"
DATABASE_URL_ENV = "NEWSBOT_DATABASE_URL"
DEFAULT_CONFIG_FILE = "config.toml"
DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"

if TYPE_CHECKING:
    from .fetch import FetchPolicy


def _setting(default: Any, allowed: str, check: Callable[[Any], bool] = lambda _: True) -> Any:
    """A field with its default, a description of the allowed values, and a check of them."""
    metadata = {"allowed": allowed, "check": check}
    if isinstance(default, (list, tuple)):
        return field(default_factory=lambda: default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class CorpusSettings:
    paths: tuple[Path, ...] = _setting((Path("seeds"),), "a list of files or folders", lambda v: len(v) > 0)
    added_dir: Path = _setting(Path(".newsbot/articles"), "a folder path")
    """Where articles added with `index add`, :add and /add are saved, and removed ones kept (in its .trash);
    the index reads it besides `paths`. The folders of `paths` are never changed."""

    @property
    def read_paths(self) -> tuple[Path, ...]:
        """What the index is built from: `paths`, and `added_dir` once it exists (unless one of `paths` reads
        it). An added folder that is a link is not read: it could lead anywhere, and adding to it is refused too."""
        if self.added_dir.is_symlink() or not self.added_dir.is_dir() or self.path_reading_added() is not None:
            return self.paths
        return (*self.paths, self.added_dir)

    def path_reading_added(self) -> Path | None:
        """The folder of `paths` whose reading reads `added_dir` too: one holding it, and not under a dot folder
        such as `.newsbot`, which reading a folder skips (so `paths = ["."]` does not read `.newsbot/articles`)."""
        added = self.added_dir.resolve()
        for path in self.paths:
            root = path.resolve()
            if path.is_dir() and added.is_relative_to(root):
                hidden = any(part.startswith(".") for part in added.relative_to(root).parts)
                if not hidden:
                    return path
        return None


@dataclass(frozen=True)
class IndexSettings:
    dir: Path = _setting(Path(".newsbot/index"), "a folder path")
    model: str = _setting(BUNDLED_MODEL, "a sentence-transformers model name or folder", lambda v: bool(v.strip()))
    device: str = _setting(
        "cpu", '"cpu", "cuda" or "mps"', lambda v: v in ("cpu", "cuda", "mps") or v.startswith("cuda:")
    )
    runtime: str = _setting("auto", " or ".join(f'"{r}"' for r in RUNTIMES), lambda v: v in RUNTIMES)
    """"auto": the bundled model runs from an int8 ONNX copy (no torch at query time); others in sentence-transformers."""
    model_cache: Path = _setting(Path(".newsbot/models"), "a folder path")
    """Where the int8 ONNX copy of the model is kept once made."""
    batch_size: int = _setting(EMBEDDING_BATCH, "an integer from 1 to 1024", lambda v: 1 <= v <= 1024)
    chunk_tokens: int = _setting(ChunkerSettings.chunk_tokens, "an integer from 16 to 2048", lambda v: 16 <= v <= 2048)
    overlap_tokens: int = _setting(ChunkerSettings.overlap_tokens, "an integer from 0 to 512", lambda v: 0 <= v <= 512)
    title_in_embedding: bool = _setting(ChunkerSettings.title_in_embedding, "true or false")
    keep_versions: int = _setting(VERSIONS_KEPT, "an integer from 1 to 100", lambda v: 1 <= v <= 100)

    @property
    def chunker(self) -> ChunkerSettings:
        return ChunkerSettings(self.chunk_tokens, self.overlap_tokens, self.title_in_embedding)


def corpus_name(index_dir: Path) -> str:
    """An index's corpus name in the database: its folder's name (`.newsbot/index` is "index"), the
    path made absolute first, so `--index .` is named after the current folder, not "index" as every
    default folder is (links are not followed: a folder reached through one keeps the link's name).
    ConfigError when the name is not UTF-8 (the database's text is)."""
    try:
        absolute = Path(os.path.abspath(utf8_folder(index_dir)))
    except FileNotFoundError:  # a relative path, and the current folder was deleted
        raise ConfigError(
            f"the current folder no longer exists, so the index folder {index_dir} cannot be found",
            "change to a folder that exists, or give the index folder as an absolute path",
        ) from None
    return absolute.name or "index"


def utf8_folder(index_dir: Path) -> Path:
    """The index folder, when its path is UTF-8 (a corpus in PostgreSQL is named after it, and FAISS
    writes only to such paths); ConfigError otherwise."""
    try:
        str(index_dir).encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"the index folder {os.fsencode(index_dir)!r} is not named in UTF-8, as newsbot's indexes must be",
            "rename the folder, or give another with [index] dir or --index",
        ) from None
    return index_dir


@dataclass(frozen=True)
class StoreSettings:
    """Where index versions live: "faiss" (files in [index] dir, one machine) or "postgres" (one database
    that every bot process shares; each index is a corpus named after its folder: `.newsbot/index` is "index")."""

    backend: StoreBackend = _setting(
        "faiss", " or ".join(f'"{b}"' for b in STORE_BACKENDS), lambda v: v in STORE_BACKENDS
    )
    url: str = field(
        default="",
        repr=False,
        metadata={
            "allowed": "a postgresql:// URL (better: NEWSBOT_DATABASE_URL)",
            "check": lambda v: v == "" or v.startswith(("postgresql://", "postgres://")),
        },
    )

    hnsw_m: int = _setting(HNSW_M, "an integer from 4 to 64", lambda v: 4 <= v <= 64)
    hnsw_ef_construction: int = _setting(
        HNSW_EF_CONSTRUCTION, "an integer from 8 to 1000, at least twice hnsw_m", lambda v: 8 <= v <= 1000
    )
    """How a corpus's HNSW graph is built in PostgreSQL (pgvector's m and ef_construction), when its first version
    is stored: smaller builds faster and finds fewer of the nearest passages (docs/deploying.md)."""
    postings_cache_mb: int = _setting(
        POSTINGS_CACHE_MB, "an integer from 16 to 65536 (megabytes)", lambda v: 16 <= v <= 65536
    )
    """With PostgreSQL, how much of BM25's word postings each process keeps for the version in use (the words
    questions ask for; least recently used out first): more answers more questions without reading the database."""

    def resolved_url(self) -> str:
        """NEWSBOT_DATABASE_URL wins over the file, so the file can be shared without the password."""
        return os.environ.get(DATABASE_URL_ENV, "").strip() or self.url.strip()


@dataclass(frozen=True)
class SearchSettings:
    k: int = _setting(PASSAGES_PER_ANSWER, "an integer from 1 to 20", lambda v: 1 <= v <= 20)
    mode: SearchMode = _setting("hybrid", " or ".join(f'"{m}"' for m in SEARCH_MODES), lambda v: v in SEARCH_MODES)
    min_answer_score: float | None = _setting(None, "a number from -1 to 2", lambda v: -1 <= v <= 2)
    """None: each index's own threshold, worked out when it is built (index/search/answerability.py)."""
    reader: Reader = _setting("answer-type", " or ".join(f'"{r}"' for r in READERS), lambda v: v in READERS)
    """How the answer decision reads a passage against the question: "answer-type" quotes a passage for a
    how-much, how-old or when question only when a sentence of it holds a quantity, an age or a date
    (index/search/answer_types.py);
    "cross-encoder" does that and also quotes only passages with a sentence that `reader_model` scores at least
    `reader_threshold` (index/reading/); "off" decides as before the answer type."""
    reader_model: Path | None = _setting(None, "the folder of a sentence-transformers CrossEncoder")
    """The model of the "cross-encoder" reader: a folder (relative to this file), loaded once a process, before the
    bot or the REPL takes questions (a command that answers loads it at its question)."""
    reader_threshold: float = _setting(0.5, "a number between 0 and 1 (not either)", lambda v: 0 < v < 1)
    """The least score of a sentence that answers, on a one-output CrossEncoder's scale (its sigmoid, 0 to 1: at
    0 every sentence would pass, at 1 none)."""


def _is_id_list(value: tuple) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)


@dataclass(frozen=True)
class DiscordSettings:
    token: str = field(
        default="", repr=False, metadata={"allowed": "a bot token (better: DISCORD_TOKEN)", "check": lambda v: True}
    )
    api_base_url: str = _setting(DISCORD_API, "an http(s) URL", lambda v: v.startswith(("http://", "https://")))
    gateway_url: str = _setting(DISCORD_GATEWAY, "a ws(s) URL", lambda v: v.startswith(("ws://", "wss://")))
    sync_guild_id: int = _setting(0, "0 (global) or a guild id", lambda v: v >= 0)
    moderator_role_ids: tuple[int, ...] = _setting((), "a list of role ids", _is_id_list)
    cooldown_questions: int = _setting(3, "an integer from 1 to 100", lambda v: 1 <= v <= 100)
    cooldown_seconds: float = _setting(30.0, "a number of seconds from 0 to 3600", lambda v: 0 <= v <= 3600)
    data_dir: Path = _setting(Path(".newsbot"), "a folder path")
    shared_corpus_guild_ids: tuple[int, ...] = _setting((), "a list of guild ids", _is_id_list)
    """Guilds whose moderators may change the shared corpus ([corpus] and [index]); the bot's owner always may."""
    answer_days: int = _setting(30, "a number of days from 1 to 3650", lambda v: 1 <= v <= 3650)
    """Answers behind buttons are kept this long, then forgotten (their buttons say so)."""
    shard_count: int = _setting(0, "0 (no sharding) or a number of shards from 1 to 10000", lambda v: 0 <= v <= 10_000)
    """Shards the bot's guilds are split into (Discord requires it from 2,500 guilds); 0: one connection."""
    shard_ids: tuple[int, ...] = _setting(
        (),
        "a list of shard numbers from 0 to shard_count - 1",
        lambda v: all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in v),
    )
    """The shards this process runs; empty: all of them. Several `newsbot run` processes with different
    shard_ids share the guilds between them (they need [store] backend = "postgres" to share one index)."""

    def resolved_token(self) -> str:
        """DISCORD_TOKEN wins over the file, so the file can be shared without the secret."""
        return os.environ.get(TOKEN_ENV, "").strip() or self.token.strip()


@dataclass(frozen=True)
class GuildSettings:
    """A guild with a corpus and an index of its own; every other guild shares [corpus] and [index]."""

    paths: tuple[Path, ...] = _setting((), "a list of files or folders", lambda v: len(v) > 0)
    index_dir: Path = _setting(Path(), "a folder path, not the shared [index] dir")
    added_dir: Path | None = _setting(None, "a folder path of this guild's own")
    """Where the guild's added articles are kept; by default a folder beside its index: INDEX_DIR-articles."""

    @property
    def corpus(self) -> CorpusSettings:
        added = self.added_dir or self.index_dir.with_name(f"{self.index_dir.name}-articles")
        return CorpusSettings(paths=self.paths, added_dir=added)


def _is_host_list(value: tuple) -> bool:
    return all(v.strip() and not any(c.isspace() or c in "/@" for c in v.strip()) for v in value)


@dataclass(frozen=True)
class FetchSettings:
    """How articles given by URL (/add url:, `newsbot add URL`) are fetched."""

    private_hosts: tuple[str, ...] = _setting((), "a list of host names", _is_host_list)
    timeout_seconds: float = _setting(20.0, "a number of seconds from 1 to 300", lambda v: 1 <= v <= 300)
    max_redirects: int = _setting(5, "an integer from 0 to 20", lambda v: 0 <= v <= 20)

    def policy(self) -> FetchPolicy:
        from .fetch import FetchPolicy  # imported here: bot.core.fetch loads aiohttp, which start-up does not need

        hosts = frozenset(h.strip().lower() for h in self.private_hosts)
        return FetchPolicy(private_hosts=hosts, timeout=self.timeout_seconds, max_redirects=self.max_redirects)


@dataclass(frozen=True)
class FeedSettings:
    """How subscribed feeds are polled (bot/feeds/): politely, and never the whole archive at once."""

    every_minutes: int = _setting(15, "a number of minutes from 5 to 10080", lambda v: 5 <= v <= 10_080)
    """A new subscription's interval between polls, unless it names its own (at least 5 minutes)."""
    first_entries: int = _setting(10, "an integer from 1 to 200", lambda v: 1 <= v <= 200)
    """The newest entries a feed's first poll indexes; the older ones are marked seen and never indexed."""
    entries_per_poll: int = _setting(30, "an integer from 1 to 500", lambda v: 1 <= v <= 500)
    """New entries taken from one feed in one poll at most; the rest wait for the next."""
    max_failures: int = _setting(5, "an integer from 1 to 100", lambda v: 1 <= v <= 100)
    """Failed polls in a row after which a feed is paused, and the moderators told, until resumed."""
    parallel_requests: int = _setting(4, "an integer from 1 to 32", lambda v: 1 <= v <= 32)
    """Requests in flight at once over every feed (one at a time per host, whatever this says)."""
    keep_days: int = _setting(0, "0 (keep them) or a number of days from 1 to 36500", lambda v: 0 <= v <= 36_500)
    """Feed articles older than this leave the index (to the trash, restorable); 0 keeps them."""
    announce_max: int = _setting(5, "an integer from 0 to 50", lambda v: 0 <= v <= 50)
    """Newly indexed articles posted per feed and cycle at most, in a feed's announcement channel."""


@dataclass(frozen=True)
class Config:
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    guilds: dict[int, GuildSettings] = field(default_factory=dict)
    """Guild id -> its own corpus and index, from [guilds.ID] sections."""
    source: Path | None = None
    """The file these settings were read from, if any."""


SECTIONS: dict[str, type] = {
    "corpus": CorpusSettings,
    "index": IndexSettings,
    "search": SearchSettings,
    "store": StoreSettings,
    "discord": DiscordSettings,
    "fetch": FetchSettings,
    "feeds": FeedSettings,
}


def _shown(value: Any) -> str:
    """How a value is shown in a message: cut short, and never walked deeper than two levels (a
    table nested a thousand deep is no recursion)."""
    shown = reprlib.Repr()
    shown.maxlevel, shown.maxstring, shown.maxother, shown.maxlist, shown.maxdict = 2, 80, 80, 6, 4
    return shown.repr(value)


def _key(name: str) -> str:
    """A key's name as written, cut short (TOML allows keys of any length)."""
    return name if len(name) <= 60 else name[:59] + "…"


def find_config_file(explicit: str | Path | None = None) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()  # "~/bot.toml" quoted, as the shell leaves it
        if path.is_dir():
            raise ConfigError(f"config file {path} is a folder", "give --config the path of a .toml file")
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist", "check the path given to --config")
        return path
    if os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV]).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} (from {CONFIG_ENV}) does not exist", f"fix or unset {CONFIG_ENV}")
        return path
    path = Path(DEFAULT_CONFIG_FILE)
    return path if path.is_file() else None


def load_config(explicit: str | Path | None = None) -> Config:
    """Find and read the config file, or return the defaults when there is none."""
    path = find_config_file(explicit)
    if path is None:
        return Config()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"cannot read the config file {path} ({error.strerror or error})", "check the file and its permissions"
        ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path} is UTF-16 text", "save it as UTF-8 (TOML files are UTF-8)")
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # a byte order mark is no setting
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path} is not UTF-8 text (line {line})", "save it as UTF-8 (TOML files are UTF-8)"
        ) from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = (
            "fix the syntax there"
            if "Unclosed" not in str(error)
            else "close it: it was opened on an earlier line, and TOML notices only where the next one begins"
        )
        raise ConfigError(f"{path} is not valid TOML ({error})", where) from None
    except RecursionError:
        raise ConfigError(
            f"{path} nests arrays or tables too deeply to read",
            "write the settings as flat values, " "as config.example.toml does",
        ) from None
    return parse_config(values, path)


def parse_config(values: dict[str, Any], path: Path | None = None) -> Config:
    """Build a Config from parsed TOML, naming the first unknown key or bad value."""
    where = str(path) if path else "config"
    base = path.parent if path else None
    sections: dict[str, Any] = {}
    for name, table in values.items():
        if not isinstance(table, dict) and name not in SECTIONS and name != "guilds":
            raise ConfigError(
                f"{where}: the key {_key(name)} is outside any section",  # its value may be a secret
                f"put it under its section (allowed: {', '.join(SECTIONS)}), or remove it",
            )
        if name not in SECTIONS and name != "guilds":
            raise ConfigError(
                f"{where}: unknown section [{_key(name)}]", f"allowed sections: {', '.join(SECTIONS)}, guilds.ID"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {name} must be a [{name}] table", "write it as a section")
        if name != "guilds":
            sections[name] = _parse_section(name, SECTIONS[name], table, where, base)
    for name, section in SECTIONS.items():  # the sections the file leaves out: their default folders too
        if name not in sections:
            sections[name] = _parse_section(name, section, {}, where, base)
    config = Config(**sections, source=path)
    discord = config.discord
    if discord.shard_ids and not discord.shard_count:
        raise ConfigError(
            f"{where}: [discord] shard_ids is set but shard_count is not",
            "set [discord] shard_count to the number of shards of all processes together",
        )
    if len(set(discord.shard_ids)) != len(discord.shard_ids):
        raise ConfigError(
            f"{where}: [discord] shard_ids {list(discord.shard_ids)} names a shard twice", "list each shard once"
        )
    if any(i >= discord.shard_count for i in discord.shard_ids):
        raise ConfigError(
            f"{where}: [discord] shard_ids {list(discord.shard_ids)} has a number beyond shard_count "
            f"{discord.shard_count}",
            f"use numbers from 0 to {discord.shard_count - 1}",
        )
    if config.store.hnsw_ef_construction < 2 * config.store.hnsw_m:
        given = "hnsw_ef_construction" in values.get("store", {})
        raise ConfigError(
            f"{where}: [store] hnsw_ef_construction {config.store.hnsw_ef_construction}"
            f"{'' if given else ' (the default)'} is less than twice hnsw_m {config.store.hnsw_m}",
            f"set hnsw_ef_construction to at least {2 * config.store.hnsw_m}, or hnsw_m lower (pgvector needs it)",
        )
    if config.search.reader == "cross-encoder" and config.search.reader_model is None:
        raise ConfigError(
            f'{where}: [search] reader = "cross-encoder" needs a model',
            'set [search] reader_model to the folder of a sentence-transformers CrossEncoder, or reader = "answer-type"',
        )
    config = dataclasses.replace(config, guilds=_parse_guilds(values.get("guilds", {}), config, where, base))
    if config.store.backend == "postgres":  # each index is the corpus named after its folder in the database
        named: dict[str, str] = {}
        for owner, index_dir in [
            ("[index] dir", config.index.dir),
            *((f"[guilds.{g}] index_dir", s.index_dir) for g, s in config.guilds.items()),
        ]:
            name = corpus_name(index_dir)
            if name in named:
                raise ConfigError(
                    f"{where}: {owner} and {named[name]} would share the corpus {name!r} in the "
                    "database (a corpus is named after its index folder)",
                    "give them folders with different names",
                )
            named[name] = owner
    return config


def _parse_guilds(tables: dict[str, Any], config: Config, where: str, base: Path | None) -> dict[int, GuildSettings]:
    """[guilds.ID] sections: each needs its own corpus paths and an index folder no one else uses."""
    guilds: dict[int, GuildSettings] = {}
    for key, table in tables.items():
        name = f"guilds.{key}"
        if not (key.isascii() and key.isdigit()) or int(key) == 0 or not isinstance(table, dict):
            raise ConfigError(
                f"{where}: [{name}] is not a guild section",
                "write [guilds.GUILD_ID] with the guild's numeric id, then paths and index_dir",
            )
        settings = _parse_section(name, GuildSettings, table, where, base)
        missing = [k for k in ("paths", "index_dir") if k not in table]
        if missing:
            raise ConfigError(f"{where}: [{name}] has no {missing[0]}", "give the guild both paths and index_dir")
        taken = [config.index.dir.resolve(), *(g.index_dir.resolve() for g in guilds.values())]
        if settings.index_dir.resolve() in taken:
            raise ConfigError(
                f"{where}: [{name}] index_dir {table['index_dir']} is already in use",
                "give every guild an index folder of its own",
            )
        added_taken = [config.corpus.added_dir.resolve(), *(g.corpus.added_dir.resolve() for g in guilds.values())]
        if settings.corpus.added_dir.resolve() in added_taken:
            raise ConfigError(
                f"{where}: [{name}] added_dir {settings.corpus.added_dir} is already in use",
                "give every guild a folder of its own for added articles",
            )
        guilds[int(key)] = settings
    return guilds


def _parse_section(name: str, cls: type, table: dict[str, Any], where: str, base: Path | None) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    types = typing.get_type_hints(cls)
    parsed = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown key [{name}] {_key(key)}", f"allowed keys: {', '.join(fields)}")
        spec = fields[key]
        allowed = spec.metadata["allowed"]
        try:
            converted = _convert(value, types[key], base)
        except (TypeError, ValueError):
            converted = None
        if converted is None or not spec.metadata["check"](converted):
            shown = _shown(value) if spec.repr else "(a secret: its value is not shown)"  # a token, a database URL
            raise ConfigError(f"{where}: [{name}] {key} = {shown} is not allowed", f"it must be {allowed}")
        parsed[key] = converted
    if base is not None:  # a folder the file leaves to its default is beside the file, as those it sets are
        for key, spec in fields.items():
            if key not in parsed and isinstance(default := spec.default, Path):
                parsed[key] = _path(str(default), base)
                if (name, key) in DATA_FOLDERS:
                    _warn_if_left_behind(where, name, key, default, parsed[key])
            elif key not in parsed and types[key] == tuple[Path, ...] and callable(spec.default_factory):
                parsed[key] = tuple(_path(str(p), base) for p in spec.default_factory())
    return cls(**parsed)


DATA_FOLDERS = {("index", "dir"), ("corpus", "added_dir"), ("discord", "data_dir")}
"""Defaults that hold what cannot be made again from the corpus: the index, added articles, the bot's state."""


def _warn_if_left_behind(where: str, section: str, key: str, default: Path, beside_file: Path) -> None:
    """Defaults were once taken from the working directory: when the folder is there and not beside the file,
    the file is using a new, empty one, which is said (in one line, not stopped: it may be meant)."""
    left = Path(default).resolve()  # from the working directory, as an older newsbot took it
    if beside_file.exists() or not left.is_dir() or left == beside_file.resolve():
        return
    logging.getLogger("newsbot").warning(
        "%s does not set [%s] %s, so it is %s, beside the file, which is new; %s in the working directory is "
        "not used: set %s = %s in the file to use it, or move it beside the file",
        where,
        section,
        key,
        beside_file,
        left,
        key,
        json.dumps(str(left)),
    )


def _convert(value: Any, wanted: Any, base: Path | None) -> Any:
    """A TOML value as the field's type, or None when it is not one."""
    if typing.get_origin(wanted) is types.UnionType:  # `X | None`: TOML has no null, so a value is an X
        (wanted,) = [t for t in typing.get_args(wanted) if t is not type(None)]
    if typing.get_origin(wanted) is tuple:
        item = typing.get_args(wanted)[0]
        if item is Path and isinstance(value, str):
            value = [value]  # paths = "seeds" means paths = ["seeds"]
        if not isinstance(value, list):
            return None
        items = [_convert(v, item, base) for v in value]
        return None if any(i is None for i in items) else tuple(items)
    if typing.get_origin(wanted) is typing.Literal:  # a choice: its check names the values
        return value if value in typing.get_args(wanted) else None
    if wanted is bool:
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):  # a TOML true is no number
        return None
    if wanted is int:
        return value if isinstance(value, int) else None
    if wanted is float:
        return float(value) if isinstance(value, (int, float)) else None
    if wanted is str:
        return value if isinstance(value, str) else None
    if wanted is Path:  # a NUL is no part of any path the system takes
        return _path(value, base) if isinstance(value, str) and value and "\x00" not in value else None
    raise TypeError(wanted)


def _path(value: str, base: Path | None) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() or base is None else base / path
