from __future__ import annotations

from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder, build_index

from .fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SEED_2017 = "000_d9337505ec262534"
SEED_2021 = "001_4589706aa8a54f74"


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
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the session."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, real_embedder) -> Path:
    """An index of seeds/ built with the real model, shared by the tests that only read it."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index([SEEDS], index_dir, real_embedder)
    return index_dir


@pytest.fixture
def reuse_real_embedder(monkeypatch, real_embedder):
    """Make every Newsbot in this test use the session's model instead of loading its own."""
    monkeypatch.setattr("bot.service.SentenceTransformerEmbedder", lambda *args, **kwargs: real_embedder)
    return real_embedder
