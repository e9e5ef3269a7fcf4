"""Two `newsbot run` processes, each with its own shards, against the fake Discord and one PostgreSQL."""

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

FLOUR = "How much flour did Russia deliver to North Korea?"
HARBOUR = b"Harbour bridge reopens after repairs\n\nBy Ana Lima\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday after eight months of repairs.\n"


def config(fake: FakeDiscord, tmp_path, model_cache, url: str, shard: int) -> str:
    return (
        f'[corpus]\npaths = ["{SEEDS}"]\nadded_dir = "{tmp_path / "added"}"\n\n'
        f'[index]\nmodel_cache = "{model_cache}"\n\n[store]\nbackend = "postgres"\nurl = "{url}"\n\n'
        f'[discord]\napi_base_url = "{fake.api_base}"\ngateway_url = "{fake.gateway_url}"\n'
        f'sync_guild_id = {p.GUILD_ID}\ncooldown_seconds = 0\nshared_corpus_guild_ids = [{p.GUILD_ID}]\n'
        f'data_dir = "{tmp_path / f"data-{shard}"}"\nshard_count = 2\nshard_ids = [{shard}]\n'
    )


async def test_two_processes_split_the_guilds_and_share_one_corpus(tmp_path, model_cache, postgres_url):
    fake = await FakeDiscord().start()
    for shard in (0, 1):
        (tmp_path / f"shard-{shard}.toml").write_text(config(fake, tmp_path, model_cache, postgres_url, shard))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "fake-token-not-a-secret"}

    async def newsbot(*args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.terminal.cli",
            *args,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    build = await newsbot("index", "build", "--config", "shard-0.toml")
    _, built = await asyncio.wait_for(build.communicate(), 300)
    assert build.returncode == 0, built.decode()
    processes = [await newsbot("run", "-v", "--config", f"shard-{shard}.toml") for shard in (0, 1)]
    try:
        for _ in range(1200):  # both shards identified and given their guilds
            if len(fake.shards) == 2:
                break
            assert all(process.returncode is None for process in processes), "a bot process ended"
            await asyncio.sleep(0.1)
        assert sorted(fake.shards.values()) == [(0, 2), (1, 2)]
        await fake.wait_for(lambda r: r.method == "PUT" and r.path.endswith("/commands"), 60)
        # GUILD_ID is on shard 1, SHARD_GUILD_ID on shard 0: each question reaches only its shard's process
        assert (p.shard_of(p.GUILD_ID, 2), p.shard_of(p.SHARD_GUILD_ID, 2)) == (1, 0)
        here = await fake.followup(await fake.slash("ask", question=FLOUR, guild_id=p.GUILD_ID), timeout=60)
        there = await fake.followup(await fake.slash("ask", question=FLOUR, guild_id=p.SHARD_GUILD_ID), timeout=60)

        added = await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)}, guild_id=p.GUILD_ID)
        assert "1 added" in (await fake.followup(added, timeout=120))["embeds"][0]["description"]
        harbour = await fake.followup(
            await fake.slash("ask", question="When did the harbour bridge reopen?", guild_id=p.SHARD_GUILD_ID),
            timeout=60,
        )
    finally:
        logs = []
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            logs.append(stderr.decode())
        await fake.stop()
    for answer in (here, there):
        assert "2,400 tons of flour" in answer["embeds"][0]["description"]
    assert "harbour bridge reopened on Tuesday" in harbour["embeds"][0]["description"]
    assert "shard 0 of 2 connected" in logs[0] and "shard 1 of 2 connected" in logs[1]
    assert "shard 1 of 2" not in logs[0] and "shard 0 of 2" not in logs[1]
    assert "changed: opening version" in logs[0]  # shard 0's process took up the version shard 1's process made
    for process, log in zip(processes, logs):
        assert process.returncode == 0, log
        assert " ERROR " not in log and "Traceback" not in log, log
    assert not fake.problems, fake.problems
