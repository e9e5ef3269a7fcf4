"""Global options work before the command and after it, and `--version` says which newsbot this is."""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_is_read_before_or_after_the_command(cli, tmp_path, where):
    index_dir = tmp_path / "elsewhere"
    config = tmp_path / "mine.toml"
    config.write_text(f'[corpus]\npaths = ["{SEEDS}"]\n[index]\ndir = "{index_dir}"\n')
    assert cli("--config", str(config), "index", "build")[0] == 0
    argv = (
        ["--config", str(config), "index", "stats"]
        if where == "before"
        else ["index", "stats", "--config", str(config)]
    )
    status, out, _ = cli(*argv)
    assert status == 0 and "Articles:  2" in out
    question = "How much flour did Russia deliver?"
    argv = (
        ["--config", str(config), "ask", question] if where == "before" else ["ask", question, "--config", str(config)]
    )
    assert cli(*argv)[0] == 0


def test_a_config_given_after_the_command_wins_and_a_missing_one_is_named(cli):
    status, _, err = cli("--config", "first.toml", "index", "stats", "--config", "second.toml")
    assert status == 2 and "second.toml does not exist" in err


def test_version(cli, capsys):
    with pytest.raises(SystemExit) as exited:
        cli("--version")
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("newsbot ")


@pytest.mark.parametrize("where", ["before", "after"])
def test_index_and_guild_are_read_before_or_after_the_command(cli, tmp_path, where):
    guild_index = tmp_path / "guild-index"
    config = tmp_path / "guilds.toml"
    config.write_text(
        f'[corpus]\npaths = ["{SEEDS}"]\n[index]\ndir = "{tmp_path / "shared"}"\n'
        f'[guilds.42]\npaths = ["{SEEDS}"]\nindex_dir = "{guild_index}"\n'
    )
    options = ["--config", str(config), "--guild", "42"]
    argv = [*options, "index", "build"] if where == "before" else ["index", "build", *options]
    assert cli(*argv)[0] == 0
    assert (guild_index / "current").exists() and not (tmp_path / "shared").exists()
    elsewhere = tmp_path / "elsewhere"
    argv = (
        ["--config", str(config), "--index", str(elsewhere), "index", "build"]
        if where == "before"
        else ["index", "build", "--config", str(config), "--index", str(elsewhere)]
    )
    assert cli(*argv)[0] == 0 and (elsewhere / "current").exists()


def test_help_has_examples_and_ask_help_tells_the_filters(cli, capsys):
    with pytest.raises(SystemExit):
        cli("--help")
    assert "examples:\n  newsbot " in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli("ask", "--help")
    text = capsys.readouterr().out
    assert all(f"{name}:" in text for name in ("source", "since", "before")) and "examples:" in text


@pytest.mark.parametrize("argv", [["ask", "flour", "--k", "abc"], ["bogus"], ["index"], ["ask", "--nope"]])
def test_usage_mistakes_end_in_one_line(cli, capsys, argv):
    with pytest.raises(SystemExit) as exited:
        cli(*argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("newsbot: error: ") and "--help" in err


def test_verbose_says_what_happens(cli, tmp_path):
    (tmp_path / "config.toml").write_text(f'[corpus]\npaths = ["{SEEDS}"]\n')
    assert cli("index", "build")[0] == 0
    status, _, err = cli("ask", "How much flour did Russia deliver?", "-v")
    assert status == 0
    assert "newsbot: opened the index in" in err and ("answered with" in err or "abstained in" in err), err


def test_a_folder_given_as_config_is_named_as_one(cli, tmp_path):
    status, _, err = cli("--config", str(tmp_path), "index", "stats")
    assert (
        status == 2
        and err.strip() == f"newsbot: error: config file {tmp_path} is a folder. Give --config the path of a .toml file"
    )


def test_a_missing_batch_file_is_told_without_errno(cli, tmp_path):
    status, _, err = cli("ask", "--batch", str(tmp_path / "nope.txt"))
    assert status == 2 and err.strip() == (
        f"newsbot: error: cannot read questions from {tmp_path / 'nope.txt'} "
        "(No such file or directory). Give a text file, one question per line"
    )
