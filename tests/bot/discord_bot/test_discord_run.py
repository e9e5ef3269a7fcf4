"""`newsbot run` started exactly as a user would, against the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from tests.conftest import ROOT, SEEDS
from tests.fake_discord import FakeDiscord
from tests.fake_discord import payloads as p

pytestmark = pytest.mark.model


async def test_newsbot_run_answers_ask_and_stops_on_sigterm(tmp_path):
    fake = await FakeDiscord().start()
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npaths = ["{SEEDS}"]\n\n[discord]\napi_base_url = "{fake.api_base}"\n'
        f'gateway_url = "{fake.gateway_url}"\nsync_guild_id = {p.GUILD_ID}\n'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "fake-token-not-a-secret"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.terminal.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_ready(timeout=120)  # model load and first index build happen before this
        token = await fake.slash("ask", question="How much flour did Russia deliver to North Korea?")
        message = await fake.followup(token, timeout=60)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "2,400 tons of flour" in message["embeds"][0]["description"]
    assert "UPI · <t:1500465600:D> (<t:1500465600:R>)" in message["embeds"][0]["fields"][0]["value"]
    assert "shutting down" in log
    assert "fake-token-not-a-secret" not in log  # the token is never logged
    assert " ERROR " not in log and "Traceback" not in log
    assert not fake.problems, fake.problems


def test_run_without_a_token_says_how_to_set_one(tmp_path):
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.terminal.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "newsbot: error: no Discord bot token is set. Export DISCORD_TOKEN=<your bot "
        "token> (or set [discord] token in config.toml), then run again"
    )


def test_run_with_discord_out_of_reach_says_so_in_one_line(tmp_path):
    import socket
    import subprocess

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npaths = ["{SEEDS}"]\n\n[discord]\napi_base_url = "http://127.0.0.1:{port}/api/v10"\n'
        f'gateway_url = "ws://127.0.0.1:{port}/"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "fake-token-not-a-secret"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.terminal.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "voice" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"newsbot: error: could not reach Discord at http://127.0.0.1:{port}/api/v10 ([Errno 111] "
        f"Connect call failed ('127.0.0.1', {port})). Check the network connection (or [discord] "
        "api_base_url), then run again"
    )
