"""A restored copy of the test database under its own connection alias, the way an operator
restores a backup: sqlite3's backup API on SQLite, pg_dump | pg_restore into a fresh database
on PostgreSQL. The copy is dropped afterwards."""

from __future__ import annotations

import copy
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.db.utils import load_backend

ALIAS = "restored"


def _sqlite_copy(source, target: Path) -> str:
    source.ensure_connection()
    with sqlite3.connect(target) as copy_connection:
        source.connection.backup(copy_connection)
    copy_connection.close()
    return str(target)


def _pg_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    args = ["-h", settings_dict["HOST"] or "127.0.0.1", "-p", str(settings_dict["PORT"] or 5432)]
    args += ["-U", settings_dict["USER"] or "postgres"]
    return args, {**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""}


def _pg_admin(source, sql: str) -> None:
    import psycopg

    params = source.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(sql)


def _postgres_copy(source, dump: Path) -> str:
    name = f"{source.settings_dict['NAME']}_restored"
    args, env = _pg_args(source.settings_dict)
    subprocess.run(
        ["pg_dump", *args, "--format=custom", "--no-owner", "-f", str(dump)]
        + [source.settings_dict["NAME"]],
        env=env,
        check=True,
    )
    _pg_admin(source, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(source, f'CREATE DATABASE "{name}"')
    subprocess.run(
        [
            "pg_restore",
            *args,
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            name,
            str(dump),
        ],
        env=env,
        check=True,
    )
    return name


@contextmanager
def restored_copy(tmp_path: Path) -> Iterator[str]:
    """Back the default database up, restore it as a new database and yield its alias."""
    source = connections["default"]
    if source.vendor == "sqlite":
        name = _sqlite_copy(source, tmp_path / "restored.sqlite3")
    elif source.vendor == "postgresql":
        name = _postgres_copy(source, tmp_path / "backup.dump")
    else:
        raise NotImplementedError(f"no restore drill for {source.vendor}")
    settings_dict = copy.deepcopy(source.settings_dict)
    settings_dict["NAME"] = name
    # Registered as a connection, not in settings: the test case allows such an alias.
    restored = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, ALIAS)
    connections[ALIAS] = restored
    try:
        yield ALIAS
    finally:
        restored.close()
        del connections[ALIAS]
        if source.vendor == "postgresql":
            _pg_admin(source, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
