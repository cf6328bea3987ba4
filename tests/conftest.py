"""Shared fixtures: the corpus beside the checkout, fresh data roots, databases."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from engine import user_store
from engine.archive import Archive
from engine.cli import app
from engine.config import Settings
from engine.extract import legacy
from tests.webdesk import Desk, open_desk

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("GONGKAI_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus (or $GONGKAI_CORPUS); tests that read it skip without it."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def seeds(corpus: Path) -> Path:
    return corpus / "seeds"


# --- the register on both backends -------------------------------------------

PG_ADMIN_URL = os.environ.get(
    "GONGKAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"gongkai_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        message = f"no PostgreSQL server reachable at {PG_ADMIN_URL}: {error.orig}"
        if os.environ.get("GONGKAI_REQUIRE_PG") == "1":
            pytest.fail(f"GONGKAI_REQUIRE_PG=1 but {message}")
        pytest.skip(message)
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The register's URL: an SQLite file, then a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive' / 'gongkai.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    home = tmp_path / "archive"
    return Settings(
        home=home,
        database_url=database_url,
        inbox=home / "inbox",
        settle_seconds=0.2,
        workers=2,
    )


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    with Archive.open(settings) as opened:
        yield opened


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings on SQLite only, for tests of the shells (watcher, CLI, crashes)."""
    home = tmp_path / "archive"
    return Settings(
        home=home,
        database_url=f"sqlite:///{home / 'gongkai.db'}",
        inbox=home / "inbox",
        settle_seconds=0.2,
        workers=2,
    )


@pytest.fixture
def soffice() -> str:
    """The LibreOffice executable; tests that run it skip without it, unless
    GONGKAI_REQUIRE_SOFFICE=1 (CI), where its absence fails them."""
    found = legacy.find_soffice()
    if found is None:
        message = "LibreOffice (soffice) not on PATH; apt install libreoffice-writer-nogui"
        if os.environ.get("GONGKAI_REQUIRE_SOFFICE") == "1":
            pytest.fail(f"GONGKAI_REQUIRE_SOFFICE=1 but {message}")
        pytest.skip(message)
    return found


# --- the command line ----------------------------------------------------------


@pytest.fixture
def cli(sqlite_settings: Settings) -> CliRunner:
    """Runs ``gongkai`` in-process on a fresh data root (SQLite)."""
    return CliRunner(env={"GONGKAI_HOME": str(sqlite_settings.home), "GONGKAI_DATABASE_URL": ""})


def invoke_json(cli: CliRunner, *args: str) -> Any:
    """``gongkai ARGS --json``: it must succeed and print one JSON value."""
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the web desk --------------------------------------------------------------


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its production cost takes ~0.25 s a hash here, and every desk test makes
    and logs in several users: tests hash with the smallest parameters instead (still
    argon2id). ``test_users`` checks the production parameters (``monkeypatch.undo()``)."""
    monkeypatch.setattr(
        user_store, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def desk(sqlite_settings: Settings) -> Iterator[Desk]:
    """The web desk on a fresh SQLite archive, with one user per role (tests/webdesk.py)."""
    with open_desk(sqlite_settings) as opened:
        yield opened
