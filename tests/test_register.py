"""The register's schema: migrations match the models, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from engine.archive import Archive
from engine.register.db import connect, migrate
from engine.register.models import Base


def test_migrations_build_exactly_the_models(archive: Archive) -> None:
    with archive.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    engine = connect(database_url)
    try:
        migrate(engine)
        tables = set(inspect(engine).get_table_names())
        migrate(engine)
        assert set(inspect(engine).get_table_names()) == tables
        assert {"documents", "sources", "audit_events", "alembic_version"} <= tables
    finally:
        engine.dispose()


def test_sqlite_register_runs_in_wal_mode(sqlite_settings) -> None:  # type: ignore[no-untyped-def]
    with Archive.open(sqlite_settings) as archive, archive.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
