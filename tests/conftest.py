from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from index import Embedder, build_index, load_embedder

from .discord_harness import ErrorRecords, copy_index, make_app
from .fake_discord import FakeDiscord
from .fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SEED_2017 = "000_d9337505ec262534"
SEED_2021 = "001_4589706aa8a54f74"

pytest_plugins = ["tests.postgres"]  # postgres_server, postgres_url, and index_at (both backends)


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own empty folder with no config from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """The session's [index] model_cache: the int8 ONNX copy of the bundled model is made here once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def real_embedder(model_cache) -> Embedder:
    """The bundled all-MiniLM-L6-v2 as newsbot runs it by default (int8 ONNX)."""
    return load_embedder("all-MiniLM-L6-v2", cache_dir=model_cache)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, real_embedder) -> Path:
    """An index of seeds/ built with the real model, shared by the tests that only read it."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index([SEEDS], index_dir, real_embedder)
    return index_dir


def use_fake_model(monkeypatch) -> FakeEmbedder:
    """Every Newsbot made after this uses one FakeEmbedder ("fake-hash"), to open indexes too."""
    fake = FakeEmbedder()
    monkeypatch.setattr("bot.core.service.load_embedder", lambda *args, **kwargs: fake)
    monkeypatch.setattr("bot.core.service.LazyEmbedder", lambda model, name: fake)
    return fake


@pytest.fixture
def reuse_real_embedder(monkeypatch, real_embedder):
    """Make every Newsbot in this test use the session's model instead of loading its own."""
    monkeypatch.setattr("bot.core.service.load_embedder", lambda *args, **kwargs: real_embedder)
    return real_embedder


@pytest.fixture
def cli(monkeypatch, capsys):
    """Runs `newsbot ...` as a user types it, with FakeEmbedder in place of the model; returns
    (exit status, stdout, stderr)."""
    from bot.terminal.cli import main

    use_fake_model(monkeypatch)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def fake_corpus_app(tmp_path):
    """An app over a copy of the seeds in tmp_path/corpus, indexed in tmp_path/ix with FakeEmbedder;
    articles it adds are kept in tmp_path/added."""
    from bot.core.config import Config, CorpusSettings
    from bot.core.service import Newsbot

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    newsbot = Newsbot(
        Config(corpus=CorpusSettings(paths=(corpus,), added_dir=tmp_path / "added")),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "ix",
    )
    newsbot.rebuild()
    return newsbot


# ---- the fake Discord and bots on it (tests/bot/discord_bot/test_discord_bot.py, tests/test_security.py) ----


@pytest.fixture
async def fake():
    server = await FakeDiscord().start()
    errors = ErrorRecords()
    logging.getLogger("discord").addHandler(errors)
    try:
        yield server
    finally:
        logging.getLogger("discord").removeHandler(errors)
        await server.stop()
    problems = server.problems + [f"ERROR log from {r.name}: {r.getMessage()}" for r in errors.records]
    assert not problems, "\n".join(problems)


def on_backend(request, app, embedder):
    """The app as it is (the files backend), or with its index copied into PostgreSQL and the bot's
    state kept there too (`newsbot index migrate`), as the test's `backend` parameter says."""
    from dataclasses import replace

    from bot.core.config import StoreSettings
    from bot.core.service import Newsbot

    if request.param != "postgres":
        return app
    store = StoreSettings(backend="postgres", url=request.getfixturevalue("postgres_url"))
    app = Newsbot(replace(app.config, store=store), embedder=embedder, index_dir=app.index_dir)
    app.copy_to_postgres()
    return app


@pytest.fixture(params=["faiss", "postgres"])
def seed_app(request, fake, tmp_path, real_embedder, seed_index_dir):
    """Makes an app over the seeds' index, on each backend."""
    made = []

    def make(**discord_settings):
        index_dir = copy_index(seed_index_dir, tmp_path / "index")
        app = make_app(fake, tmp_path, real_embedder, index_dir, (SEEDS,), **discord_settings)
        made.append(on_backend(request, app, real_embedder))
        return made[-1]

    yield make
    for app in made:
        app.close()


@pytest.fixture(params=["faiss", "postgres"])
def corpus_app(request, fake, tmp_path, real_embedder, seed_index_dir):
    """An app over a copy of the seeds, on each backend: its index a copy of the seeds' index."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    index_dir = copy_index(seed_index_dir, tmp_path / "index")
    app = on_backend(
        request, make_app(fake, tmp_path, real_embedder, index_dir, (corpus,), cooldown_seconds=0), real_embedder
    )
    yield app
    app.close()
