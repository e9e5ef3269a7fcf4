"""Settings: the example file loads as the defaults, and every bad value is named in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config import Config, load_config, parse_config
from bot.terminal.cli import main
from index import ConfigError
from tests.conftest import ROOT


def test_the_example_config_loads_and_holds_every_default():
    config = load_config(ROOT / "config.example.toml")
    defaults = Config()
    assert config.index.model == defaults.index.model == "all-MiniLM-L6-v2"
    assert config.index.dir == ROOT / defaults.index.dir
    assert config.corpus.paths == (ROOT / "seeds",)
    assert config.search == defaults.search
    assert config.index.chunker == defaults.index.chunker
    assert config.discord.api_base_url == "https://discord.com/api/v10"
    assert config.discord.data_dir == ROOT / ".newsbot"
    assert config.fetch == defaults.fetch
    for section in ("corpus", "index", "search", "discord", "fetch"):
        example, default = getattr(config, section), getattr(defaults, section)
        for name in example.__dataclass_fields__:
            if not isinstance(getattr(default, name), (Path, tuple)):
                assert getattr(example, name) == getattr(default, name), f"[{section}] {name}"


def test_no_config_file_means_defaults():
    assert load_config() == Config()


def test_config_toml_in_the_working_directory_is_read(tmp_path):
    (tmp_path / "config.toml").write_text("[search]\nk = 5\n")
    assert load_config().search.k == 5


def test_newsbot_config_variable_is_read(tmp_path, monkeypatch):
    (tmp_path / "elsewhere.toml").write_text('[index]\ndir = "idx"\n')
    monkeypatch.setenv("NEWSBOT_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert load_config().index.dir == tmp_path / "idx"


def test_a_files_default_folders_are_beside_it_as_its_own_paths_are(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "bot.toml").write_text('[index]\ndir = "idx"\n')
    monkeypatch.chdir(tmp_path)  # elsewhere: the same file must find the same folders
    config = load_config(Path("conf/bot.toml"))
    folder = Path("conf")
    assert config.index.dir == folder / "idx"
    assert config.corpus.added_dir == folder / ".newsbot" / "articles"
    assert config.corpus.paths == (folder / "seeds",)
    assert config.index.model_cache == folder / ".newsbot" / "models"
    assert config.discord.data_dir == folder / ".newsbot"
    assert config.search.reader_model is None


def test_a_config_path_with_a_tilde_is_the_home_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "bot.toml").write_text("[search]\nk = 5\n")
    assert load_config("~/bot.toml").search.k == 5
    monkeypatch.setenv("NEWSBOT_CONFIG", "~/bot.toml")
    assert load_config().search.k == 5


def test_a_data_folder_left_in_the_working_directory_is_named_when_the_file_moves_it(tmp_path, caplog):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "bot.toml").write_text('[corpus]\npaths = ["corpus"]\n')
    (tmp_path / ".newsbot" / "index").mkdir(parents=True)  # where an older newsbot kept it
    config = load_config(Path("conf/bot.toml"))
    assert config.index.dir == Path("conf/.newsbot/index")
    index_line, state_line = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert index_line.startswith("conf/bot.toml does not set [index] dir, so it is conf/.newsbot/index, beside the")
    assert f'set dir = "{tmp_path / ".newsbot" / "index"}" in the file to use it' in index_line
    assert state_line.startswith("conf/bot.toml does not set [discord] data_dir, so it is conf/.newsbot, beside")
    caplog.clear()
    (tmp_path / "conf" / ".newsbot" / "index").mkdir(parents=True)  # once there, nothing is said
    load_config(Path("conf/bot.toml"))
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[serch]\nk = 3",
            "unknown section [serch]. Allowed sections: corpus, index, search, store, discord, fetch, feeds, guilds.ID",
        ),
        (
            'k = 3\n[search]\nmode = "bm25"',
            "the key k is outside any section. Put it under its section (allowed: "
            "corpus, index, search, store, discord, fetch, feeds), or remove it",
        ),
        (
            "[search]\nkk = 3",
            "unknown key [search] kk. Allowed keys: k, mode, min_answer_score, reader, reader_model, reader_threshold",
        ),
        ("[search]\nk = 0", "[search] k = 0 is not allowed. It must be an integer from 1 to 20"),
        ('[search]\nk = "3"', "[search] k = '3' is not allowed. It must be an integer from 1 to 20"),
        ("[search]\nk = true", "[search] k = True is not allowed. It must be an integer from 1 to 20"),
        (
            '[search]\nmode = "fuzzy"',
            '[search] mode = \'fuzzy\' is not allowed. It must be "hybrid" or "dense" or "bm25"',
        ),
        (
            "[search]\nmin_answer_score = 3",
            "[search] min_answer_score = 3 is not allowed. It must be a number from -1 to 2",
        ),
        (
            '[index]\ntitle_in_embedding = "yes"',
            "[index] title_in_embedding = 'yes' is not allowed. It must be true or false",
        ),
        ("[index]\nbatch_size = 0", "[index] batch_size = 0 is not allowed. It must be an integer from 1 to 1024"),
        ("[corpus]\npaths = []", "[corpus] paths = [] is not allowed. It must be a list of files or folders"),
        ("[corpus]\npaths = [1]", "[corpus] paths = [1] is not allowed. It must be a list of files or folders"),
        ("search = 3", "search must be a [search] table. Write it as a section"),
        (
            "[discord]\nmoderator_role_ids = [0]",
            "[discord] moderator_role_ids = [0] is not allowed. It must be a list of role ids",
        ),
        (
            '[discord]\napi_base_url = "discord.com"',
            "[discord] api_base_url = 'discord.com' is not allowed. It must be an http(s) URL",
        ),
        (
            "[discord]\ncooldown_seconds = -1",
            "[discord] cooldown_seconds = -1 is not allowed. It must be a number of seconds from 0 to 3600",
        ),
        (
            '[guilds.club]\npaths = ["club"]',
            "[guilds.club] is not a guild section. Write [guilds.GUILD_ID] with the guild's numeric id, then paths and index_dir",
        ),
        ('[guilds.42]\npaths = ["club"]', "[guilds.42] has no index_dir. Give the guild both paths and index_dir"),
        (
            '[guilds.42]\npaths = ["club"]\nindex_dir = ".newsbot/index"\n[index]\ndir = ".newsbot/index"',
            "[guilds.42] index_dir .newsbot/index is already in use. Give every guild an index folder of its own",
        ),
        (
            '[guilds.42]\npaths = ["club"]\nindex_dir = "club-index"\ncolour = 3',
            "unknown key [guilds.42] colour. Allowed keys: paths, index_dir, added_dir",
        ),
    ],
)
def test_bad_settings_name_the_key_and_what_is_allowed(tmp_path, toml, message):
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.one_line() == f"{path}: {message}"


def test_the_token_comes_from_the_environment_first(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('[discord]\ntoken = "from-file"\n')
    config = load_config()
    assert config.discord.resolved_token() == "from-file"
    monkeypatch.setenv("DISCORD_TOKEN", "from-env")
    assert config.discord.resolved_token() == "from-env"
    assert "from-file" not in repr(config)


def test_invalid_toml_names_the_file(tmp_path):
    (tmp_path / "config.toml").write_text("[search\n")
    with pytest.raises(ConfigError, match=r"^config.toml is not valid TOML \(.*line 1.*\)\. Fix the syntax there$"):
        load_config()


def test_an_empty_table_is_all_defaults():
    assert parse_config({"search": {}, "index": {}}) == Config()


def test_the_cli_stops_with_one_line_and_status_2(tmp_path, capsys):
    (tmp_path / "config.toml").write_text("[search]\nk = 99\n")
    assert main(["index", "stats"]) == 2
    err = capsys.readouterr().err
    assert err == "newsbot: error: config.toml: [search] k = 99 is not allowed. It must be an integer from 1 to 20\n"


def test_a_missing_config_file_is_one_line(capsys):
    assert main(["--config", "nope.toml", "index", "stats"]) == 2
    assert (
        capsys.readouterr().err
        == "newsbot: error: config file nope.toml does not exist. Check the path given to --config\n"
    )


def test_asking_with_no_question_says_how(capsys):
    assert main(["ask"]) == 2
    assert "no question given" in capsys.readouterr().err


def test_the_installed_command_reports_errors_without_a_traceback(tmp_path):
    (tmp_path / "config.toml").write_text("[index]\nmodel = 12\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.terminal.cli", "index", "stats"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsbot: error: config.toml: [index] model = 12 is not allowed. It must be a sentence-transformers model name or folder"
    ]
    assert "Traceback" not in result.stderr


def test_a_guild_gets_its_own_corpus_and_index_and_others_share_the_default(tmp_path):
    from bot.core.service import Newsbot

    path = tmp_path / "config.toml"
    path.write_text('[guilds.1100000000000000100]\npaths = ["club"]\nindex_dir = "club-index"\n')
    config = load_config(path)
    app = Newsbot(config)
    club = app.for_guild(1100000000000000100)
    assert club.config.corpus.paths == (tmp_path / "club",) and club.index_dir == tmp_path / "club-index"
    assert club.config.search == config.search and club.for_guild(1100000000000000100) is club
    assert app.for_guild(7) is app and app.for_guild(None) is app
    assert app.every_app() == [app, club]


def test_added_articles_have_a_folder_of_their_own_per_corpus(tmp_path):
    config = parse_config({"guilds": {"42": {"paths": ["club"], "index_dir": "club-index"}}}, tmp_path / "c.toml")
    assert config.corpus.added_dir == tmp_path / ".newsbot/articles"  # the file's defaults are beside it
    assert config.corpus.read_paths == (tmp_path / "seeds",)
    assert config.guilds[42].corpus.added_dir == tmp_path / "club-index-articles"
    with pytest.raises(ConfigError, match="added_dir .* is already in use"):
        parse_config(
            {
                "corpus": {"added_dir": "shared"},
                "guilds": {"42": {"paths": ["club"], "index_dir": "club-index", "added_dir": "shared"}},
            },
            tmp_path / "c.toml",
        )


def test_a_corpus_is_named_after_the_index_folder_as_an_absolute_path(tmp_path, monkeypatch):
    """`--index .` names the corpus after the current folder: "index", the name every default folder
    (`.newsbot/index`) gives, would make two deployments share one corpus in the database."""
    from bot.core.config import corpus_name

    news = tmp_path / "news"
    (news / "sub").mkdir(parents=True)
    monkeypatch.chdir(news)
    assert corpus_name(Path(".")) == "news"
    assert corpus_name(Path("sub/..")) == "news"
    assert corpus_name(Path(".newsbot/index")) == "index"
    (tmp_path / "link").symlink_to(news / "sub")
    assert corpus_name(tmp_path / "link") == "link"  # a link keeps its own name, as before


def test_a_relative_index_folder_in_a_deleted_current_folder_is_one_line(tmp_path, monkeypatch):
    from bot.core.config import corpus_name

    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(ConfigError, match="the current folder no longer exists"):
        corpus_name(Path("."))
    assert corpus_name(tmp_path / "news") == "news"  # an absolute path needs no current folder
