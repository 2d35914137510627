"""Waiting for a locked row, no longer than a limit: shared by every service that locks one (a
course run's row when booking, a reflection's row when sending it)."""

from django.db import OperationalError, connection


def wait_at_most(limit: str) -> None:
    """Within the current transaction, wait at most `limit` (e.g. "5s") for a row lock, then fail
    with a lock timeout (PostgreSQL). SQLite has one writer at a time and its own busy timeout."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [limit])


def is_lock_timeout(error: OperationalError) -> bool:
    """PostgreSQL: lock_not_available (55P03). SQLite: another writer held the database too long."""
    return getattr(error.__cause__, "sqlstate", None) == "55P03" or "database is locked" in str(
        error
    )
